"""Migrations of the accounts app that move data, both ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0004_password_reset_requests")]
AFTER = [("accounts", "0005_workspace_ics_token_created_at")]
ISSUED = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_a_feed_issued_before_keeps_the_time_its_audit_entry_says() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        org = old.get_model("accounts", "Organisation").objects.create(name="Agence")
        Workspace, AuditEntry = old.get_model("accounts", "Workspace"), old.get_model("accounts", "AuditEntry")
        with_feed = Workspace.objects.create(organisation=org, name="Avec", ics_token_hash="a" * 64)
        without = Workspace.objects.create(organisation=org, name="Sans")
        for action, day in (("ics.created", 1), ("ics.regenerated", 2)):
            entry = AuditEntry.objects.create(workspace=with_feed, actor_label="x", action=action)
            AuditEntry.objects.filter(pk=entry.pk).update(created_at=ISSUED.replace(day=day))

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("accounts", "Workspace")
        assert new.objects.get(pk=with_feed.pk).ics_token_created_at == ISSUED
        assert new.objects.get(pk=without.pk).ics_token_created_at is None

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)  # and back
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

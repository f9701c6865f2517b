"""Migrations of the publishing app that move data, both ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Before the editorial settings left the workspace, and once they have.
BEFORE = [("accounts", "0005_workspace_ics_token_created_at"), ("publishing", "0008_failure_reasons_as_texts")]
AFTER = [("accounts", "0006_editorial_settings_moved_to_publishing")]
PAUSED = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
ISSUED = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
FIELDS = ("requires_approval", "approval_mode", "approval_notice_hours", "paused_at", "pause_reason",
          "paused_by_id", "ics_token_hash", "ics_token_created_at")


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_editorial_settings_of_every_workspace_survive_the_move_and_its_reversal() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE).loader.project_state(BEFORE).apps
        user = old.get_model("accounts", "User").objects.create(username="m@a.test", email="m@a.test")
        org = old.get_model("accounts", "Organisation").objects.create(name="Agence")
        Workspace = old.get_model("accounts", "Workspace")
        busy = Workspace.objects.create(
            organisation=org, name="En crise", requires_approval=True, approval_mode="all", approval_notice_hours=6,
            paused_at=PAUSED, pause_reason="Rappel de lots", paused_by=user, ics_token_hash="a" * 64,
            ics_token_created_at=ISSUED)
        plain = Workspace.objects.create(organisation=org, name="Tranquille")
        expected = {w.pk: tuple(getattr(w, f) for f in FIELDS) for w in (busy, plain)}
        assert expected[busy.pk] == (True, "all", 6, PAUSED, "Rappel de lots", user.pk, "a" * 64, ISSUED)

        new = _migrate(AFTER).loader.project_state(AFTER).apps
        moved = {row["workspace_id"]: tuple(row[f] for f in FIELDS)
                 for row in new.get_model("publishing", "EditorialSettings").objects.values("workspace_id", *FIELDS)}
        assert moved == expected
        assert not {f.attname for f in new.get_model("accounts", "Workspace")._meta.concrete_fields} & set(FIELDS)

        back = _migrate(BEFORE).loader.project_state(BEFORE).apps
        restored = {w.pk: tuple(getattr(w, f) for f in FIELDS) for w in back.get_model("accounts", "Workspace")
                    .objects.all()}
        assert restored == expected
    finally:
        _migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_the_missions_table_comes_and_goes_with_its_migration() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate([("publishing", "0010_network_options_and_steps")])
        assert "publishing_mission" not in connection.introspection.table_names()
        new = _migrate([("publishing", "0011_missions")]).loader.project_state(
            [("publishing", "0011_missions")]).apps
        org = new.get_model("accounts", "Organisation").objects.create(name="Agence")
        workspace = new.get_model("accounts", "Workspace").objects.create(organisation=org, name="Client")
        Mission = new.get_model("publishing", "Mission")
        Mission.objects.create(workspace=workspace, month=datetime(2026, 12, 1).date(), network="mastodon",
                               promised=20)
        assert Mission.objects.get().promised == 20
    finally:
        _migrate(latest)

"""The audit log says who did what to what, and notices reach each person once, in the
app at once and by email after commit, an email failure never failing the caller."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from parvis.accounts import audit
from parvis.accounts.actions import notify
from parvis.accounts.models import ClientApprover, Notification, PortalLink

pytestmark = pytest.mark.django_db


def test_an_entry_names_its_actor_client_or_parvis_and_its_target(people: dict[str, Any]) -> None:
    workspace = people["workspace"]
    by_email = audit.record(workspace, "workspace.updated", actor=people["editor"], target=workspace,
                            before="Dupont", after="Boulangerie Dupont")
    assert by_email.actor_label == "editor@agence.test"
    assert (by_email.target_type, by_email.target_id) == ("workspace", str(workspace.pk))
    assert (by_email.before, by_email.after, by_email.texts) == ("Dupont", "Boulangerie Dupont", {})
    assert audit.record(workspace, "x", actor=people["owner"]).actor_label == "Olivia <owner@agence.test>"
    claire = ClientApprover.objects.create(workspace=workspace, name="Claire", email="claire@dupont.test")
    assert audit.record(workspace, "x", client=claire).actor_label == "Claire <claire@dupont.test>"
    system = audit.record(workspace, "x")
    assert (system.actor_label, system.target_type, system.target_id) == ("parvis", "", "")


def test_notices_reach_each_person_once_and_email_after_commit(
        people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    editor = people["editor"]
    with django_capture_on_commit_callbacks(execute=True):
        notify([editor, editor, people["manager"]], people["workspace"], "test", "Sujet", "Corps", url="/w/1/")
        assert mail.outbox == []
    assert Notification.objects.filter(kind="test").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["editor@agence.test", "manager@agence.test"]
    assert all(m.subject == "Sujet" and m.body.startswith("Corps") and "/w/1/" in m.body for m in mail.outbox)


def test_an_email_that_cannot_be_sent_is_logged_and_the_notice_kept(
        people: dict[str, Any], django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("parvis.accounts.actions.send_mail", refuse)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        notify([people["editor"]], people["workspace"], "test", "Sujet", "Corps")
    assert Notification.objects.filter(user=people["editor"], kind="test").exists()
    assert "could not email notification test" in caplog.text


def test_a_portal_link_works_until_it_expires_or_it_or_its_approver_is_revoked(people: dict[str, Any]) -> None:
    claire = ClientApprover.objects.create(workspace=people["workspace"], name="Claire", email="claire@dupont.test")
    link, token = PortalLink.issue(claire, days=30)
    assert PortalLink.objects.by_token(token) == link and token not in link.token_hash
    for field, owner in (("expires_at", link), ("revoked_at", link), ("revoked_at", claire)):
        before = getattr(owner, field)
        setattr(owner, field, timezone.now() - timedelta(seconds=1))
        owner.save(update_fields=[field])
        assert PortalLink.objects.by_token(token) is None, (owner, field)
        setattr(owner, field, before)
        owner.save(update_fields=[field])
    assert PortalLink.objects.by_token(token) == link
    assert claire.is_active

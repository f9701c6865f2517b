"""Notifications read in their reader's language, whatever the workspace's: in the app
(even after the reader changes language) and by email; dates in the reader's zone and
format; why something failed in their language too, a network's own words passed on as
they came. Chat channels belong to a team: they get the workspace's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from parvis.accounts.models import Notification
from parvis.inbox.models import Webhook
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.approval_sweeps import warn_unapproved_soon
from parvis.publishing.models import EditorialSettings, Publication
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
DECEMBER = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)  # 14:05 in Paris, 08:05 in Montréal


def speaks(user: Any, language: str, zone: str = "Europe/Paris") -> Any:
    user.language, user.timezone = language, zone
    user.save()
    return user


def mail_to(user: Any) -> list[Any]:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_why_a_publication_failed_reads_in_each_readers_language(
        people, mastodon_server, mastodon_account, settings, django_capture_on_commit_callbacks):
    settings.PARVIS_PUBLISH_MAX_ATTEMPTS = 1
    account, _local = mastodon_account
    owner = speaks(people["owner"], "en")  # the workspace speaks French
    post = schedule(people["workspace"], owner, [account], "Galette du jour")
    mastodon_server.fail_next(503)
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):  # a French worker
        assert engine.publish(pub(post).pk) == "failed"
    (email,) = mail_to(owner)
    assert email.subject == f"Publication failed on {account}"
    assert "could not be published" in email.body and "Gave up after 1 attempts. Last error:" in email.body
    # parvis's words in the reader's language, the connector's included (parvis words them).
    assert "Abandon" not in email.body and "The Mastodon server had an error (HTTP 503)." in email.body
    notice = Notification.objects.get(user=owner, kind="publication_failed")
    with translation.override("en"):
        assert "Gave up after 1 attempts" in notice.shown_message
    speaks(owner, "fr")
    page = client_for(owner, "fr").get(reverse("web:notifications")).content.decode()
    assert f"n’a pas pu être publié sur {account}{NBSP}: Abandon après 1 tentatives" in page


def test_a_reminder_gives_the_time_in_each_readers_zone_and_language(people, django_capture_on_commit_callbacks):
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    account = SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
        handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    post = schedule(workspace, people["editor"], [account], "Galette des rois", delay=3600)
    Publication.objects.filter(post=post).update(due_at=DECEMBER, next_attempt_at=DECEMBER)
    owner = speaks(people["owner"], "en")
    manager = speaks(people["manager"], "fr", "America/Montreal")
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_unapproved_soon(DECEMBER - timedelta(hours=2)) == 1
    (to_owner,), (to_manager,) = mail_to(owner), mail_to(manager)
    assert "is due Dec. 3, 2026, 14:05 CET and is still “Not sent for review”" in to_owner.body
    assert f"est prévu le 3 déc. 2026, 08:05 EST et a toujours le statut «{NBSP}Non soumis" in to_manager.body
    assert to_manager.subject == "Un post programmé n’est toujours pas validé"


def test_a_notice_from_the_inbox_is_in_the_readers_language_not_the_workspaces(
        people, django_capture_on_commit_callbacks):
    from parvis.inbox.polling import _tell_reconnect

    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@brand@example.social", credentials={"access_token": "x"})
    owner = speaks(people["owner"], "en")
    manager = speaks(people["manager"], "fr")
    with django_capture_on_commit_callbacks(execute=True):
        _tell_reconnect(account, "The access token was revoked")
    assert mail_to(owner)[0].subject == f"{account} must be reconnected"
    assert mail_to(manager)[0].subject == f"{account} doit être reconnecté"
    assert "The access token was revoked" in mail_to(manager)[0].body  # the network's words stay as they came
    with translation.override("en"):
        assert Notification.objects.get(user=manager).shown_message.startswith(str(account))
        assert "refused parvis's credentials" in Notification.objects.get(user=manager).shown_message


def test_chat_channels_get_the_workspaces_language(people, monkeypatch, django_capture_on_commit_callbacks):
    from parvis.core.texts import Text
    from parvis.inbox import alerts

    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr("parvis.inbox.tasks.webhook_task", lambda *args: sent.append(args))
    Webhook.objects.create(workspace=people["workspace"], name="Équipe", format="slack",
                           url="https://hooks.example/x")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        alerts.to_webhooks(people["workspace"], Text.gettext("Possible crisis on %(workspace)s", workspace="Dupont"),
                           "données", "/inbox/", urgent=True, key="k")
    (_pk, title, text, *_rest), = sent
    assert (title, text) == ("Crise possible dans Dupont", "données")


def test_old_notices_show_what_they_stored(people):
    Notification.objects.create(user=people["owner"], workspace=people["workspace"], kind="old",
                                message="Ancien message")
    page = client_for(people["owner"]).get(reverse("web:notifications")).content.decode()
    assert "Ancien message" in page


def test_texts_keep_their_parameters_through_json():
    from parvis.core.texts import Text

    text = Text.ngettext("%(count)d post imported from %(file)s", "%(count)d posts imported from %(file)s", "count",
                         count=2, file="plan.csv")
    nested = Text.gettext("%(imported)s; %(refused)s", imported=text, refused="x")
    again = Text.from_json(nested.as_json())
    assert again == nested
    assert again.render_in("en") == "2 posts imported from plan.csv; x"
    assert again.render_in("fr").startswith("2 ") and f"{NBSP}; x" in again.render_in("fr")
    with timezone.override(timezone.get_fixed_timezone(60)):
        dated = Text.from_json(Text.gettext("Link of %(client)s created %(when)s", client="C",
                                            when=DECEMBER).as_json())
        assert dated.render_in("en") == "Link of C created Dec. 3, 2026, 14:05 +0100"


def test_a_notice_outside_any_workspace_to_someone_without_a_language_uses_the_sites(people):
    from parvis.accounts.actions import notify
    from parvis.core.texts import Text

    reader = speaks(people["editor"], "")
    changed = Text.gettext("Your password was changed.")
    notify([reader], None, "test", changed, changed)
    notice = Notification.objects.get(user=reader)
    assert notice.message == "Votre mot de passe a été changé."

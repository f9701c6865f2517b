"""Chat channels carry the topics the team chose: messages to answer and crises (what
they always carried), and, when ticked, failed publications, approvals, accounts to fix…"""

from __future__ import annotations

import pytest

from parvis.accounts.actions import notify
from parvis.inbox import alerts
from parvis.inbox.models import Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The deliveries queued, as (webhook id, title, urgent, key)."""
    sent: list[tuple[int, str, bool, str]] = []
    monkeypatch.setattr("parvis.inbox.tasks.webhook_task",
                        lambda pk, title, text, url, urgent, key: sent.append((pk, title, urgent, key)))
    return sent


def channel(people, name, **fields):
    return Webhook.objects.create(workspace=people["workspace"], name=name, format="ntfy",
                                  url="https://ntfy.example/alerts", **fields)


def test_a_channel_carries_only_its_topics(people, queued, django_capture_on_commit_callbacks):
    default = channel(people, "Défaut")  # inbox and crisis
    publishing = channel(people, "Publication", topics=["publishing", "approvals"])
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["owner"]], people["workspace"], "publication_failed", "Échec", "Le post n'est pas parti", "/p/")
        notify([people["owner"]], people["workspace"], "approval_requested", "À valider", "Un post attend", "/r/")
        notify([people["owner"]], people["workspace"], "import_done", "Import", "Fini", "/i/")
        alerts.to_webhooks(people["workspace"], "Messages", "2 messages", "/inbox/", urgent=False, key="items-1")
        alerts.to_webhooks(people["workspace"], "Crise", "Pic", "/pause/", urgent=True, key="crisis-1",
                           topic="crisis")
    assert sorted((pk, title) for pk, title, _urgent, _key in queued) == sorted([
        (publishing.pk, "Échec"), (publishing.pk, "À valider"), (default.pk, "Messages"), (default.pk, "Crise")])


def test_an_urgent_only_channel_skips_what_is_not_urgent(people, queued, django_capture_on_commit_callbacks):
    channel(people, "Nuit", topics=["publishing", "crisis"], urgent_only=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["owner"]], people["workspace"], "publication_failed", "Échec", "…", "/p/")
        notify([people["owner"]], people["workspace"], "workspace_paused", "Pause", "…", "/pause/")
    assert [(title, urgent) for _pk, title, urgent, _key in queued] == [("Pause", True)]


def test_inbox_items_and_crisis_alerts_reach_a_channel_once(people, queued, django_capture_on_commit_callbacks):
    channel(people, "Tout", topics=["inbox", "crisis"])
    with django_capture_on_commit_callbacks(execute=True):
        # Their senders post to the channels themselves; notify does not post them again.
        notify([people["owner"]], people["workspace"], "inbox_items", "Messages", "…", "/inbox/")
        notify([people["owner"]], people["workspace"], "inbox_crisis", "Crise", "…", "/pause/")
    assert queued == []

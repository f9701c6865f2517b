"""Replies from the inbox in a workspace that requires approval (and one in crisis
pause): a reply answers someone now, so it is never held by approval nor failed by the
approval sweeps; it goes out once, through the dispatcher's real pass."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.api.models import ApiToken
from parvis.core.sweeps import run_sweeps
from parvis.inbox.models import Reply
from parvis.inbox.tests.test_replies import conversation  # noqa: F401 - a fixture
from parvis.publishing import approval_sweeps, engine
from parvis.publishing.dispatcher import dispatch_once
from parvis.publishing.models import EditorialSettings, Publication, State
from parvis.publishing.pause import pause_workspace
from parvis.testing.factories import client_for


@pytest.fixture
def approval_required(people):
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.approval_notice_hours = 48
    editorial.save()
    return workspace


def dispatcher_pass(at=None) -> list[str]:
    """One pass of the dispatcher thread (sweeps, then due publications), the jobs run in
    line instead of through the queue."""
    outcomes: list[str] = []
    run_sweeps(at or timezone.now())
    dispatch_once(lambda pk: outcomes.append(engine.publish(pk)))
    return outcomes


def sent_replies(mastodon_server, brand, theirs) -> list[dict]:
    return [s for s in mastodon_server.statuses_of(brand) if s.get("in_reply_to_id") == theirs["id"]]


def assert_published_once(reply: Reply, mastodon_server, brand, theirs) -> None:
    publication = reply.post.publications.get()
    assert publication.state == State.PUBLISHED, (publication.state, publication.error)
    assert publication.error_kind != approval_sweeps.NOT_APPROVED
    assert len(sent_replies(mastodon_server, brand, theirs)) == 1


def no_sweep_failed(caplog) -> None:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]


def test_a_reply_sent_from_the_inbox_page_is_published_once_when_approval_is_required(
        conversation, approval_required, people, mastodon_server, caplog):  # noqa: F811
    account, brand, fan, ours, theirs, item, poller = conversation
    response = client_for(people["editor"]).post(
        reverse("web:inbox_act", args=[item.workspace_id, item.pk, "reply"]),
        {"text": f"@{fan['username']} Oui, on vous en garde !"})
    assert response.status_code == 302
    reply = Reply.objects.get(item=item)
    # The dispatcher's pass runs the approval sweeps first, then publishes what is due.
    assert dispatcher_pass() == ["published"]
    assert dispatcher_pass(timezone.now() + timedelta(hours=1)) == []
    assert_published_once(reply, mastodon_server, brand, theirs)
    no_sweep_failed(caplog)


def test_a_reply_sent_through_the_api_is_published_once_when_approval_is_required(
        conversation, approval_required, people, mastodon_server, caplog):  # noqa: F811
    account, brand, fan, ours, theirs, item, poller = conversation
    _token, raw = ApiToken.issue(people["editor"], "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.post(f"/api/v1/inbox/items/{item.pk}/reply/", {"text": "Merci beaucoup !"}, format="json")
    assert response.status_code in (200, 201), response.content
    reply = Reply.objects.get(item=item)
    assert dispatcher_pass() == ["published"]
    assert dispatcher_pass(timezone.now() + timedelta(hours=1)) == []
    assert_published_once(reply, mastodon_server, brand, theirs)
    no_sweep_failed(caplog)


def test_the_approval_sweeps_never_touch_a_reply(conversation, approval_required, people):  # noqa: F811
    account, brand, fan, ours, theirs, item, poller = conversation
    from parvis.inbox.replies import send_reply

    reply = send_reply(item, "Merci !", people["owner"])
    publication = reply.post.publications.get()
    # Even a reply left waiting (its worker was slow to start) is nobody's approval to give.
    later = timezone.now() + timedelta(minutes=10)
    assert approval_sweeps.warn_unapproved_soon(timezone.now() - timedelta(minutes=1)) == 0
    assert approval_sweeps.fail_unapproved_due(later) == 0
    publication.refresh_from_db()
    assert publication.state == State.SCHEDULED and publication.error == ""
    assert not people["workspace"].audit_entries.filter(action="publication.not_approved").exists()


def test_a_reply_goes_out_during_a_crisis_pause_in_a_workspace_requiring_approval(
        conversation, approval_required, people, mastodon_server, caplog):  # noqa: F811
    account, brand, fan, ours, theirs, item, poller = conversation
    from parvis.inbox.replies import send_reply

    pause_workspace(people["workspace"], people["owner"], "Bad buzz")
    reply = send_reply(item, "Nous regardons cela tout de suite.", people["owner"])
    assert dispatcher_pass() == ["published"]
    dispatcher_pass(timezone.now() + timedelta(hours=1))
    assert_published_once(reply, mastodon_server, brand, theirs)
    assert Publication.objects.filter(post=reply.post, state=State.PUBLISHED).count() == 1
    no_sweep_failed(caplog)

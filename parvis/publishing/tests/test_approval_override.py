"""A post that approval holds says so ("Awaiting approval", never just "Scheduled"), and
managers and owners can publish it now with an audited override: once, on every account
still waiting, never for editors, never during a crisis pause."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.accounts.models import AuditEntry, Notification
from parvis.networks.models import SocialAccount
from parvis.publishing import approval, dispatcher, engine
from parvis.publishing.actions import save_post
from parvis.publishing.approval_status import awaiting_approval, state_label
from parvis.publishing.approval_sweeps import fail_unapproved_due
from parvis.publishing.models import ApprovalState, Comment, EditorialSettings, Post, Publication, State
from parvis.publishing.pause import pause_workspace
from parvis.publishing.tests.helpers import pub
from parvis.publishing.validation import PostInput
from parvis.testing.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def ws(people: dict[str, Any]) -> Any:
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    return workspace


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    jobs: list[int] = []
    monkeypatch.setattr("parvis.publishing.dispatcher.default_enqueue", jobs.append)
    return jobs


def scheduled(people: dict[str, Any], accounts: list[SocialAccount], hours: int = 48) -> Post:
    return save_post(accounts[0].workspace, people["editor"], PostInput(
        text="Galette des rois", accounts=accounts, mode="schedule",
        scheduled_at=timezone.now() + timedelta(hours=hours)))


@pytest.fixture
def account(ws: Any) -> SocialAccount:
    """A Bluesky account row (no network) in `ws`, which asks for approval: a test that
    takes only `account` still gets a workspace where posts need approving."""
    return make_account(ws, "bluesky")


def test_a_scheduled_post_approval_holds_is_awaiting_approval_until_approved(people, ws, account):
    post = scheduled(people, [account])
    publication = pub(post)
    assert awaiting_approval(post, publication.state) and state_label(post, publication.state) == "Awaiting approval"
    approval.submit_for_review(post, people["editor"])
    assert state_label(post, pub(post).state) == "Awaiting approval"
    approval.approve(post, user=people["manager"])
    post.refresh_from_db()
    assert not awaiting_approval(post, State.SCHEDULED) and state_label(post, State.SCHEDULED) == "Scheduled"
    assert not awaiting_approval(post, State.DRAFT)
    editorial = EditorialSettings.of(ws)
    editorial.requires_approval = False
    editorial.save()
    other = scheduled(people, [account])
    assert state_label(other, State.SCHEDULED, ws) == "Scheduled"


def test_the_composer_and_the_override_say_what_approval_will_do(people, ws, account):
    post = scheduled(people, [account])
    assert "will not be published unless" in approval.unapproved_warning(post, "schedule")
    assert approval.unapproved_warning(post, "draft") == ""
    approval.submit_for_review(post, people["editor"])
    assert "only if it is approved" in approval.unapproved_warning(post, "queue")
    approval.approve(post, user=people["owner"])
    assert approval.unapproved_warning(post, "schedule") == ""


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_a_manager_publishes_without_approval_now_audited_and_told(people, ws, account, queued, who,
                                                                   django_capture_on_commit_callbacks):
    second = SocialAccount.objects.create(
        workspace=ws, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:other",
        handle="@other.bsky.social", credentials={"identifier": "other.bsky.social", "app_password": "x"})
    post = scheduled(people, [account, second])
    approval.submit_for_review(post, people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        ids = approval.publish_without_approval(post, people[who], "  Annonce urgente du client  ")
    publications = list(post.publications.order_by("pk"))
    assert sorted(ids) == [p.pk for p in publications] == sorted(queued)
    assert all(p.state == State.SCHEDULED and p.next_attempt_at <= timezone.now() for p in publications)
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.APPROVED and post.approvals.get().user == people[who]
    assert Comment.objects.get(post=post, kind="override").body == "Annonce urgente du client"
    entry = AuditEntry.objects.get(action="post.approval_overridden", target_id=str(post.pk))
    assert entry.actor == people[who] and entry.after == "Annonce urgente du client"
    assert Notification.objects.filter(user=people["editor"], kind="approval_overridden").count() == 1
    assert not Notification.objects.filter(user=people[who], kind="approval_overridden").exists()
    # The engine takes it now, once.
    assert sorted(dispatcher.claim_due()) == sorted(ids)
    assert fail_unapproved_due(timezone.now()) == 0


def test_a_post_failed_as_not_approved_in_time_can_be_published_by_override(people, ws, account, queued):
    post = scheduled(people, [account])
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert fail_unapproved_due(timezone.now()) == 1
    assert approval.publish_without_approval(post, people["manager"], "Oublié de valider") == [pub(post).pk]
    assert (pub(post).state, pub(post).error) == (State.SCHEDULED, "")


def test_the_override_is_refused_when_it_cannot_apply(people, ws, account):
    post = scheduled(people, [account])
    with pytest.raises(approval.ApprovalError) as refused:
        approval.publish_without_approval(post, people["editor"], "Pressé")
    assert refused.value.code == "forbidden"
    with pytest.raises(approval.ApprovalError) as refused:
        approval.publish_without_approval(post, people["manager"], "   ")
    assert (refused.value.field, refused.value.code) == ("reason", "invalid")
    pause_workspace(ws, people["owner"], "Bad buzz")
    with pytest.raises(approval.ApprovalError) as refused:
        approval.publish_without_approval(post, people["manager"], "Pressé")
    assert refused.value.code == "state" and "paused" in refused.value.message
    assert pub(post).state == State.SCHEDULED and Post.objects.get(pk=post.pk).approval_state == ApprovalState.NONE


def test_an_approved_or_published_post_has_nothing_to_override(people, ws, account):
    post = scheduled(people, [account])
    approval.submit_for_review(post, people["editor"])
    approval.approve(post, user=people["manager"])
    with pytest.raises(approval.ApprovalError) as refused:
        approval.publish_without_approval(post, people["owner"], "Encore")
    assert refused.value.code == "state"
    cancelled = scheduled(people, [account])
    Publication.objects.filter(post=cancelled).update(state=State.CANCELLED)
    with pytest.raises(approval.ApprovalError) as refused:
        approval.publish_without_approval(cancelled, people["owner"], "Encore")
    assert refused.value.code == "state"


def test_an_overridden_post_is_published_once(people, ws, mastodon_account, mastodon_server, queued):
    masto, local = mastodon_account
    post = save_post(ws, people["editor"], PostInput(text="Flash info", accounts=[masto], mode="schedule",
                                                     scheduled_at=timezone.now() + timedelta(days=2)))
    approval.publish_without_approval(post, people["manager"], "Flash")
    publication = pub(post)
    assert engine.publish(publication.pk) == "published"
    assert engine.publish(publication.pk) == "skipped"
    assert len(mastodon_server.statuses_of(local)) == 1

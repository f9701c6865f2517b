"""Approval: the state machine (any approver vs all named approvers), edits that send a
post back to review, and what happens to scheduled posts nobody approved (a warning
beforehand, a visible failure at the time, never a publication)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from parvis.accounts.models import (
    AuditEntry,
    ClientApprover,
    Membership,
    Notification,
    PortalLink,
)
from parvis.networks.models import SocialAccount
from parvis.publishing import approval, dispatcher, engine
from parvis.publishing.actions import save_post
from parvis.publishing.approval_sweeps import fail_unapproved_due, warn_unapproved_soon
from parvis.publishing.approvers import ClientEmail, email_clients
from parvis.publishing.models import (
    Approval,
    ApprovalMode,
    ApprovalState,
    Comment,
    EditorialSettings,
    Post,
    Publication,
    State,
)
from parvis.publishing.tests.helpers import pub, schedule
from parvis.publishing.validation import PostInput, PostValidationError
from parvis.testing.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(people: dict[str, Any]) -> Any:
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    return workspace


@pytest.fixture
def account(ws: Any) -> SocialAccount:
    """A Bluesky account row (no network) in `ws`, which asks for approval: a test that
    takes only `account` still gets a workspace where posts need approving."""
    return make_account(ws, "bluesky")


@pytest.fixture
def client(ws: Any, people: dict[str, Any]) -> ClientApprover:
    return ClientApprover.objects.create(workspace=ws, name="Claire Client", email="claire@dupont.test",
                                         language="en", created_by=people["owner"])


def draft(people: dict[str, Any], account: SocialAccount, text: str = "Galette des rois", hours: int = 48) -> Post:
    return save_post(account.workspace, people["editor"], PostInput(
        text=text, accounts=[account], mode="schedule", scheduled_at=timezone.now() + timedelta(hours=hours)))


def submitted(people: dict[str, Any], account: SocialAccount, **kw: Any) -> Post:
    post = draft(people, account, **kw)
    approval.submit_for_review(post, people["editor"])
    return post


def edit(people: dict[str, Any], post: Post, text: str) -> Post:
    account = post.publications.get().account
    return save_post(post.workspace, people["editor"], PostInput(
        text=text, accounts=[account], mode="schedule", scheduled_at=post.scheduled_at), post=post)


def notified(user: Any, kind: str) -> int:
    return Notification.objects.filter(user=user, kind=kind).count()


def portal_tokens(message: Any) -> list[str]:
    return re.findall(r"/portal/([A-Za-z0-9_-]+)/", message.body)


# -- submitting ---------------------------------------------------------------------------

def test_new_post_starts_unreviewed_and_submitting_tells_every_approver(
        people, account, client, django_capture_on_commit_callbacks):
    post = draft(people, account)
    assert post.approval_state == ApprovalState.NONE
    with django_capture_on_commit_callbacks(execute=True):
        approval.submit_for_review(post, people["editor"], note="Pour validation")
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.IN_REVIEW and post.submitted_at
    assert Comment.objects.get(post=post).kind == "submitted"
    assert AuditEntry.objects.filter(action="post.submitted", target_id=str(post.pk)).exists()
    # Managers and owners, in the app and by email; never the one who submitted.
    assert notified(people["owner"], "approval_requested") == notified(people["manager"], "approval_requested") == 1
    assert notified(people["editor"], "approval_requested") == 0
    # The client, by email in their language, with a personal link that works.
    to_client = [m for m in mail.outbox if m.to == ["claire@dupont.test"]]
    assert len(to_client) == 1 and "awaits your approval" in to_client[0].subject
    (token,) = portal_tokens(to_client[0])
    assert PortalLink.objects.by_token(token).approver == client


def test_client_emails_are_written_in_their_language_else_the_workspace_language(people, ws, client):
    # (The catalogues are compiled later: what is checked is the language each email is written in.)
    silent = ClientApprover.objects.create(workspace=ws, name="Sans langue", email="s@dupont.test")
    seen: dict[str, str] = {}

    def write(c: ClientApprover) -> ClientEmail:
        seen[c.email] = translation.get_language()
        return ClientEmail("Objet", "Message")

    email_clients([client, silent], write)
    assert seen == {client.email: "en", silent.email: "fr"}


def test_a_post_in_review_cannot_be_submitted_again(people, account):
    post = submitted(people, account)
    with pytest.raises(approval.ApprovalError) as caught:
        approval.submit_for_review(post, people["editor"])
    assert caught.value.code == "state"


def test_publish_now_is_refused_when_approval_is_required(people, account):
    with pytest.raises(PostValidationError) as caught:
        save_post(account.workspace, people["editor"], PostInput(text="Tout de suite", accounts=[account], mode="now"))
    assert "mode" in caught.value.by_field()
    assert not Post.objects.exists()


# -- deciding -----------------------------------------------------------------------------

def test_any_mode_one_approval_is_enough(people, account, client):
    post = submitted(people, account)
    assert approval.approve(post, client=client) == ApprovalState.APPROVED
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.APPROVED
    assert Approval.objects.get(post=post).client == client
    assert notified(people["editor"], "post_approved") == 1
    entry = AuditEntry.objects.get(action="post.approved")
    assert entry.client == client and entry.actor_label == str(client)


def test_all_mode_needs_every_named_approver_on_the_current_revision(people, ws, account, client):
    editorial = EditorialSettings.of(ws)
    editorial.approval_mode = ApprovalMode.ALL
    editorial.save()
    Membership.objects.filter(workspace=ws, user=people["manager"]).update(is_named_approver=True)
    post = submitted(people, account)
    # The owner is an approver but not named: recorded, and it changes nothing.
    assert approval.approve(post, user=people["owner"]) == ApprovalState.IN_REVIEW
    assert approval.approve(post, user=people["manager"]) == ApprovalState.IN_REVIEW
    assert approval.waiting_for(post) == [str(client)]
    assert approval.approve(post, client=client) == ApprovalState.APPROVED
    assert approval.waiting_for(post) == []


def test_all_mode_without_anyone_named_falls_back_to_any_approver(people, ws, account):
    editorial = EditorialSettings.of(ws)
    editorial.approval_mode = ApprovalMode.ALL
    editorial.save()
    post = submitted(people, account)
    assert approval.approve(post, user=people["manager"]) == ApprovalState.APPROVED


def test_request_changes_needs_a_comment_and_tells_the_author(people, account, client):
    post = submitted(people, account)
    with pytest.raises(approval.ApprovalError) as caught:
        approval.request_changes(post, "   ", client=client)
    assert caught.value.code == "invalid" and caught.value.field == "comment"
    approval.request_changes(post, "Le prix est faux : 4,50 €", client=client)
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.CHANGES_REQUESTED
    comment = Comment.objects.get(post=post, kind="changes_requested")
    assert comment.body == "Le prix est faux : 4,50 €" and not comment.internal and comment.client == client
    assert notified(people["editor"], "changes_requested") == 1
    assert notified(people["manager"], "changes_requested") == 1  # a client spoke: the team hears it
    # Sent again: back in review.
    approval.submit_for_review(post, people["editor"])
    assert post.approval_state == ApprovalState.IN_REVIEW


def test_only_posts_in_review_can_be_decided(people, account, client):
    post = draft(people, account)
    for decide in (lambda: approval.approve(post, client=client),
                   lambda: approval.request_changes(post, "Non", user=people["manager"])):
        with pytest.raises(approval.ApprovalError) as caught:
            decide()
        assert caught.value.code == "state"


def test_who_may_decide(people, account, client):
    post = submitted(people, account)
    other = ClientApprover.objects.create(workspace=people["other_workspace"], name="Rival", email="r@x.test")
    revoked = ClientApprover.objects.create(workspace=account.workspace, name="Parti", email="p@x.test",
                                            revoked_at=timezone.now())
    for kwargs in ({"client": other}, {"client": revoked}, {"user": people["editor"]},
                   {"user": people["viewer"]}, {"user": people["outsider"]}):
        with pytest.raises(approval.ApprovalError) as caught:
            approval.approve(post, **kwargs)
        assert caught.value.code == "forbidden"
    assert post.approvals.count() == 0


def test_review_comments_are_never_internal_and_audited(people, account, client):
    post = submitted(people, account)
    comment = approval.add_review_comment(post, "Pouvez-vous ajouter le prix ?", client=client)
    assert not comment.internal and comment.kind == "comment"
    assert AuditEntry.objects.filter(action="post.comment", after="Pouvez-vous ajouter le prix ?").exists()
    with pytest.raises(approval.ApprovalError):
        approval.add_review_comment(post, "Hop", author=people["viewer"])


# -- edits --------------------------------------------------------------------------------

def test_editing_an_approved_post_sends_it_back_to_review(people, account, client):
    post = submitted(people, account, text="Galette à 12 €")
    approval.approve(post, client=client)
    post = edit(people, Post.objects.get(pk=post.pk), "Galette à 15 €")
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.IN_REVIEW and post.revision == 2
    entry = AuditEntry.objects.get(action="post.edited")
    assert entry.before.startswith("Galette à 12 €") and entry.after.startswith("Galette à 15 €")
    # The old approval was for revision 1: it no longer releases the post.
    assert not post.approvals.filter(revision=2).exists()
    assert Publication.objects.filter(pk=pub(post).pk, state=State.SCHEDULED).exists()


def test_saving_without_a_change_keeps_the_approval(people, account, client):
    post = submitted(people, account)
    approval.approve(post, client=client)
    post = edit(people, Post.objects.get(pk=post.pk), post.text)
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.APPROVED and post.revision == 1


def test_editing_a_post_with_changes_requested_makes_a_new_revision_only(people, account, client):
    post = submitted(people, account)
    approval.request_changes(post, "Trop long", client=client)
    post = edit(people, Post.objects.get(pk=post.pk), "Plus court")
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.CHANGES_REQUESTED and post.revision == 2


# -- scheduled posts nobody approved --------------------------------------------------------

def test_unapproved_post_is_not_published_and_fails_visibly_at_its_time(
        people, ws, mastodon_account, mastodon_server, django_capture_on_commit_callbacks):
    masto, local = mastodon_account
    client = ClientApprover.objects.create(workspace=ws, name="Claire", email="claire@dupont.test")
    post = schedule(ws, people["editor"], [masto], "Pas encore validé")
    approval.submit_for_review(post, people["editor"])
    # The engine holds it: neither the dispatcher nor a direct call publishes it.
    assert dispatcher.claim_due() == []
    assert engine.publish(pub(post).pk) == "skipped"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert fail_unapproved_due(timezone.now()) == 1
    publication = pub(post)
    assert publication.state == State.FAILED and publication.error_kind == "not_approved"
    assert publication.error.startswith("Not approved in time") or publication.error.startswith("Non validé")
    assert mastodon_server.statuses_of(local) == []
    for person in ("editor", "owner", "manager"):
        assert notified(people[person], "approval_missed") == 1
    assert any(m.to == [client.email] and portal_tokens(m) for m in mail.outbox)
    assert AuditEntry.objects.filter(action="publication.not_approved", target_id=str(post.pk)).exists()
    # Idempotent: nothing more on the next pass.
    assert fail_unapproved_due(timezone.now()) == 0
    assert notified(people["editor"], "approval_missed") == 1


def test_approved_post_is_published(people, ws, mastodon_account, mastodon_server):
    masto, local = mastodon_account
    post = schedule(ws, people["editor"], [masto], "Validé à temps")
    approval.submit_for_review(post, people["editor"])
    approval.approve(post, user=people["manager"])
    assert fail_unapproved_due(timezone.now()) == 0
    assert engine.publish(pub(post).pk) == "published"
    assert len(mastodon_server.statuses_of(local)) == 1


def test_paused_workspace_is_left_to_the_pause(people, ws, account):
    post = draft(people, account)
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    EditorialSettings.objects.filter(workspace=ws).update(paused_at=timezone.now())
    assert fail_unapproved_due(timezone.now()) == 0
    assert pub(post).state == State.SCHEDULED


def test_warning_before_the_time_is_sent_once(people, ws, account, client, django_capture_on_commit_callbacks):
    editorial = EditorialSettings.of(ws)
    editorial.approval_notice_hours = 24
    editorial.save()
    soon = submitted(people, account, text="Dans deux heures", hours=2)
    later = submitted(people, account, text="Dans trois jours", hours=72)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_unapproved_soon(timezone.now()) == 1
    assert warn_unapproved_soon(timezone.now()) == 0
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.approval_notice_sent_at is not None and later.approval_notice_sent_at is None
    for person in ("editor", "owner", "manager"):
        assert notified(people[person], "approval_reminder") == 1
    to_client = [m for m in mail.outbox if m.to == [client.email]]
    assert len(to_client) == 1 and portal_tokens(to_client[0])


def test_approved_posts_get_no_warning(people, ws, account, client):
    post = submitted(people, account, hours=2)
    approval.approve(post, client=client)
    assert warn_unapproved_soon(timezone.now()) == 0


def test_an_edit_is_logged_with_its_text_before_and_after_even_without_approval(people):
    workspace = people["workspace"]  # requires_approval is off here
    account = SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:x",
        handle="@x.bsky.social", credentials={"identifier": "x.bsky.social", "app_password": "x"})
    post = draft(people, account, text="Galette des rois")
    edit(people, post, "Galette des rois à la frangipane")
    edit(people, post, "Galette des rois à la frangipane")  # no change: nothing logged

    entries = AuditEntry.objects.filter(workspace=workspace, action="post.edited")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == people["editor"] and entry.target_id == str(post.pk)
    assert entry.before.startswith("Galette des rois\n")
    assert entry.after.startswith("Galette des rois à la frangipane\n")

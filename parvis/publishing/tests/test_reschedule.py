"""Rescheduling a post (the calendar's drag and drop): the same checks as a save, only the
post's scheduled publications move, wall-clock time kept across DST, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.accounts.models import AuditEntry
from parvis.networks.models import AccountStatus, SocialAccount
from parvis.publishing.actions import reschedule_post, save_post
from parvis.publishing.models import ApprovalState, Charter, EditorialSettings, Post, State
from parvis.publishing.plan import same_time_on, slot_start
from parvis.publishing.validation import PostInput, PostValidationError

pytestmark = pytest.mark.django_db


def offline_account(workspace: Any, handle: str = "@brand.bsky.social") -> SocialAccount:
    """A Bluesky account row: enough for validation, which never calls the network."""
    return SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social",
        remote_id=f"did:plc:{handle.strip('@').split('.')[0]}", handle=handle,
        credentials={"identifier": handle.strip("@"), "app_password": "x"})


def planned(people: dict[str, Any], when: datetime, accounts: list[SocialAccount] | None = None,
            text: str = "Galette des rois", mode: str = "schedule", tz: str = "Europe/Paris") -> Post:
    workspace = people["workspace"]
    accounts = accounts or [offline_account(workspace)]
    return save_post(workspace, people["editor"], PostInput(
        text=text, accounts=accounts, mode=mode, scheduled_at=when, timezone_name=tz))


def test_moves_the_scheduled_publications_and_the_post_time(people):
    second = offline_account(people["workspace"], "@second.bsky.social")
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC),
                   [offline_account(people["workspace"]), second])
    new_time = datetime(2030, 1, 8, 14, 0, tzinfo=UTC)
    reschedule_post(post, new_time, people["editor"])
    post.refresh_from_db()
    assert post.scheduled_at == new_time
    for publication in post.publications.all():
        assert publication.state == State.SCHEDULED
        assert publication.due_at == new_time and publication.next_attempt_at == new_time
        assert publication.enqueued_at is None


def test_audit_log_keeps_the_time_before_and_after(people):
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC))
    reschedule_post(post, datetime(2030, 1, 7, 8, 30, tzinfo=UTC), people["editor"])
    entry = AuditEntry.objects.get(action="post.rescheduled")
    assert entry.actor == people["editor"] and entry.workspace == people["workspace"]
    assert entry.before.startswith("2030-01-06T08:30") and entry.after.startswith("2030-01-07T08:30")


def test_a_past_time_is_refused_and_nothing_moves(people):
    original = datetime(2030, 1, 6, 8, 30, tzinfo=UTC)
    post = planned(people, original)
    with pytest.raises(PostValidationError) as refused:
        reschedule_post(post, timezone.now() - timedelta(hours=2), people["editor"])
    assert [(e.field, e.code) for e in refused.value.errors] == [("scheduled_at", "past")]
    assert post.publications.get().due_at == original
    assert not AuditEntry.objects.filter(action="post.rescheduled").exists()


def test_the_charter_is_checked_as_on_save(people):
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC), text="Promo sur les galettes")
    # The charter changed after the post was planned: moving it is checked against today's rules.
    Charter.objects.create(workspace=people["workspace"], banned_terms=["promo"], blocking=["banned_terms"])
    with pytest.raises(PostValidationError) as refused:
        reschedule_post(post, datetime(2030, 1, 9, 8, 30, tzinfo=UTC), people["editor"])
    assert [e.code for e in refused.value.errors] == ["charter_banned_terms"]
    assert "promo" in refused.value.errors[0].message
    assert post.publications.get().due_at == datetime(2030, 1, 6, 8, 30, tzinfo=UTC)


def test_an_account_to_reconnect_blocks_the_move_like_a_save(people):
    account = offline_account(people["workspace"])
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC), [account])
    SocialAccount.objects.filter(pk=account.pk).update(status=AccountStatus.RECONNECT)
    with pytest.raises(PostValidationError) as refused:
        reschedule_post(post, datetime(2030, 1, 9, 8, 30, tzinfo=UTC), people["editor"])
    assert [(e.field, e.code) for e in refused.value.errors] == [("accounts", "reconnect")]


def test_a_published_post_cannot_be_moved(people):
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC))
    post.publications.update(state=State.PUBLISHED)
    with pytest.raises(PostValidationError) as refused:
        reschedule_post(post, datetime(2030, 1, 9, 8, 30, tzinfo=UTC), people["editor"])
    assert refused.value.errors[0].code == "not_editable"


def test_failed_and_cancelled_publications_keep_their_time(people):
    accounts = [offline_account(people["workspace"], f"@a{i}.bsky.social") for i in range(3)]
    original = datetime(2030, 1, 6, 8, 30, tzinfo=UTC)
    post = planned(people, original, accounts)
    post.publications.filter(account=accounts[1]).update(state=State.FAILED)
    post.publications.filter(account=accounts[2]).update(state=State.CANCELLED)
    new_time = datetime(2030, 1, 9, 8, 30, tzinfo=UTC)
    reschedule_post(post, new_time, people["editor"])
    due = dict(post.publications.values_list("account_id", "due_at"))
    assert due == {accounts[0].pk: new_time, accounts[1].pk: original, accounts[2].pk: original}


def test_a_queued_publication_leaves_the_queue_when_moved_by_hand(people):
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC))
    post.publications.update(in_queue=True)
    reschedule_post(post, datetime(2030, 1, 9, 8, 30, tzinfo=UTC), people["editor"])
    assert post.publications.get().in_queue is False


def test_a_draft_moves_and_stays_a_draft(people):
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC), mode="draft")
    reschedule_post(post, datetime(2030, 1, 9, 8, 30, tzinfo=UTC), people["editor"])
    publication = post.publications.get()
    assert publication.state == State.DRAFT and publication.next_attempt_at is None
    assert publication.due_at == datetime(2030, 1, 9, 8, 30, tzinfo=UTC)


def test_moving_an_approved_post_sends_it_back_to_review(people):
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    post = planned(people, datetime(2030, 1, 6, 8, 30, tzinfo=UTC))
    Post.objects.filter(pk=post.pk).update(approval_state=ApprovalState.APPROVED)
    reschedule_post(post, datetime(2030, 1, 9, 8, 30, tzinfo=UTC), people["editor"])
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.IN_REVIEW


def test_dropping_on_a_day_keeps_the_wall_clock_time_across_dst(people):
    # 09:30 in Paris on 28 March 2030 is 08:30 UTC (winter); on 2 April it is 07:30 UTC (summer).
    post = planned(people, datetime(2030, 3, 28, 8, 30, tzinfo=UTC))
    moved = same_time_on(post, date(2030, 4, 2))
    assert moved == datetime(2030, 4, 2, 7, 30, tzinfo=UTC)


def test_dropping_on_a_day_uses_the_zone_the_post_was_planned_in(people):
    # Planned for 18:00 in Montreal (23:00 UTC in winter): it stays 18:00 Montreal time.
    post = planned(people, datetime(2030, 1, 6, 23, 0, tzinfo=UTC), tz="America/Montreal")
    assert same_time_on(post, date(2030, 1, 10)) == datetime(2030, 1, 10, 23, 0, tzinfo=UTC)


def test_dropping_on_the_day_clocks_skip_that_time_is_refused(people):
    # 02:30 does not exist in Paris on 31 March 2030.
    post = planned(people, datetime(2030, 3, 24, 1, 30, tzinfo=UTC))
    with pytest.raises(PostValidationError) as refused:
        same_time_on(post, date(2030, 3, 31))
    assert [(e.field, e.code) for e in refused.value.errors] == [("scheduled_at", "nonexistent")]


def test_a_week_cell_is_read_in_the_viewers_zone():
    assert slot_start("2030-01-08T14:30", "America/Montreal") == datetime(2030, 1, 8, 19, 30, tzinfo=UTC)
    with pytest.raises(PostValidationError):
        slot_start("mardi", "Europe/Paris")


@pytest.mark.parametrize(("raw", "zone"), [("9999-12-31T23:30", "America/Montreal"),
                                           ("0001-01-01T00:30", "Asia/Tokyo")])
def test_a_time_at_the_edge_of_the_calendar_is_a_named_error_not_a_crash(raw, zone):
    from parvis.publishing.schedule import parse_local_time

    when, errors = parse_local_time(raw, zone)
    assert when is None and [e.field for e in errors] == ["scheduled_at"]

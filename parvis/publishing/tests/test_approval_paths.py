"""Posts that reach a workspace requiring approval by a path other than the composer — the
queue, a recurring post's occurrences, a CSV import — meet the same rule as composed
ones (README, "Approval with the client"): never published unapproved, a warning before
their time, a visible "not approved in time" failure at it, published once approved."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing import approval, dispatcher, importer, queue
from parvis.publishing.actions import save_post
from parvis.publishing.approval_sweeps import NOT_APPROVED, fail_unapproved_due, warn_unapproved_soon
from parvis.publishing.models import ApprovalState, EditorialSettings, Post, Publication, State
from parvis.publishing.recurrence import create_series
from parvis.publishing.validation import PostInput
from parvis.testing.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(people: dict[str, Any]) -> Any:
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval, editorial.approval_notice_hours = True, 24 * 14
    editorial.save()
    return workspace


@pytest.fixture
def account(ws: Any) -> SocialAccount:
    """A Bluesky account row (no network) in `ws`, which asks for approval: a test that
    takes only `account` still gets a workspace where posts need approving."""
    return make_account(ws, "bluesky")


def by_queue(people: dict[str, Any], account: SocialAccount) -> Post:
    queue.set_slots(account, [(day, time(9)) for day in range(7)])
    return save_post(account.workspace, people["editor"], PostInput(text="En file", accounts=[account], mode="queue"))


def by_series(people: dict[str, Any], account: SocialAccount) -> Post:
    start = timezone.now() + timedelta(days=2)
    first = save_post(account.workspace, people["editor"], PostInput(
        text="Le pain du lundi", accounts=[account], mode="schedule", scheduled_at=start))
    series = create_series(account.workspace, people["editor"], first, "FREQ=DAILY;COUNT=3", start,
                           "Europe/Paris")
    # An occurrence the dispatcher created, not the one the person composed.
    return series.occurrences.exclude(pk=first.pk).order_by("occurrence_at").first()  # type: ignore[return-value]


def by_import(people: dict[str, Any], account: SocialAccount) -> Post:
    day = (timezone.now() + timedelta(days=3)).date()
    raw = f"date,time,timezone,text,accounts,media,campaign,labels\n{day},10:00,,Importé,brand.bsky.social,,,\n"
    batch = importer.validate(account.workspace, io.BytesIO(raw.encode()), user=people["editor"], filename="a.csv")
    importer.run_import(batch)
    return Post.objects.get(text="Importé")


PATHS: dict[str, Callable[[dict[str, Any], SocialAccount], Post]] = {
    "queue": by_queue, "recurring": by_series, "csv_import": by_import}


def publications(post: Post) -> list[Publication]:
    return list(Publication.objects.filter(post=post))


def bring_due(post: Post) -> None:
    Publication.objects.filter(post=post).update(due_at=timezone.now() - timedelta(seconds=1),
                                                 next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize("path", list(PATHS))
def test_a_post_from_another_path_is_held_warned_about_then_failed_visibly(people, ws, account, path):
    post = PATHS[path](people, account)
    assert post.approval_state == ApprovalState.NONE
    assert [p.state for p in publications(post)] == [State.SCHEDULED]
    assert warn_unapproved_soon(timezone.now()) >= 1
    post.refresh_from_db()
    assert post.approval_notice_sent_at is not None
    assert people["editor"].notifications.filter(kind="approval_reminder").exists()
    bring_due(post)
    assert post.publications.get().pk not in dispatcher.claim_due()  # the engine holds it
    assert fail_unapproved_due(timezone.now()) >= 1
    failed = post.publications.get()
    assert (failed.state, failed.error_kind) == (State.FAILED, NOT_APPROVED)


@pytest.mark.parametrize("path", list(PATHS))
def test_a_post_from_another_path_goes_out_once_approved(people, ws, account, path):
    post = PATHS[path](people, account)
    approval.submit_for_review(post, people["editor"])
    approval.approve(post, user=people["manager"])
    bring_due(post)
    assert fail_unapproved_due(timezone.now()) == 0
    assert dispatcher.claim_due() == [post.publications.get().pk]


def test_a_paused_queue_holding_an_unapproved_post_is_left_to_the_queue(people, ws, account):
    post = by_queue(people, account)
    queue.set_paused(account, True)
    bring_due(post)
    assert fail_unapproved_due(timezone.now()) == 0
    assert post.publications.get().state == State.SCHEDULED

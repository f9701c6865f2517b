"""The lease that tells a dead import run from a slow one (in process; the real kill is
in test_import_resume): a batch nobody runs is queued again after a lease length, a live
run keeps its batch, a run taken for dead records nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing import importer
from parvis.publishing.importer import check as import_check
from parvis.publishing.importer import lease as import_lease
from parvis.publishing.importer import run as import_run
from parvis.publishing.models import ImportBatch, Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def batch(people: dict[str, Any]) -> ImportBatch:
    SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    day = (timezone.now() + timedelta(days=10)).date()
    raw = (f"date,time,timezone,text,accounts,media,campaign,labels\n"
           f"{day},10:00,,Un,brand.bsky.social,,,\n{day},11:00,,Deux,brand.bsky.social,,,\n").encode()
    return importer.validate(people["workspace"], io.BytesIO(raw), user=people["editor"], filename="a.csv")


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    jobs: list[int] = []
    monkeypatch.setattr("parvis.publishing.tasks.import_task", jobs.append)
    return jobs


def lease() -> timedelta:
    return import_lease.lease_duration()


def test_an_import_left_importing_by_a_dead_worker_is_queued_again_after_a_lease(batch, queued,
                                                                                 django_capture_on_commit_callbacks):
    now = timezone.now()
    # Started, and its job taken off the queue by a worker that died before running it.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IMPORTING, enqueued_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_lease.resume_stale_imports(now + lease() / 2) == 0  # its job may still come
        assert import_lease.resume_stale_imports(now + lease() + timedelta(seconds=1)) == 1
        assert import_lease.resume_stale_imports(now + lease() + timedelta(seconds=2)) == 0  # queued once
    assert queued == [batch.pk]
    importer.run_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created_posts) == ("done", 2)


def test_a_live_run_keeps_its_batch_and_a_dead_one_loses_it(batch, queued, django_capture_on_commit_callbacks):
    now = timezone.now()
    running = import_lease.claim(batch.pk, now)
    assert running is not None
    # Another job for the same batch (a second click, a requeue) leaves it to the live run.
    importer.run_import(batch)
    assert Post.objects.count() == 0
    assert import_lease.resume_stale_imports(now + lease() / 2) == 0
    assert importer.start_import(batch) is False
    # Its worker died: once the lease has run out, the sweep queues it again.
    with django_capture_on_commit_callbacks(execute=True):
        assert import_lease.resume_stale_imports(now + lease() * 3) == 1
    assert queued == [batch.pk]


def test_a_run_taken_for_dead_records_nothing_after_another_took_over(batch):
    now = timezone.now()
    slow = import_lease.claim(batch.pk, now - lease() * 2)
    assert slow is not None
    taken_over = import_lease.claim(batch.pk, now)
    assert taken_over is not None
    ctx = import_check.load_context(batch.workspace)
    with pytest.raises(import_lease.LeaseLost):
        import_run._run_chunk(batch.pk, ctx, [0, 1], slow)
    assert Post.objects.count() == 0
    with pytest.raises(import_lease.LeaseLost):
        slow.renew_if_half_gone(now + lease())


def test_a_stale_import_can_be_started_again_by_hand(batch, queued, django_capture_on_commit_callbacks):
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.IMPORTING, enqueued_at=timezone.now() - lease() * 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert importer.start_import(batch) is True
    assert queued == [batch.pk]

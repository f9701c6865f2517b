"""`claim_due`, the one claim of due rows every dispatcher uses (publications, inbox
pollers, webhook deliveries): first due first, a row enqueued once until its job may have
been lost, never the same row to two dispatchers (SKIP LOCKED on PostgreSQL, IMMEDIATE
transactions on SQLite). Shown here on inbox pollers; the publications' own test is
`publishing/tests/test_engine.py::test_dispatchers_never_hand_out_the_same_row_twice`."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from parvis.core import due
from parvis.inbox.models import Poller
from parvis.networks.models import SocialAccount

pytestmark = pytest.mark.django_db(transaction=True)
REQUEUE = timedelta(minutes=2)


def pollers(people, count: int, now) -> list[Poller]:
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://brand.social", remote_id="1",
        handle="@brand@brand.social", credentials={"access_token": "x"})
    return Poller.objects.bulk_create(
        Poller(account=account, stream=f"stream-{i}", next_poll_at=now - timedelta(seconds=i)) for i in range(count))


def claim(now, limit: int = 100) -> list[int]:
    return due.claim_due(Poller.objects.filter(next_poll_at__lte=now), now=now, requeue_after=REQUEUE,
                         order_by=("next_poll_at", "pk"), limit=limit)


def test_the_first_due_rows_are_claimed_once_until_their_job_may_have_been_lost(people):
    now = timezone.now()
    rows = pollers(people, 5, now)
    oldest_first = [p.pk for p in reversed(rows)]
    assert claim(now, limit=2) == oldest_first[:2]
    assert claim(now) == oldest_first[2:]
    assert claim(now + REQUEUE) == []  # enqueued: their jobs are on the way
    assert set(Poller.objects.values_list("enqueued_at", flat=True)) == {now}
    assert claim(now + REQUEUE + timedelta(seconds=1)) == oldest_first  # lost with a worker: again


def test_dispatchers_claiming_at_once_never_hand_out_the_same_row_twice(people):
    now = timezone.now()
    pollers(people, 30, now)
    batches: list[list[int]] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        from django.db import connection

        barrier.wait()
        for _ in range(5):
            batches.append(claim(now, limit=3))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed = [pk for batch in batches for pk in batch]
    assert len(handed) == len(set(handed)) == 30


def test_enqueuing_goes_on_while_batches_come_back_full():
    claimed = iter([[1, 2], [3, 4], [5]])
    queued: list[int] = []
    assert due.enqueue_due(lambda: next(claimed), queued.append, batch=2) == 5
    assert queued == [1, 2, 3, 4, 5]


def test_enqueuing_stops_at_the_most_asked_and_leaves_the_rest_for_the_next_pass():
    claimed = iter([[1, 2], [3, 4], [5, 6], [7]])
    queued: list[int] = []
    assert due.enqueue_due(lambda: next(claimed), queued.append, batch=2, most=3) == 4
    assert queued == [1, 2, 3, 4]
    assert next(claimed) == [5, 6]

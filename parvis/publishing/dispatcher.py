"""The database decides *when*; the dispatcher turns due rows into queued jobs.

It picks publications that are due (or whose worker's lease ran out) and enqueues one
job each. Jobs are idempotent (the engine's claim), so enqueuing twice is harmless; a job
lost from the queue (a consumer killed after dequeuing) is enqueued again after
`REQUEUE_AFTER`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from parvis.core.sweeps import run_sweeps
from parvis.publishing.engine import due_filter
from parvis.publishing.models import Publication

log = logging.getLogger(__name__)
REQUEUE_AFTER = timedelta(seconds=60)
BATCH = 500


def claim_due(limit: int = BATCH) -> list[int]:
    """Mark up to `limit` due publications as enqueued and return their ids.

    On PostgreSQL, SKIP LOCKED lets several dispatchers share the work without waiting on
    each other. SQLite has no row locks (FOR UPDATE is ignored there): its transactions
    are IMMEDIATE (see settings), which takes the database write lock at BEGIN, so two
    dispatchers run one after the other instead of both reading the same rows.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = Publication.objects.filter(due_filter(now)).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER)
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        ids = list(rows.values_list("pk", flat=True)[:limit])
        if ids:
            Publication.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def dispatch_once(enqueue: Callable[[int], object]) -> int:
    total = 0
    while True:
        ids = claim_due()
        for pk in ids:
            enqueue(pk)
        total += len(ids)
        if len(ids) < BATCH:
            return total


def default_enqueue(pk: int) -> object:
    from parvis.publishing.tasks import publish_task

    return publish_task(pk)


class DispatcherThread(threading.Thread):
    """Runs `dispatch_once` every `PARVIS_DISPATCH_INTERVAL` seconds until stopped."""

    def __init__(self, enqueue: Callable[[int], object] = default_enqueue) -> None:
        super().__init__(name="parvis-dispatcher", daemon=True)
        self.enqueue = enqueue
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                run_sweeps(timezone.now())
                count = dispatch_once(self.enqueue)
                if count:
                    log.info("dispatched %d publication(s)", count)
            except Exception:  # noqa: BLE001 - keep dispatching; the database may come back
                log.exception("dispatcher pass failed")
            self.stopping.wait(settings.PARVIS_DISPATCH_INTERVAL)
        connection.close()

    def stop(self) -> None:
        self.stopping.set()

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
from django.db import close_old_connections, connection
from django.utils import timezone

from parvis.core import due
from parvis.core.sweeps import run_sweeps
from parvis.publishing.engine import due_filter
from parvis.publishing.models import Publication

log = logging.getLogger(__name__)
REQUEUE_AFTER = timedelta(seconds=60)
BATCH = 500


def claim_due(limit: int = BATCH) -> list[int]:
    """Mark up to `limit` due publications as enqueued and return their ids (see
    `parvis.core.due`: SKIP LOCKED on PostgreSQL, IMMEDIATE transactions on SQLite)."""
    now = timezone.now()
    return due.claim_due(Publication.objects.filter(due_filter(now)), now=now, requeue_after=REQUEUE_AFTER,
                         order_by=("next_attempt_at", "pk"), limit=limit)


def dispatch_once(enqueue: Callable[[int], object]) -> int:
    return due.enqueue_due(claim_due, enqueue, BATCH)


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

"""Who is running a CSV import, and picking up imports whose run died.

A run holds a lease on its batch (`ImportBatch.lease_token`, `lease_expires_at`) and
renews it as it goes: at every chunk it records, and between rows while it downloads
media. Only the holder records a chunk, checked under the chunk's row lock. A worker
killed mid-import (SIGKILL, a crash, a restart) stops renewing; once its lease has run
out, `resume_stale_imports` (a dispatcher sweep) queues the batch again, and the new run
skips the rows already created: each chunk stores its posts' ids on their rows in the
same transaction that creates them, so a chunk is either all there or not at all.

A job taken off the queue by a worker that died before starting it (huey's SQLite queue
hands a task out once) leaves a batch "importing" with no lease: it is queued again once
it has waited one lease length. A slow run is told from a dead one by its renewals, not
by how long it takes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parvis.publishing.models import ImportBatch

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another run took the batch over (ours was taken for dead): stop, record nothing."""


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.PARVIS_IMPORT_LEASE_SECONDS)


def _free(now: datetime) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)


@dataclass
class Lease:
    batch_id: int
    token: str
    until: datetime

    def renew_if_half_gone(self, now: datetime | None = None) -> None:
        """Renew between rows only when half the lease has gone: one UPDATE now and
        then, not one per row. Raises LeaseLost if the batch is no longer ours."""
        now = now or timezone.now()
        if self.until - now > lease_duration() / 2:
            return
        until = now + lease_duration()
        if not ImportBatch.objects.filter(pk=self.batch_id, lease_token=self.token).update(lease_expires_at=until):
            raise LeaseLost(self.batch_id)
        self.until = until

    def check_and_extend(self, locked: ImportBatch, now: datetime | None = None) -> None:
        """Under the chunk's lock: still ours? Extend it on the row about to be saved
        (the caller saves `lease_expires_at` with the chunk)."""
        if locked.lease_token != self.token:
            raise LeaseLost(self.batch_id)
        locked.lease_expires_at = self.until = (now or timezone.now()) + lease_duration()


def claim(batch_id: int, now: datetime | None = None) -> Lease | None:
    """Take the batch for this run, or None if a live run holds it (or it is done)."""
    now = now or timezone.now()
    token, until = uuid.uuid4().hex, now + lease_duration()
    taken = ImportBatch.objects.filter(_free(now), pk=batch_id).exclude(status=ImportBatch.Status.DONE).update(
        status=ImportBatch.Status.IMPORTING, lease_token=token, lease_expires_at=until, enqueued_at=None, error="")
    return Lease(batch_id, token, until) if taken else None


def release(lease: Lease, **fields: object) -> bool:
    """Give the batch back with its new fields (status, finished_at, error), if it is
    still ours."""
    return bool(ImportBatch.objects.filter(pk=lease.batch_id, lease_token=lease.token).update(
        lease_token="", lease_expires_at=None, **fields))


def is_running(batch: ImportBatch, now: datetime | None = None) -> bool:
    """A live run holds it (its lease has not run out)."""
    now = now or timezone.now()
    return batch.lease_expires_at is not None and batch.lease_expires_at >= now


def stale(now: datetime) -> Q:
    """Importing, nobody holds it, and no job was queued for it within a lease length."""
    waited = now - lease_duration()
    return (Q(status=ImportBatch.Status.IMPORTING) & _free(now)
            & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=waited)))


def enqueue(batch_id: int, now: datetime | None = None) -> None:
    """Queue the import job after the commit, noting when (so the sweep waits for it)."""
    from parvis.publishing.tasks import import_task

    ImportBatch.objects.filter(pk=batch_id).update(enqueued_at=now or timezone.now())
    transaction.on_commit(lambda: import_task(batch_id))


def resume_stale_imports(now: datetime) -> int:
    """Queue again every import whose run died (or whose job was lost with its worker).
    Conditional on the same test, so two dispatchers queue it once; queuing it twice
    would be harmless anyway (the second run finds the lease taken)."""
    resumed = 0
    for batch_id in ImportBatch.objects.filter(stale(now)).values_list("pk", flat=True):
        with transaction.atomic():
            if ImportBatch.objects.filter(stale(now), pk=batch_id).update(enqueued_at=now):
                log.warning("import %s: its run stopped without finishing; resuming it", batch_id)
                enqueue(batch_id, now)
                resumed += 1
    return resumed

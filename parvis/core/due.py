"""Claiming due rows: the one place that knows how each database locks them.

The database decides *when* (rows with a due time). The dispatcher of every worker claims
the due rows of a table (publications, inbox pollers, webhook deliveries), marks them
enqueued and queues one job each. Enqueuing is not the lease: the job takes its row with a
conditional UPDATE (`engine.claim`, `polling.take_lease`, `delivery.deliver`), so a row
queued twice is still worked once; a row whose job was lost with its worker is claimed
again after `requeue_after`.

On PostgreSQL, `SELECT … FOR UPDATE SKIP LOCKED` lets several dispatchers share the work
without waiting on each other. SQLite has no row locks (FOR UPDATE is ignored there): its
transactions are IMMEDIATE (see settings), which takes the database write lock at BEGIN,
so two dispatchers run one after the other instead of both reading the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import connection, models, transaction
from django.db.models import Q, QuerySet

_M = TypeVar("_M", bound=models.Model)


def skip_locked(rows: QuerySet[_M]) -> QuerySet[_M]:
    """`rows`, locking what they read (the table's own rows, not the joined ones) and
    skipping rows another transaction holds; unchanged on SQLite. Read them inside
    `transaction.atomic()`."""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def claim_due(due: QuerySet[_M], *, now: datetime, requeue_after: timedelta, order_by: Sequence[str],
              limit: int, field: str = "enqueued_at") -> list[int]:
    """Mark up to `limit` of the `due` rows as enqueued (`field` set to `now`), first in
    `order_by`, and return their ids. A row enqueued already is left alone until
    `requeue_after` has passed."""
    waiting = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now - requeue_after})
    with transaction.atomic():
        ids = list(skip_locked(due.filter(waiting).order_by(*order_by)).values_list("pk", flat=True)[:limit])
        if ids:
            due.model._base_manager.filter(pk__in=ids).update(**{field: now})
    return ids


def enqueue_due(claim: Callable[[], list[int]], enqueue: Callable[[int], object], batch: int,
                most: int | None = None) -> int:
    """Claim and enqueue a batch at a time until a batch comes back short (nothing more is
    due), or, with `most`, once that many are enqueued (the rest wait for the next pass);
    how many were enqueued."""
    total = 0
    while True:
        ids = claim()
        for pk in ids:
            enqueue(pk)
        total += len(ids)
        if len(ids) < batch or (most is not None and total >= most):
            return total

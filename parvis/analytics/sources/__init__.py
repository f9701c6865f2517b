"""Conversions read from a client's own analytics (Matomo, Plausible), and the
periodic sync that keeps them current.

A sync reads a period's conversions per day and goal, and writes them over what the
previous syncs read (a row per source, goal and day, keyed by `external_id`): reading
the same days again (the last week, every hour, since a tool's counts of recent days
still move) changes figures, never adds rows. A sync never raises to its caller: a
failure is kept on the source (`last_error`, in words a person can act on) and the
next one is tried later, backing off after repeated failures.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date, datetime, timedelta
from types import ModuleType

import httpx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parvis.analytics.conversions import ConversionError, record
from parvis.analytics.models import Conversion, ConversionKind, ConversionSource
from parvis.analytics.sources.base import DayFigure, SourceError, http_client
from parvis.core.http import GuardError
from parvis.core.texts import Text, for_storage

log = logging.getLogger(__name__)

# The kinds read by parvis, and the module holding each one's `fetch`.
CLIENTS = {ConversionKind.MATOMO.value: "parvis.analytics.sources.matomo",
           ConversionKind.PLAUSIBLE.value: "parvis.analytics.sources.plausible"}
SYNC_EVERY = timedelta(hours=1)
LONGEST_WAIT = timedelta(hours=24)  # after repeated failures
LOOKBACK_DAYS = 7  # re-read each time: conversions of recent days are still counted
FIRST_DAYS = 90  # read when a source is added
BATCH = 50


def client_for(kind: str) -> ModuleType:
    if kind not in CLIENTS:
        raise SourceError(Text.gettext("This kind of source is not read by parvis."))
    return importlib.import_module(CLIENTS[kind])


def sync(source: ConversionSource, start: date, end: date, *, now: datetime | None = None,
         http: httpx.Client | None = None) -> bool:
    """Read `start`..`end` (both included) from the source's tool and store it; whether
    it worked. Never raises: the outcome is kept on the source."""
    now = now or timezone.now()
    reason: str | Text | None = None
    own = http is None
    try:
        module = client_for(source.kind)
        if not _secrets_readable(source):
            raise SourceError(Text.gettext("The token cannot be read (the encryption keys changed?): enter it "
                                           "again."))
        if own:
            http = http_client()
        assert http is not None
        figures = module.fetch(source, start, end, http)
        store(source, figures, now)
    except (SourceError, GuardError) as exc:
        reason = exc.reason
    except ConversionError as exc:  # a figure out of bounds (a count of billions, a goal name of pages)
        reason = Text.gettext("A figure read could not be stored: %(error)s", error=exc.message)
    except Exception:  # noqa: BLE001 - a sync never raises to the sweep; the token is not in any message
        log.exception("conversion source %s: sync failed", source.pk)
        reason = Text.gettext("parvis could not read this source (an error of parvis's, logged).")
    finally:
        if own and http is not None:
            http.close()
    if reason is None:
        source.last_synced_at, source.failures = now, 0
        source.last_error, source.last_error_text = "", None
    else:
        source.failures = min(source.failures + 1, 1000)
        source.last_error, source.last_error_text = for_storage(reason)
    # An update, not save(): a source deleted meanwhile stays deleted, and nothing raises.
    ConversionSource.objects.filter(pk=source.pk).update(
        last_synced_at=source.last_synced_at, failures=source.failures, last_error=source.last_error,
        last_error_text=source.last_error_text)
    return reason is None


def _secrets_readable(source: ConversionSource) -> bool:
    """Whether the token decrypts (`secrets` may be deferred: it is loaded here)."""
    try:
        return isinstance(source.secrets, dict)
    except ValueError:  # PARVIS_ENCRYPTION_KEYS no longer holds the key it was encrypted with
        return False


def store(source: ConversionSource, figures: list[DayFigure], now: datetime) -> int:
    """Write the figures over the previous sync's (per day and goal); how many rows
    were written. A day at zero adds no row, but brings an earlier count back to zero."""
    written = 0
    with transaction.atomic():
        for figure in figures:
            external_id = f"{source.pk}:{figure.day.isoformat()}:{figure.goal}"[:200]
            if figure.count == 0 and not figure.value:
                written += Conversion.objects.filter(workspace_id=source.workspace_id, source=source.kind,
                                                     external_id=external_id).update(count=0, value=None)
                continue
            record(source.workspace, day=figure.day, goal=figure.goal, count=figure.count, value=figure.value,
                   source=source.kind, external_id=external_id, origin=source, now=now)
            written += 1
    return written


def period_to_read(source: ConversionSource, now: datetime) -> tuple[date, date]:
    today = timezone.localtime(now, source.workspace.tz).date()
    days = LOOKBACK_DAYS if source.last_synced_at else FIRST_DAYS
    return today - timedelta(days=days - 1), today


def wait_after(failures: int) -> timedelta:
    return min(SYNC_EVERY * (2 ** min(failures, 10)), LONGEST_WAIT) if failures else SYNC_EVERY


def claim_due_sources(now: datetime, limit: int = BATCH) -> list[int]:
    """Claim the Matomo and Plausible sources not tried for an hour (longer after
    failures: 2, 4, 8… hours, at most a day), each with a conditional UPDATE of
    `attempted_at`: two workers claiming at once never get the same source. Their ids,
    for `sync_source` (a job each: a sync makes an HTTP request, which a sweep must not
    wait for)."""
    candidates = (ConversionSource.objects.filter(kind__in=list(CLIENTS), enabled=True)
                  .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lte=now - SYNC_EVERY))
                  .order_by("attempted_at", "pk").values_list("pk", "attempted_at", "failures")[: limit * 4])
    claimed: list[int] = []
    for pk, attempted_at, failures in candidates:
        if len(claimed) >= limit:
            break
        if attempted_at is not None and attempted_at + wait_after(failures) > now:
            continue
        if ConversionSource.objects.filter(pk=pk, attempted_at=attempted_at).update(attempted_at=now):
            claimed.append(pk)
    return claimed


def sync_source(source_id: int, now: datetime | None = None) -> bool:
    """Sync a claimed source over its period to read (the last week; 90 days the first
    time). False if it failed or is gone."""
    now = now or timezone.now()
    # `secrets` deferred: decrypted in sync(), where a failure is kept on the source.
    source = ConversionSource.objects.select_related("workspace").defer("secrets").filter(pk=source_id).first()
    if source is None or not source.enabled or source.kind not in CLIENTS:
        return False
    start, end = period_to_read(source, now)
    return sync(source, start, end, now=now)


def sync_due_sources(now: datetime, limit: int = BATCH) -> int:
    """Claim the due sources and sync them one after the other, here; how many were
    synced (the periodic sweep queues `sync_source` jobs instead)."""
    claimed = claim_due_sources(now, limit)
    for pk in claimed:
        sync_source(pk, now)
    return len(claimed)

"""Background jobs (huey) and the dispatcher sweeps that schedule them (listed, with the
others, in `settings.PARVIS_SWEEPS`). Thin: the work is in `fetching`, `fulltext` and `monitoring`."""

from __future__ import annotations

import time
from datetime import datetime

from django.utils import timezone
from huey.contrib.djhuey import db_task

from parvis.listening import digests, fetching, fulltext, monitoring, retention, spike_alerts


@db_task()
def fetch_task(source_id: int) -> None:
    result = fetching.fetch(source_id)
    if result.new_entries:
        ids = fulltext.wanted([entry.pk for entry in result.new_entries if entry.pk], source_id)
        if ids:
            full_text_task(ids)


@db_task(retries=1, retry_delay=60)
def full_text_task(entry_ids: list[int]) -> None:
    fulltext.extract_all(entry_ids)


def enqueue_fetch(source_id: int) -> object:
    return fetch_task(source_id)


def dispatch_feed_fetches(now: datetime) -> int:
    return fetching.dispatch(enqueue_fetch, now)


@db_task()
def monitor_new_task() -> None:
    monitoring.monitor_new()


@db_task()
def apply_monitor_task(monitor_id: int) -> None:
    monitoring.apply_monitor(monitor_id)


_last_monitoring: list[float] = []
MONITORING_EVERY = 2.0  # seconds between two queued monitoring jobs, at most


def dispatch_monitoring(now: datetime) -> int:
    """Queue the monitors' work: new or edited monitors to apply to the last 30 days, and
    (at most every two seconds) a job for entries and inbox items not looked at yet."""
    queued = monitoring.queue_applications(now, apply_monitor_task)
    clock = time.monotonic()
    if (not _last_monitoring or clock - _last_monitoring[-1] >= MONITORING_EVERY) and monitoring.anything_new():
        _last_monitoring[:] = [clock]
        monitor_new_task()
        queued += 1
    return queued


@db_task()
def digest_task(schedule_id: int) -> None:
    digests.make_due(schedule_id)


_last_digests: list[float] = []
DIGESTS_EVERY = 30.0  # seconds: digests are made at minutes people choose


def dispatch_digests(now: datetime) -> int:
    """Queue the digests whose local time has come (each job claims its schedule)."""
    clock = time.monotonic()
    if _last_digests and clock - _last_digests[-1] < DIGESTS_EVERY:
        return 0
    _last_digests[:] = [clock]
    ids = digests.due_schedules(now)
    for pk in ids:
        digest_task(pk)
    return len(ids)


@db_task()
def forget_old_entries_task() -> None:
    retention.forget_old_entries(timezone.now())


_last_forget: list[float] = []
FORGET_EVERY = 3600.0


def forget_old_entries(now: datetime) -> int:
    """Once an hour (per process), a job that forgets old entries."""
    clock = time.monotonic()
    if _last_forget and clock - _last_forget[-1] < FORGET_EVERY:
        return 0
    _last_forget[:] = [clock]
    forget_old_entries_task()
    return 1


@db_task()
def check_spikes_task() -> None:
    spike_alerts.check_all(timezone.now())


_last_spikes: list[float] = []
SPIKES_EVERY = 300.0  # seconds: an hour's count is looked at every five minutes


def dispatch_spike_checks(now: datetime) -> int:
    clock = time.monotonic()
    if _last_spikes and clock - _last_spikes[-1] < SPIKES_EVERY:
        return 0
    _last_spikes[:] = [clock]
    check_spikes_task()
    return 1

"""Background jobs (huey) and the dispatcher sweeps that schedule them (listed, with the
others, in `settings.PARVIS_SWEEPS`). Thin: the work is in `fetching`, `fulltext` and `monitoring`."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from huey.contrib.djhuey import db_task

from parvis.accounts.models import Workspace
from parvis.core.sweeps import Pace
from parvis.listening import competitors, digests, fetching, fulltext, monitoring, retention, spike_alerts


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


_monitoring = Pace(2.0)  # seconds between two queued monitoring jobs, at most


def dispatch_monitoring(now: datetime) -> int:
    """Queue the monitors' work: new or edited monitors to apply to the last 30 days, and
    (at most every two seconds) a job for entries and inbox items not looked at yet."""
    queued = monitoring.queue_applications(now, apply_monitor_task)
    if _monitoring.ready() and monitoring.anything_new():
        _monitoring.stamp()
        monitor_new_task()
        queued += 1
    return queued


@db_task()
def digest_task(schedule_id: int) -> None:
    digests.make_due(schedule_id)


_digests = Pace(30.0)  # digests are made at minutes people choose


def dispatch_digests(now: datetime) -> int:
    """Queue the digests whose local time has come (each job claims its schedule)."""
    if not _digests.take():
        return 0
    ids = digests.due_schedules(now)
    for pk in ids:
        digest_task(pk)
    return len(ids)


@db_task()
def forget_old_entries_task() -> None:
    retention.forget_old_entries(timezone.now())


_forgetting = Pace(3600.0)


def forget_old_entries(now: datetime) -> int:
    """Once an hour (per process), a job that forgets old entries."""
    if not _forgetting.take():
        return 0
    forget_old_entries_task()
    return 1


@db_task()
def check_spikes_task() -> None:
    spike_alerts.check_all(timezone.now())


_spikes = Pace(300.0)  # an hour's count is looked at every five minutes


def dispatch_spike_checks(now: datetime) -> int:
    if not _spikes.take():
        return 0
    check_spikes_task()
    return 1


@db_task()
def read_competitor_task(account_id: int) -> None:
    competitors.read_account(account_id)


_brands = Pace(600.0)
_competitors = Pace(10.0)  # accounts are read every few hours: no need to look every second


def dispatch_competitor_reads(now: datetime) -> int:
    """Lease the competitors' accounts due for a read and queue each; every ten minutes,
    the brands' own columns follow their workspaces' connected accounts first."""
    if not _competitors.take():
        return 0
    if _brands.take():
        for workspace in Workspace.objects.filter(competitors__isnull=False).distinct():
            competitors.sync_brand(workspace)
    ids = competitors.claim_due(now)
    for pk in ids:
        read_competitor_task(pk)
    return len(ids)

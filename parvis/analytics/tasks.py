"""Background jobs (huey) and the sweep that schedules them (in `settings.PARVIS_SWEEPS`).
Thin: the work is in `collect`."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from huey.contrib.djhuey import db_task

from parvis.analytics import collect, deliveries, sources
from parvis.core.sweeps import Pace

FOLLOW_EVERY = 30.0  # seconds between looks for new publications and accounts


@db_task()
def read_posts_task(figure_ids: list[int]) -> None:
    collect.read_posts(figure_ids)


@db_task()
def read_account_task(figures_id: int) -> None:
    collect.read_account(figures_id)


_follow = Pace(FOLLOW_EVERY)


def dispatch_metric_reads(now: datetime) -> int:
    """Give new posts and accounts their schedule (every half minute), then queue the due
    readings: one job per account, holding up to `collect.POSTS_PER_JOB` posts."""
    if _follow.take():
        collect.follow_new(now)
    queued = 0
    for pk in collect.claim_accounts(now):
        read_account_task(pk)
        queued += 1
    for figure_ids in collect.claim_post_batches(now).values():
        read_posts_task(figure_ids)
        queued += 1
    return queued


@db_task()
def build_report_task(run_id: int) -> None:
    deliveries.build(run_id)


@db_task()
def send_report_task(run_id: int) -> None:
    deliveries.send(run_id, timezone.now())


_plan = Pace(FOLLOW_EVERY)


def dispatch_reports(now: datetime) -> int:
    """Plan every scheduled report's next run (every half minute), run the evening checks
    that are due (a few queries each, done here), then queue the due builds and sends."""
    if _plan.take():
        deliveries.plan_all(now)
    for pk in deliveries.claim_checks(now):
        deliveries.check(pk, now)
    queued = 0
    for pk in deliveries.claim_builds(now):
        build_report_task(pk)
        queued += 1
    for pk in deliveries.claim_sends(now):
        send_report_task(pk)
        queued += 1
    return queued


@db_task()
def sync_conversion_source_task(source_id: int) -> None:
    sources.sync_source(source_id)


_conversions = Pace(60.0)


def dispatch_conversion_syncs(now: datetime) -> int:
    """Queue a sync job per Matomo or Plausible source that is due (hourly; later after
    failures). Each is an HTTP request: a job, not work inside the sweep."""
    if not _conversions.take():
        return 0
    ids = sources.claim_due_sources(now)
    for pk in ids:
        sync_conversion_source_task(pk)
    return len(ids)

"""Background jobs (huey) and the sweep that schedules them (in `settings.PARVIS_SWEEPS`).
Thin: the work is in `collect`."""

from __future__ import annotations

from datetime import datetime

from huey.contrib.djhuey import db_task

from parvis.analytics import collect
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

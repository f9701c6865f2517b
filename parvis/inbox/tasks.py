"""Background jobs (huey) and the dispatcher sweep that schedules them. Thin: the work
is in `polling` and `replies`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from huey.contrib.djhuey import db_task

from parvis.inbox import polling, replies
from parvis.publishing.housekeeping import sweep


@db_task()
def poll_task(poller_id: int) -> None:
    polling.poll(poller_id)


def enqueue_poll(poller_id: int) -> object:
    return poll_task(poller_id)


@sweep
def dispatch_inbox_polls(now: datetime) -> int:
    return polling.dispatch(enqueue_poll, now)


@sweep
def link_published_replies(now: datetime) -> int:
    return replies.link_published(now)


@db_task(retries=3, retry_delay=30)
def webhook_task(webhook_id: int, title: str, text: str, url: str, urgent: bool, key: str) -> None:
    from parvis.inbox.models import Webhook
    from parvis.inbox.webhooks import Message, send

    webhook = Webhook.objects.filter(pk=webhook_id, enabled=True).first()
    if webhook is not None and not send(webhook, Message(title, text, url, urgent, key)):
        raise RuntimeError(f"webhook {webhook_id} not delivered")  # huey retries it


_last_optimised: list[datetime] = []
OPTIMISE_EVERY = timedelta(hours=6)


@sweep
def optimise_sqlite(now: datetime) -> int:
    """Refresh SQLite's planner statistics now and then: without them its planner can pick
    an index that gives the order over one that finds the rows, and inbox pages slow down
    as the tables grow. `analysis_limit` samples each index (fast on large tables; what
    `PRAGMA optimize` uses). PostgreSQL's autovacuum does this by itself."""
    if connection.vendor != "sqlite" or (_last_optimised and now - _last_optimised[-1] < OPTIMISE_EVERY):
        return 0
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    _last_optimised[:] = [now]
    return 1

"""Background jobs (huey) and the dispatcher sweeps that schedule them (listed, with
the others, in `settings.PARVIS_SWEEPS`). Thin: the work is in `polling` and `replies`."""

from __future__ import annotations

from datetime import datetime, timedelta

from huey.contrib.djhuey import db_task

from parvis.inbox import events, planner, polling, replies


@db_task()
def poll_task(poller_id: int) -> None:
    polling.poll(poller_id)


def enqueue_poll(poller_id: int) -> object:
    return poll_task(poller_id)


def dispatch_inbox_polls(now: datetime) -> int:
    return polling.dispatch(enqueue_poll, now)


def link_published_replies(now: datetime) -> int:
    return replies.link_published(now)


@db_task(retries=3, retry_delay=30)
def webhook_task(webhook_id: int, title: str, text: str, url: str, urgent: bool, key: str) -> None:
    from parvis.inbox.models import Webhook
    from parvis.inbox.webhooks import Message, send

    webhook = Webhook.objects.filter(pk=webhook_id, enabled=True).first()
    if webhook is not None and not send(webhook, Message(title, text, url, urgent, key)):
        raise RuntimeError(f"webhook {webhook_id} not delivered")  # huey retries it


_last_overdue: list[datetime] = []


def announce_overdue_items(now: datetime) -> int:
    """Once a minute: items that crossed their response target (each emitted once)."""
    if _last_overdue and now - _last_overdue[-1] < timedelta(minutes=1):
        return 0
    _last_overdue[:] = [now]
    return events.emit_overdue(now)


_last_refreshed: list[datetime] = []
REFRESH_EVERY = timedelta(hours=6)


def refresh_planner_statistics(now: datetime) -> int:
    """Every few hours, re-analyse the inbox tables in full detail: without statistics a
    planner can pick an index that gives the order over one that finds the rows, and
    inbox pages slow down as the tables grow. Ingestion also checks as it writes
    (`planner.note_writes`, with a coarser sample); this catches slow growth and edits."""
    if _last_refreshed and now - _last_refreshed[-1] < REFRESH_EVERY:
        return 0
    analysed = planner.refresh(force=True)
    _last_refreshed[:] = [now]
    return len(analysed)

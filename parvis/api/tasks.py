"""Background jobs (huey) for outgoing webhooks, and the dispatcher sweeps that schedule
them (listed in `settings.PARVIS_SWEEPS`). Thin: the work is in `webhooks.delivery`."""

from __future__ import annotations

from datetime import datetime, timedelta

from huey.contrib.djhuey import db_task

from parvis.api.webhooks import delivery


@db_task()
def deliver_task(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


def enqueue_delivery(delivery_id: int) -> object:
    return deliver_task(delivery_id)


def dispatch_webhooks(now: datetime) -> int:
    return delivery.dispatch(enqueue_delivery, now)


_last_run: dict[str, datetime] = {}


def _every(name: str, period: timedelta, now: datetime) -> bool:
    last = _last_run.get(name)
    if last is not None and now - last < period:
        return False
    _last_run[name] = now
    return True


def forget_old_deliveries(now: datetime) -> int:
    return delivery.forget_old(now) if _every("forget", timedelta(hours=1), now) else 0

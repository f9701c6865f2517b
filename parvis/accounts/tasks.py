"""Background work of the accounts app: push notifications, one task per browser."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey.contrib.djhuey import db_task

log = logging.getLogger(__name__)


class PushNotDelivered(RuntimeError):
    """The push service was busy or down: huey tries again later."""


@db_task(retries=3, retry_delay=60)
def push_task(subscription_id: int, payload: dict[str, str], urgency: str) -> None:
    from parvis.accounts import webpush
    from parvis.accounts.models import PushSubscription

    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return  # unsubscribed meanwhile
    outcome = webpush.send(subscription.endpoint, subscription.p256dh, subscription.auth, payload,
                           urgency=urgency)
    if outcome.gone:
        # The browser unsubscribed, or its person removed the app: the service says so once.
        subscription.delete()
        return
    PushSubscription.objects.filter(pk=subscription_id).update(
        last_sent_at=timezone.now() if outcome.delivered else subscription.last_sent_at,
        last_status=outcome.status[:100])
    if not outcome.delivered:
        log.warning("push to subscription %s failed: %s", subscription_id, outcome.status)
        if outcome.retry:
            raise PushNotDelivered(outcome.status)

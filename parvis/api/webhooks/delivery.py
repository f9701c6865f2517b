"""Delivering webhooks: at least once, retried with backoff, every attempt recorded.

The database decides when (`WebhookDelivery.next_attempt_at`); the dispatcher's sweep
(`parvis.api.tasks`) fans new outbox events out into deliveries and enqueues the due
ones; the job (`deliver`) takes a lease on its delivery with a conditional UPDATE, sends,
and records the outcome only while it holds the lease. A worker that dies mid-send
leaves a lease that runs out: the sweep hands the delivery to another job, which sends it
again (at least once: receivers deduplicate on `webhook-id`, the same for every attempt).

A 2xx answer is delivered. A 410 Gone disables the endpoint. Anything else (a redirect
included: never followed) is retried after `SCHEDULE`, about a day in all. An endpoint
whose every attempt failed for `PARVIS_WEBHOOK_DISABLE_AFTER_DAYS` is switched off and
its owners are told.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.actions import notify, owners_of
from parvis.api.webhooks import signing
from parvis.api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from parvis.core import due
from parvis.core.events import new_uid
from parvis.core.http import GuardError, client
from parvis.core.http.guard import longest_exchange
from parvis.core.models import Event
from parvis.core.texts import Text, for_storage

log = logging.getLogger(__name__)
State = WebhookDelivery.State

# Wait before attempt 2, 3, … 8 (Svix's schedule): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
SCHEDULE = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
            timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(SCHEDULE) + 1
REQUEUE_AFTER = timedelta(seconds=60)  # a job lost from the queue is enqueued again
EXCERPT = 1000  # characters of the receiver's answer kept per attempt
BATCH = 200
# Webhook work per dispatcher pass, at most: the pass also releases due publications, and
# a backlog (100,000 items stored by a first poll, each an event) must not hold them up for
# a minute. At about 0.6 ms per event fanned out and enqueued, a pass spends at most ~1 s
# here; what is left waits for the next pass (PARVIS_DISPATCH_INTERVAL later).
PER_PASS = 5 * BATCH
PING = "webhook.ping"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def body_of(type_: str, at: datetime, data: dict[str, Any]) -> str:
    return json.dumps({"type": type_, "timestamp": _iso(at), "data": data}, ensure_ascii=False,
                      separators=(",", ":"))


def fan_out(now: datetime | None = None, most: int | None = None) -> int:
    """Turn outbox events not yet fanned out into one delivery per subscribed active
    endpoint of their workspace; with `most`, about that many events at most (whole
    batches). Idempotent: the events are marked in the same transaction (and locked on
    PostgreSQL, so two dispatchers never both take one)."""
    now = now or timezone.now()
    made = taken = 0
    while True:
        with transaction.atomic():
            events = list(due.skip_locked(Event.objects.filter(fanned_out_at__isnull=True).order_by("pk"))[:BATCH])
            if not events:
                return made
            endpoints: dict[int, list[WebhookEndpoint]] = {}
            for endpoint in WebhookEndpoint.objects.filter(
                    active=True, workspace_id__in={e.workspace_id for e in events}):
                endpoints.setdefault(endpoint.workspace_id, []).append(endpoint)
            deliveries = [
                WebhookDelivery(endpoint=endpoint, event=event, msg_id=event.uid, event_type=event.type,
                                body=body_of(event.type, event.created_at, event.data),
                                next_attempt_at=now, created_at=now)
                for event in events for endpoint in endpoints.get(event.workspace_id, ())
                if event.type in endpoint.event_types
            ]
            WebhookDelivery.objects.bulk_create(deliveries)
            Event.objects.filter(pk__in=[e.pk for e in events]).update(fanned_out_at=now)
            made += len(deliveries)
        taken += len(events)
        if len(events) < BATCH or (most is not None and taken >= most):
            return made


def _due(now: datetime) -> Q:
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(state=State.SENDING, lease_expires_at__lt=now)


def claim_due(now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Mark due deliveries (and those whose worker's lease ran out) as enqueued; their ids
    (see `parvis.core.due`)."""
    now = now or timezone.now()
    return due.claim_due(WebhookDelivery.objects.filter(_due(now)), now=now, requeue_after=REQUEUE_AFTER,
                         order_by=("next_attempt_at", "pk"), limit=limit)


def lease_duration() -> timedelta:
    return timedelta(seconds=longest_exchange() + 30)


@dataclass
class Outcome:
    ok: bool
    status_code: int | None
    response: str
    error: str | Text
    duration_ms: int


def send(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> Outcome:
    """One signed POST through the guarded HTTP layer (no private address unless allowed,
    redirects handed back, never followed; bounded in time and size)."""
    body = delivery.body.encode()
    sign_with = [endpoint.keys["current"]]
    if endpoint.keys.get("previous") and endpoint.previous_until and endpoint.previous_until > now:
        sign_with.append(endpoint.keys["previous"])
    headers = signing.headers(sign_with, delivery.msg_id, int(time.time()), body)
    started = time.monotonic()
    status_code: int | None = None
    response_text = ""
    error: str | Text = ""
    ok = False
    try:
        with client(redirects="return") as http:
            response = http.post(endpoint.url, content=body, headers=headers)
        status_code = response.status_code
        response_text = response.text[:EXCERPT]
        ok = response.is_success
        if not ok:
            error = f"HTTP {status_code}"
            if response.is_redirect:
                error = Text.gettext("HTTP %(status)d: redirects are not followed; give the final address.",
                                     status=status_code)
    except GuardError as exc:
        error = exc.reason
    except Exception as exc:  # noqa: BLE001 - a receiver's failure is recorded, never raised
        error = f"{type(exc).__name__}: {exc}"
    return Outcome(ok, status_code, response_text, error, int((time.monotonic() - started) * 1000))


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """One attempt at one delivery; returns the outcome (for logs and tests)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        taken = WebhookDelivery.objects.filter(_due(now), pk=delivery_id).update(
            state=State.SENDING, lease_token=token, lease_expires_at=now + lease_duration(),
            attempts=F("attempts") + 1, enqueued_at=None)
        if not taken:
            return "skipped"
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    held = Q(pk=delivery.pk, lease_token=token, state=State.SENDING)
    if not endpoint.active:
        reason, text = for_storage(Text.gettext("The endpoint is switched off."))
        with transaction.atomic():
            WebhookAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now,
                                          error=reason, error_text=text)
            WebhookDelivery.objects.filter(held).update(state=State.FAILED, finished_at=now, lease_token="",
                                                        lease_expires_at=None)
        return "failed"
    outcome = send(endpoint, delivery, now)
    error, error_text = for_storage(outcome.error)
    finished = now + timedelta(milliseconds=outcome.duration_ms)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=now, duration_ms=outcome.duration_ms,
            status_code=outcome.status_code, response=outcome.response, error=error[:2000], error_text=error_text,
            ok=outcome.ok)
        if outcome.ok:
            result, fields = "delivered", {"state": State.DELIVERED, "finished_at": finished}
        elif outcome.status_code == 410 or delivery.attempts >= delivery.max_attempts:
            result, fields = "failed", {"state": State.FAILED, "finished_at": finished}
        else:
            delay = SCHEDULE[min(delivery.attempts, len(SCHEDULE)) - 1]
            result, fields = "retry", {"state": State.PENDING, "next_attempt_at": now + delay}
        if not WebhookDelivery.objects.filter(held).update(lease_token="", lease_expires_at=None, **fields):
            log.warning("webhook delivery %s: lease lost before recording", delivery.pk)
            return "lost"
        _health(endpoint, outcome, now)
    return result


def _health(endpoint: WebhookEndpoint, outcome: Outcome, now: datetime) -> None:
    """Keep track of continuous failure; switch the endpoint off when it is gone (410) or
    has failed every attempt for days, and tell the workspace's owners."""
    if outcome.ok:
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return
    if outcome.status_code == 410:
        disable(endpoint, Text.gettext("The receiver answered 410 Gone: it asks not to be called any more."), now)
        return
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        return
    days = settings.PARVIS_WEBHOOK_DISABLE_AFTER_DAYS
    if now - endpoint.failing_since >= timedelta(days=days):
        disable(endpoint, Text.ngettext("Every delivery failed for %(days)d day.",
                                        "Every delivery failed for %(days)d days.", "days", days=days), now)


def disable(endpoint: WebhookEndpoint, reason: Text, now: datetime) -> bool:
    plain, text = for_storage(reason)
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
            active=False, disabled_at=now, disabled_reason=plain, disabled_reason_text=text):
        return False
    workspace = endpoint.workspace
    notify(owners_of(workspace), workspace, "webhook_disabled",
           Text.gettext("Webhook to %(url)s switched off", url=endpoint.url),
           Text.gettext("parvis stopped sending events to %(url)s: %(reason)s Check the receiver, then switch "
                        "the endpoint back on.", url=endpoint.url, reason=reason),
           reverse("web:webhook_endpoint", args=[workspace.pk, endpoint.pk]))
    return True


def send_again(delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """A new delivery of the same message (same body, same webhook-id), due now."""
    now = now or timezone.now()
    return WebhookDelivery.objects.create(
        endpoint=delivery.endpoint, event=delivery.event, msg_id=delivery.msg_id, event_type=delivery.event_type,
        body=delivery.body, next_attempt_at=now, created_at=now, max_attempts=1 if delivery.event_type == PING
        else MAX_ATTEMPTS)


def ping(endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookDelivery:
    """A test message to this endpoint only, sent once (no retries), whatever it subscribes to."""
    now = now or timezone.now()
    data = {"workspace_id": endpoint.workspace_id, "endpoint_id": endpoint.pk}
    return WebhookDelivery.objects.create(endpoint=endpoint, msg_id=new_uid(), event_type=PING,
                                          body=body_of(PING, now, data), next_attempt_at=now, created_at=now,
                                          max_attempts=1)


def dispatch(enqueue: Callable[[int], object], now: datetime | None = None) -> int:
    """The sweep's work: fan out new events, enqueue due deliveries (each up to
    `PER_PASS`: a backlog is worked through over several passes)."""
    now = now or timezone.now()
    fan_out(now, most=PER_PASS)
    return due.enqueue_due(lambda: claim_due(now), enqueue, BATCH, most=PER_PASS)


def forget_old(now: datetime | None = None) -> int:
    """Delete finished deliveries (with their attempts) and fanned-out events older than
    `PARVIS_WEBHOOK_KEEP_DAYS`."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.PARVIS_WEBHOOK_KEEP_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(state__in=[State.DELIVERED, State.FAILED],
                                                created_at__lt=before).delete()
    gone, _ = Event.objects.filter(fanned_out_at__isnull=False, created_at__lt=before).delete()
    return deleted + gone

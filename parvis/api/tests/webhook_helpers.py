"""Shared pieces of the webhook tests: an endpoint on a loopback receiver, and one
dispatcher pass (fan out, then run each due delivery) at a chosen time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from parvis.api.webhooks import actions, delivery
from parvis.api.webhooks.models import WebhookEndpoint
from parvis.core.events import EVENT_TYPES


def endpoint_to(workspace: Any, url: str, types: list[str] | None = None,
                user: Any = None) -> tuple[WebhookEndpoint, str]:
    return actions.create_endpoint(workspace, user, url, "test receiver", types or list(EVENT_TYPES))


def dispatcher_pass(now: datetime | None = None) -> list[str]:
    """What the dispatcher and the workers do at `now`: fan out, claim the due deliveries,
    deliver each. The outcomes, in order."""
    now = now or timezone.now()
    ids: list[int] = []
    delivery.dispatch(ids.append, now)
    return [delivery.deliver(pk, now) for pk in ids]

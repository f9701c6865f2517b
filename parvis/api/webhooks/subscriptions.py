"""Who listens to the outbox: set as `parvis.core.events`' listener when the api starts."""

from __future__ import annotations

from parvis.api.webhooks.models import WebhookEndpoint


def listening(workspace_id: int, type_: str) -> bool:
    """Whether an active endpoint of the workspace subscribes to `type_` (the outbox
    records only such events). One small query: a workspace has a few endpoints."""
    return any(type_ in types for types in WebhookEndpoint.objects.filter(
        workspace_id=workspace_id, active=True).values_list("event_types", flat=True))

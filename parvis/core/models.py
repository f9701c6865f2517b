"""The outbox: what happened in a workspace, for whoever listens from above (webhooks).

An `Event` row is written in the same transaction as the change it tells of, so an event
exists if and only if its change committed. Apps below `api` only write events
(`parvis.core.events.emit`); the webhook code in `api` reads them and fans them out.
Only events someone listens to are recorded (`events.wanted`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Event(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    # The message id receivers see (webhook-id): the same for every delivery and retry.
    uid = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=64)
    data = models.JSONField()
    # Set by events that must be told once only (an item becoming overdue): a second
    # emit with the same type and key is a no-op.
    key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField()
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type", "key"], name="core_event_once_per_key")]
        indexes = [models.Index(fields=["id"], condition=Q(fanned_out_at__isnull=True),
                                name="core_event_to_fan_out"),
                   models.Index(fields=["created_at"], name="core_event_created")]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"

"""Webhook endpoints, deliveries (one message to one endpoint) and their attempts.

Imported by `parvis.api.models` so that Django finds them (app label `api`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parvis.accounts.models import Workspace
from parvis.core.crypto import EncryptedJSONField
from parvis.core.models import Event
from parvis.core.texts import shown


class WebhookEndpoint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    active = models.BooleanField(pgettext_lazy("switch", "On"), default=True)
    # {"current": "whsec_…", "previous": "whsec_…"}: the previous one signs too until
    # `previous_until` (a rotation gives receivers a day to switch).
    keys = EncryptedJSONField(default=dict)
    previous_until = models.DateTimeField(null=True, blank=True)
    # Since when every attempt failed (None: the last one succeeded, or none was made).
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    disabled_reason_text = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def shown_disabled_reason(self) -> str:
        return shown(self.disabled_reason_text, self.disabled_reason)


class WebhookDelivery(models.Model):
    """One message to one endpoint, retried until delivered or given up. The body is fixed
    when the delivery is made: every attempt sends the same bytes and the same id."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "Pending")
        SENDING = "sending", pgettext_lazy("delivery", "Sending")
        DELIVERED = "delivered", pgettext_lazy("delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("delivery", "Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    msg_id = models.CharField(max_length=40)  # webhook-id: the event's, kept by "send again"
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="api_delivery_due"),
            models.Index(fields=["lease_expires_at"], condition=Q(state="sending"), name="api_delivery_leased"),
            models.Index(fields=["endpoint", "-created_at"], name="api_delivery_of_endpoint"),
        ]


class WebhookAttempt(models.Model):
    """One request: what the receiver answered (an excerpt, as plain text) or why none."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)  # the first characters of the answer, plain text
    error = models.TextField(blank=True)
    error_text = models.JSONField(null=True, blank=True)
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["number", "pk"]

    @property
    def shown_error(self) -> str:
        return shown(self.error_text, self.error)

    @property
    def error_beyond_status(self) -> str:
        """What the error says besides the status code shown beside it."""
        return "" if self.error == f"HTTP {self.status_code}" else self.shown_error


DeliveryState = WebhookDelivery.State  # named in the OpenAPI settings (ENUM_NAME_OVERRIDES)

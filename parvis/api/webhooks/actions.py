"""Managing endpoints: create (the secret is returned once), change, rotate the secret.

The web pages and the REST API both call these, so they refuse bad input the same way:
a `PostValidationError` naming the field, and nothing saved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.api.webhooks import signing
from parvis.api.webhooks.models import WebhookEndpoint
from parvis.core.events import EVENT_TYPES
from parvis.core.http import UnsafeURLError, check_url
from parvis.publishing.types import FieldError, PostValidationError

ROTATION_OVERLAP = timedelta(hours=24)  # the old secret still signs this long after a rotation


def clean(url: Any, description: Any, event_types: Any) -> tuple[str, str, list[str]]:
    errors: list[FieldError] = []
    url = str(url or "").strip()
    description = str(description or "").strip()
    if not url.startswith(("https://", "http://")):
        errors.append(FieldError("url", _("Give the full address, starting with https://."), "invalid"))
    elif len(url) > 500:
        errors.append(FieldError("url", _("An address holds 500 characters at most."), "max_length"))
    else:
        try:
            check_url(url)
        except UnsafeURLError as exc:
            errors.append(FieldError("url", str(exc), "unsafe"))
    if len(description) > 200:
        errors.append(FieldError("description", _("A description holds 200 characters at most."), "max_length"))
    chosen: list[str] = []
    if not isinstance(event_types, list | tuple) or not all(isinstance(t, str) for t in event_types):
        errors.append(FieldError("event_types", _("Give a list of event types."), "invalid"))
    else:
        unknown = [t for t in event_types if t not in EVENT_TYPES]
        if unknown:
            errors.append(FieldError("event_types", _("Unknown event type: %(types)s.")
                                     % {"types": ", ".join(unknown[:5])}, "invalid_choice"))
        elif not event_types:
            errors.append(FieldError("event_types", _("Choose at least one event."), "required"))
        chosen = [t for t in EVENT_TYPES if t in event_types]  # the catalogue's order, no duplicates
    if errors:
        raise PostValidationError(errors)
    return url, description, chosen


def create_endpoint(workspace: Workspace, user: User | None, url: Any, description: Any = "",
                    event_types: Iterable[str] | Any = (), active: bool = True) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (shown this once: only its encrypted form is kept)."""
    url, description, chosen = clean(url, description, list(event_types) if isinstance(event_types, tuple)
                                     else event_types)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(workspace=workspace, url=url, description=description,
                                              event_types=chosen, active=bool(active), keys={"current": secret},
                                              created_by=user)
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, url: Any, description: Any, event_types: Any,
                    active: bool) -> WebhookEndpoint:
    url, description, chosen = clean(url, description, event_types)
    endpoint.url, endpoint.description, endpoint.event_types = url, description, chosen
    fields = ["url", "description", "event_types", "updated_at"]
    if active and not endpoint.active:  # switched back on: a fresh start
        endpoint.failing_since, endpoint.disabled_at = None, None
        endpoint.disabled_reason, endpoint.disabled_reason_text = "", None
        fields += ["failing_since", "disabled_at", "disabled_reason", "disabled_reason_text"]
    endpoint.active = bool(active)
    endpoint.save(update_fields=[*fields, "active"])
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """A new secret, returned once; the current one keeps signing beside it for a day."""
    now = now or timezone.now()
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = signing.new_secret()
    locked.keys = {"current": secret, "previous": locked.keys["current"]}
    locked.previous_until = now + ROTATION_OVERLAP
    locked.save(update_fields=["keys", "previous_until", "updated_at"])
    endpoint.keys, endpoint.previous_until = locked.keys, locked.previous_until
    return secret

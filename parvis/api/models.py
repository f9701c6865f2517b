"""Personal API tokens. Only a hash is stored; the token is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX = "pvs_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # first characters, to recognise a token in a list
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def issue(cls, user: object, name: str) -> tuple[ApiToken, str]:
        token = PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, token_hash=hash_token(token), prefix=token[:10]), token

    @classmethod
    def lookup(cls, token: str) -> ApiToken | None:
        found = cls.objects.select_related("user").filter(
            token_hash=hash_token(token), revoked_at__isnull=True).first()
        if found is not None:
            cls.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


from parvis.api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402

__all__ = ["ApiToken", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]

"""Connected accounts and the per-server OAuth apps they were connected through."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Workspace
from parvis.core.crypto import EncryptedJSONField
from parvis.core.texts import Text, for_storage, shown
from parvis.networks import registry
from parvis.networks.base import Connector
from parvis.networks.info import NetworkInfo


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Connected")
    RECONNECT = "reconnect", _("Reconnect needed")


class SocialAccount(models.Model):
    """One network identity connected in one workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="social_accounts")
    network = models.CharField(max_length=32)  # a key of registry.NETWORKS; no choices on purpose
    server_url = models.CharField(max_length=300)
    remote_id = models.CharField(max_length=300)
    handle = models.CharField(max_length=300)
    display_name = models.CharField(max_length=300, blank=True)
    profile_url = models.CharField(max_length=500, blank=True)
    avatar_url = models.CharField(max_length=500, blank=True)
    # Non-secret, per-network settings and cached server facts (limits), checked by the
    # network package's schema. Secrets live only in `credentials`, encrypted.
    config = models.JSONField(default=dict, blank=True)
    credentials = EncryptedJSONField(default=dict)
    status = models.CharField(max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    # parvis's own words in `status_reason` as `core.texts.Text` JSON, read in each
    # reader's language (`shown_status_reason`); null when they are the network's.
    status_reason_text = models.JSONField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # When the stored credentials stop working (null: they do not expire). The token
    # sweep refreshes them ahead of time, or warns the owners where it cannot.
    credentials_expire_at = models.DateTimeField(null=True, blank=True, db_index=True)
    credentials_refreshed_at = models.DateTimeField(null=True, blank=True)
    # The expiry the owners were last warned about (warned once per expiry date).
    expiry_warned_for = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "server_url", "remote_id"], name="unique_account_in_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network_label} {self.shown_handle}"

    @property
    def shown_handle(self) -> str:
        """The handle as people read it (its network may store a longer form)."""
        return self.network_info.shown_handle(self.handle)

    @property
    def network_info(self) -> NetworkInfo:
        return registry.get(self.network)

    @property
    def network_label(self) -> str:
        return self.network_info.label

    @cached_property
    def checking_connector(self) -> Connector:
        """A connector kept on this object, for checks (limits, counting) repeated many
        times on the same account: building one can cost ~20 ms (Bluesky's SDK client),
        and a CSV import checks thousands of rows against the same few accounts."""
        return registry.connector_for(self)

    @property
    def needs_reconnect(self) -> bool:
        return self.status == AccountStatus.RECONNECT

    @property
    def shown_status_reason(self) -> str:
        return shown(self.status_reason_text, self.status_reason) if self.status_reason else ""

    def mark_reconnect_needed(self, reason: str | Text) -> bool:
        """Flag the account; returns True only for the call that changed it (so that the
        owners are told once, not once per failed publication)."""
        plain, text = for_storage(reason)
        changed = SocialAccount.objects.filter(pk=self.pk, status=AccountStatus.ACTIVE).update(
            status=AccountStatus.RECONNECT, status_reason=plain, status_reason_text=text,
            status_changed_at=timezone.now(),
        )
        self.status, self.status_reason, self.status_reason_text = AccountStatus.RECONNECT, plain, text
        return bool(changed)

    def mark_connected(self) -> None:
        self.status, self.status_reason, self.status_changed_at = AccountStatus.ACTIVE, "", timezone.now()
        self.status_reason_text = None

    def update_config(self, **values: Any) -> None:
        self.config = {**self.config, **values}
        SocialAccount.objects.filter(pk=self.pk).update(config=self.config)


class ServerApp(models.Model):
    """An OAuth client registered once on one server (a Mastodon instance) and reused."""

    network = models.CharField(max_length=32)
    base_url = models.CharField(max_length=300)
    redirect_uri = models.CharField(max_length=500)
    scopes = models.CharField(max_length=200)
    credentials = EncryptedJSONField(default=dict)  # client_id, client_secret
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "base_url", "redirect_uri", "scopes"], name="unique_server_app"
            )
        ]

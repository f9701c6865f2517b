"""Posts, their media, and publications: one post on one account, with its own fate."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Workspace
from parvis.networks.models import SocialAccount


class Post(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts")
    text = models.TextField(_("text"))
    # Per-network variant texts, keyed by network key ("mastodon", "bluesky").
    variants = models.JSONField(_("variants"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    is_draft = models.BooleanField(default=False)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    # The zone the time was entered in, to show it back the same way.
    schedule_timezone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    def text_for(self, network: str) -> str:
        return (self.variants or {}).get(network) or self.text


def media_path(instance: PostMedia, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"w{instance.post.workspace_id}/{uuid.uuid4().hex}.{ext}"


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=media_path)
    original_name = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.TextField(_("alt text"), blank=True)

    class Meta:
        ordering = ["position", "pk"]


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


EDITABLE_STATES = (State.DRAFT, State.SCHEDULED, State.FAILED)


class Publication(models.Model):
    """One post on one account. The engine's unit of work.

    Exactly-once rests on three fields: `idempotency_key` (the same for every attempt),
    `lease_token`/`lease_expires_at` (only the holder of a live lease may publish or
    record; a crashed holder's lease runs out and another worker takes over), and
    `may_exist` (an earlier attempt may have reached the network: look before posting).
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="publications")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="publications")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    due_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    may_exist = models.BooleanField(default=False)
    remote_id = models.CharField(max_length=500, blank=True)
    remote_url = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    error_kind = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="one_publication_per_account")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="pub_due_idx"),
            models.Index(fields=["state", "lease_expires_at"], name="pub_lease_idx"),
            models.Index(fields=["account", "due_at"], name="pub_account_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id}→{self.account_id} {self.state}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class Attempt(models.Model):
    """Every try at publishing, whatever came of it: the history a person reads when
    asking "why did this fail?" and what tests read to prove nothing ran twice."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # published, found, retry, failed, reconnect, lost
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

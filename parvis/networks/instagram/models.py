"""What Meta's `mentions` webhook told parvis, kept until the inbox has read it.

Meta does not keep webhook notifications (meta.md, 5.4): each one is stored here at once,
and the "mentions" inbox stream (`mentions.py`) reads it later through the Graph API.
Meta retries a delivery it thinks failed, and a batch may repeat a change: the unique
constraint keeps one row per mention, whatever comes twice.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from parvis.networks.models import SocialAccount


class Mention(models.Model):
    """An @mention of a connected account in someone else's caption (`comment_id` empty)
    or comment."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")
    media_id = models.CharField(max_length=64)
    comment_id = models.CharField(max_length=64, blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now)
    # When the inbox last read it from Meta (null: not yet); set whether Meta showed it or not.
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "media_id", "comment_id"], name="unique_instagram_mention"),
        ]

    def __str__(self) -> str:
        return f"{self.media_id}/{self.comment_id}" if self.comment_id else self.media_id

    @property
    def remote_id(self) -> str:
        """The id of the inbox item it becomes: the comment, or the media for a caption."""
        return self.comment_id or self.media_id

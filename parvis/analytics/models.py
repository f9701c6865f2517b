"""Figures of published posts and of connected accounts.

Snapshots (`PostSnapshot`, `AccountSnapshot`) are append-only: every reading is kept, so
that any period can be recomputed. What dashboards read is kept apart and kept current:
each publication's latest figures (`PostFigures`, which also holds when to read them
next) and one row per account and local day (`DailyFigures`).
"""

from __future__ import annotations

from django.db import models

from parvis.accounts.models import Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Publication


class PostFigures(models.Model):
    """A published post's latest figures on one account, and when to read them next
    (`due_at`, null once the last reading is done)."""

    publication = models.OneToOneField(Publication, on_delete=models.CASCADE, related_name="figures")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="post_figures")
    published_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The latest reading, under parvis's names (parvis.networks.base.POST_METRICS).
    values = models.JSONField(default=dict, blank=True)
    interactions = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(null=True, blank=True)
    reach = models.PositiveIntegerField(null=True, blank=True)
    clicks = models.PositiveIntegerField(null=True, blank=True)
    # The account's followers when the post went out (the nearest daily count before).
    followers = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    readings = models.PositiveSmallIntegerField(default=0)
    # Read before the network's figures settle (NetworkInfo.metrics_settle).
    provisional = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "published_at"], name="postfig_ws_published"),
            models.Index(fields=["account", "published_at"], name="postfig_account_published"),
            models.Index(fields=["due_at"], name="postfig_due"),
        ]

    def __str__(self) -> str:
        return f"figures of publication {self.publication_id}"


class PostSnapshot(models.Model):
    """One reading of a post's figures (append-only)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField()
    values = models.JSONField(default=dict)
    provisional = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["publication", "taken_at"], name="postsnap_pub_taken")]


class AccountFigures(models.Model):
    """A connected account's latest counts and when to read them next (once a day, early
    in the workspace's morning, with a last pass over its recent posts)."""

    account = models.OneToOneField(SocialAccount, on_delete=models.CASCADE, related_name="figures")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    values = models.JSONField(default=dict, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="accfig_due")]


class AccountSnapshot(models.Model):
    """One reading of an account's counts (append-only)."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField()
    values = models.JSONField(default=dict)
    followers = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "taken_at"], name="accsnap_account_taken")]


class DailyFigures(models.Model):
    """The roll-up dashboards read: per account and day (in the workspace's time zone),
    the followers at the day's last reading and the latest figures of the posts
    published that day, summed."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="daily_figures")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    followers = models.PositiveIntegerField(null=True, blank=True)
    posts = models.PositiveIntegerField(default=0)
    interactions = models.PositiveIntegerField(default=0)
    views = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    provisional = models.PositiveIntegerField(default=0)  # posts whose figures may still be revised
    # What the engagement rates need, summed here so that no dashboard reads posts:
    # the posts whose followers were known, their interactions, those followers, and the
    # sum of their own rates (in %); the same for the posts with views.
    rated_posts = models.PositiveIntegerField(default=0)
    rated_interactions = models.PositiveBigIntegerField(default=0)
    rated_followers = models.PositiveBigIntegerField(default=0)
    rate_sum = models.FloatField(default=0.0)
    viewed_posts = models.PositiveIntegerField(default=0)
    viewed_interactions = models.PositiveBigIntegerField(default=0)
    view_rate_sum = models.FloatField(default=0.0)
    last_taken_at = models.DateTimeField(null=True, blank=True)  # the latest reading behind the day's figures

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="daily_figures_account_day")]
        indexes = [models.Index(fields=["workspace", "day"], name="daily_ws_day")]


class TimingExperiment(models.Model):
    """"Tuesday 08:00 against 12:30 for four weeks": the account's posts at either time
    on that weekday, compared once the weeks are over (and read as they come)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="timing_experiments")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="timing_experiments")
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    time_a = models.TimeField()
    time_b = models.TimeField()
    starts_on = models.DateField()
    weeks = models.PositiveSmallIntegerField(default=4)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.weekday} {self.time_a:%H:%M} / {self.time_b:%H:%M}"


class ShortLink(models.Model):
    """A link of a post as sent to one network, through parvis (`/l/<code>` under the
    instance's address): counted without cookies, then sent on with UTM parameters."""

    code = models.CharField(max_length=16, unique=True)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="short_links")
    post = models.ForeignKey("publishing.Post", on_delete=models.CASCADE, related_name="short_links")
    network = models.CharField(max_length=32)
    target = models.TextField()  # the link as written (http or https), without parvis's UTM
    target_key = models.CharField(max_length=64)  # SHA-256 of `target`: a URL may outgrow an index
    clicks = models.PositiveIntegerField(default=0)
    last_click_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "network", "target_key"],
                                               name="short_link_per_post_network")]
        indexes = [models.Index(fields=["workspace", "created_at"], name="shortlink_ws_created")]

    def __str__(self) -> str:
        return self.code


class LinkClicks(models.Model):
    """A short link's clicks of one day (UTC): the only trace a click leaves."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="link_clicks_day")]

"""Figures of published posts and of connected accounts.

Snapshots (`PostSnapshot`, `AccountSnapshot`) are append-only: every reading is kept, so
that any period can be recomputed. What dashboards read is kept apart and kept current:
each publication's latest figures (`PostFigures`, which also holds when to read them
next) and one row per account and local day (`DailyFigures`).
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.utils import timezone as _timezone
from django.utils.translation import gettext_lazy

from parvis.accounts.models import Workspace
from parvis.core.crypto import EncryptedJSONField
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



# The client report (the bilan)


class ReportLook(models.Model):
    """The agency's look on every report it sends: its logo, its colour and, when it has
    one, its own PowerPoint template (masters, fonts). A client's own logo and colour
    are on its `ReportDefinition`."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="report_look")
    accent = models.CharField(max_length=7, default="#5B4BDB")
    logo = models.BinaryField(null=True, blank=True)  # PNG or JPEG
    template = models.BinaryField(null=True, blank=True)  # .pptx
    template_name = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class ReportDefinition(models.Model):
    """What a client's report holds and, when scheduled, when it goes to whom: "every
    Monday, sent at 09:00 to these people, in French". Times are the workspace's."""

    class Every(models.TextChoices):
        WEEK = "week", "week"
        MONTH = "month", "month"

    class Delivery(models.TextChoices):
        ATTACHED = "attached", "attached"
        LINK = "link", "link"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="report_definitions")
    name = models.CharField(max_length=120)
    every = models.CharField(max_length=8, choices=Every.choices, default=Every.MONTH)
    sections = models.JSONField(default=list)
    formats = models.JSONField(default=list)
    language = models.CharField(max_length=8, default="fr")
    accent = models.CharField(max_length=7, blank=True)  # the client's colour; the agency's when blank
    client_logo = models.BinaryField(null=True, blank=True)
    scheduled = models.BooleanField(default=False)
    weekday = models.PositiveSmallIntegerField(default=0)  # weekly reports: 0 = Monday
    month_day = models.PositiveSmallIntegerField(default=1)  # monthly reports: 1–28
    send_at = models.TimeField(default=time(9, 0))
    recipients = models.JSONField(default=list)  # email addresses
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.ATTACHED)
    hold = models.BooleanField(default=False)  # built overnight, sent when the CM says so
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ReportRun(models.Model):
    """One report of one period: built (with its progress), its commentary as the CM left
    it, its files, and, when scheduled, when it is checked, built and sent. Each of those
    moments is a due time the reports' sweep claims, so a crash resumes by itself."""

    class Status(models.TextChoices):
        WAITING = "waiting", "waiting"  # a scheduled run, before its build
        QUEUED = "queued", "queued"
        BUILDING = "building", "building"
        READY = "ready", "ready"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="report_runs")
    definition = models.ForeignKey(ReportDefinition, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="runs")
    start = models.DateField()
    end = models.DateField()
    language = models.CharField(max_length=8, default="fr")
    sections = models.JSONField(default=list)
    formats = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # %
    step = models.CharField(max_length=120, blank=True)
    commentary = models.JSONField(default=dict, blank=True)  # per section, pre-filled then the CM's
    edited_at = models.DateTimeField(null=True, blank=True)
    figures_at = models.DateTimeField(null=True, blank=True)  # the latest reading behind its figures
    check_at = models.DateTimeField(null=True, blank=True)  # the evening before: tokens that will fail
    checked_at = models.DateTimeField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)  # what the check found, as people read it
    build_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)  # claimed by the sweep (a build or a send)
    taken_at = models.DateTimeField(null=True, blank=True)  # the build's lease, taken by its job
    attempts = models.PositiveSmallIntegerField(default=0)
    delivery_for = models.DateTimeField(null=True, blank=True)  # the scheduled moment it was planned for
    send_at = models.DateTimeField(null=True, blank=True)  # null: sent by hand (held for review), or never
    built_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    link_hash = models.CharField(max_length=64, blank=True, db_index=True)  # the private link's token, hashed
    link_expires_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-end", "-pk"]
        indexes = [models.Index(fields=["build_at"], name="reportrun_build_at"),
                   models.Index(fields=["send_at"], name="reportrun_send_at"),
                   models.Index(fields=["check_at"], name="reportrun_check_at"),
                   models.Index(fields=["workspace", "-end"], name="reportrun_ws_end")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.start}–{self.end}"


class ReportFile(models.Model):
    """One format of a built report, kept in the database (a report is some 100 kB, and
    a backup of the database then holds everything that was sent)."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=8)
    data = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    made_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "format"], name="report_file_format")]


# Conversions and the CM's time
#
# What a client's social presence brings (conversions: sign-ups, sales, quote requests,
# counted by the client's site or analytics) set against what it costs (the CM's hours
# at a day rate): the ROI part of the reports. See `analytics.conversions` and
# `analytics.costs`.


class ConversionKind(models.TextChoices):
    """Where a conversion came from; the kinds of `ConversionSource` are all but IMPORT."""

    WEBHOOK = "webhook", gettext_lazy("Webhook")
    IMPORT = "import", gettext_lazy("Import")
    MATOMO = "matomo", "Matomo"
    PLAUSIBLE = "plausible", "Plausible"


class ConversionSource(models.Model):
    """Where a workspace's conversions come from by themselves: a Matomo or Plausible
    site read periodically (`analytics.sources`), or a webhook the client's site calls
    (`/hooks/conversions/<id>/`, each body signed with the source's secret).

    The analytics token and the webhook secret live in `secrets`, encrypted at rest
    ({"token": "…"} or {"webhook_secret": "…"}); they are never logged nor shown again."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversion_sources")
    kind = models.CharField(gettext_lazy("kind"), max_length=12, choices=ConversionKind.choices)
    name = models.CharField(gettext_lazy("name"), max_length=120, blank=True)
    base_url = models.CharField(gettext_lazy("address"), max_length=500, blank=True)
    site_id = models.CharField(gettext_lazy("site"), max_length=200, blank=True)  # Matomo idSite, Plausible domain
    goal = models.CharField(gettext_lazy("goal"), max_length=200, blank=True)  # Matomo idGoal, Plausible goal name
    secrets = EncryptedJSONField(default=dict, blank=True)
    enabled = models.BooleanField(gettext_lazy("enabled"), default=True)
    # The periodic sync claims a source by moving `attempted_at` (a conditional UPDATE).
    attempted_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)  # the last sync that worked
    failures = models.PositiveSmallIntegerField(default=0)  # in a row, for the back-off
    last_error = models.TextField(blank=True)
    last_error_text = models.JSONField(null=True, blank=True)  # core.texts.Text JSON, read in each language
    created_at = models.DateTimeField(default=_timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["kind", "attempted_at"], name="convsource_kind_attempted")]

    def __str__(self) -> str:
        return self.name or f"{self.kind} {self.site_id}".strip()


class Conversion(models.Model):
    """Conversions of one goal on one day (the workspace's local day), from one origin.

    `external_id` makes a delivery idempotent: the same webhook call or the same synced
    day+goal arrives again and updates its row instead of adding one."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversions")
    day = models.DateField(gettext_lazy("day"))
    goal = models.CharField(gettext_lazy("goal"), max_length=200)
    count = models.PositiveIntegerField(gettext_lazy("count"), default=1)
    value = models.DecimalField(gettext_lazy("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField(gettext_lazy("source"), max_length=12, choices=ConversionKind.choices)
    origin = models.ForeignKey(ConversionSource, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="conversions")
    campaign = models.CharField(gettext_lazy("campaign"), max_length=200, blank=True)  # utm_campaign
    network = models.CharField(gettext_lazy("network"), max_length=64, blank=True)  # utm_source, as sent
    external_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=_timezone.now)

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "source", "external_id"], condition=~models.Q(external_id=""),
                                    name="conversion_once_per_external_id"),
        ]
        indexes = [models.Index(fields=["workspace", "day"], name="conversion_ws_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.goal} × {self.count}"


class CostSettings(models.Model):
    """What the CM's time costs for one workspace: a day rate, and the minutes a post
    and an inbox reply take when nobody entered their time (`analytics.costs`)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="cost_settings")
    currency = models.CharField(gettext_lazy("currency"), max_length=3, default="EUR")
    day_rate = models.DecimalField(gettext_lazy("day rate"), max_digits=10, decimal_places=2, default=0)
    hours_per_day = models.DecimalField(gettext_lazy("hours per day"), max_digits=4, decimal_places=2, default=7)
    minutes_per_post = models.PositiveIntegerField(gettext_lazy("minutes per post"), default=20)
    minutes_per_reply = models.PositiveIntegerField(gettext_lazy("minutes per reply"), default=3)
    updated_at = models.DateTimeField(auto_now=True)


class TimeEntry(models.Model):
    """Time a person says they spent on a workspace on one day. Entered time replaces
    the estimate for the whole day it is on (see `analytics.costs`)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="time_entries")
    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    day = models.DateField(gettext_lazy("day"))
    minutes = models.PositiveIntegerField(gettext_lazy("minutes"))
    note = models.CharField(gettext_lazy("note"), max_length=500, blank=True)
    post = models.ForeignKey("publishing.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=_timezone.now)

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["workspace", "day"], name="time_entry_ws_day")]

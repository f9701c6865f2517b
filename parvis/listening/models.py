"""La veille's tables.

A `Source` is one feed address, fetched once for every workspace that follows it (an
agency reading the same trade press for ten clients fetches it once); its `Entry` rows
are shared too. What belongs to a workspace is its `Subscription` to a source (title,
folder, tags) and its `Folder`s; what belongs to a person is their `EntryMark` (read,
saved for later), per workspace.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Workspace
from parvis.inbox.models import Sentiment
from parvis.networks import registry

FEED, YOUTUBE = "feed", "youtube"  # the kinds of source that are not a network's account
WATCH = "watch"  # public posts of a network (a hashtag on an instance): read by its Watch, not fetched


class Source(models.Model):
    """One feed, and when and how to fetch it next.

    The dispatcher claims due rows (`next_fetch_at`) like inbox pollers; the fetch job
    takes a lease, sends a conditional request (ETag, Last-Modified) and schedules the
    next one from how often the source publishes, what its cache headers allow, and its
    failures. A permanent redirect moves `url`; a 410 or too many failures pause it,
    with the reason shown to the people who follow it.
    """

    url = models.URLField(max_length=2000, unique=True)
    # "feed", "youtube", or the key of the network whose account's public feed this is
    # (no choices: the networks come from the registry).
    kind = models.CharField(max_length=20, default=FEED)
    title = models.CharField(max_length=300, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    description = models.TextField(blank=True)
    language = models.CharField(max_length=20, blank=True)
    image = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Conditional requests: what the server said last time, sent back as it was.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    body_hash = models.CharField(max_length=64, blank=True)  # a server without validators: same body, no parse
    # The oldest date in the feed's last document: older entries are no longer in it, so
    # forgetting them (retention.py) cannot bring them back as new at the next fetch.
    window_start = models.DateTimeField(null=True, blank=True)
    # Scheduling (see fetching.py).
    next_fetch_at = models.DateTimeField(default=timezone.now)
    interval = models.PositiveIntegerField(default=3600)  # seconds, from the entries' frequency
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # What happened: the last attempt, and counts since the source was added.
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_changed_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)  # in a row
    fetches = models.PositiveIntegerField(default=0)
    not_modified = models.PositiveIntegerField(default=0)
    # A paused source is not fetched until someone resumes it (410, failures, by hand).
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_fetch_at"], name="listening_source_due")]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def kind_label(self) -> str:
        if self.kind == WATCH and hasattr(self, "watch"):
            label = registry.get(self.watch.network).label
            if self.watch.kind == "search":
                return str(_("%(network)s search") % {"network": label})
            if self.watch.kind == "stream":
                return str(_("%(network)s stream") % {"network": label})
            return str(_("%(network)s hashtag") % {"network": label})
        if self.kind == YOUTUBE:
            return str(_("YouTube channel"))
        if self.kind in registry.NETWORKS:
            return str(_("%(network)s account") % {"network": registry.NETWORKS[self.kind].label})
        return str(_("Feed"))


class Folder(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feed_folders")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_feed_folder")]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A workspace follows a source: under its own title, in one of its folders."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feed_subscriptions")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="subscriptions")
    folder = models.ForeignKey(Folder, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="subscriptions")
    title = models.CharField(_("title"), max_length=300, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # Entries that carry only a summary get the article's text from its page.
    full_text = models.BooleanField(_("fetch the full article"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["workspace", "source"], name="unique_feed_subscription")]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        return self.title or self.source.title or self.source.url


class Entry(models.Model):
    """One article (or post, or video) of a source, stored sanitised.

    `key` deduplicates within the source (the feed's id, else its link, else a hash of
    its content); `story` (the canonical link without tracking parameters) groups the
    same article reached through several sources, shown once with "also in …".
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=64)
    story = models.CharField(max_length=64, db_index=True)
    guid = models.CharField(max_length=2000, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)  # sanitised HTML
    content = models.TextField(blank=True)  # sanitised HTML (the feed's, or the page's full text)
    full_text = models.BooleanField(default=False)  # content was extracted from the article page
    image = models.URLField(max_length=2000, blank=True)
    language = models.CharField(max_length=20, blank=True)
    published_at = models.DateTimeField()  # the feed's date, else when parvis first saw it
    updated_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)
    search_text = models.TextField(blank=True)  # title, author and text, folded (search.py)
    # The opening of its text as plain text (what monitors read: no markup to strip again
    # for every monitor and every query typed in the lab).
    text = models.TextField(blank=True)
    # When the monitors were run on it (None: to do; the sweep finds these by a partial index).
    monitored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="unique_entry_key")]
        indexes = [models.Index(fields=["source", "-published_at"], name="listening_entry_source_date"),
                   models.Index(fields=["id"], condition=models.Q(monitored_at__isnull=True),
                                name="listening_entry_to_monitor")]

    def __str__(self) -> str:
        return self.title or self.url


class EntryMark(models.Model):
    """One person's state of one entry in one workspace: read, saved for later."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entry_marks")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="marks")
    read_at = models.DateTimeField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "workspace", "entry"], name="unique_entry_mark")]


class Monitor(models.Model):
    """A workspace's keyword monitor: a query in the query language (query/), looked for
    in what the workspace's feeds bring and in its inbox. A new or edited monitor is
    applied to the last 30 days already there (monitoring.apply_monitor)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="monitors")
    name = models.CharField(_("name"), max_length=120)
    query = models.TextField(_("query"))
    in_feeds = models.BooleanField(_("in the feeds followed"), default=True)
    in_inbox = models.BooleanField(_("in the inbox"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    # When the query as it is now was applied to what was already there (None: to do;
    # a sweep resumes it after a crash).
    applied_at = models.DateTimeField(null=True, blank=True)
    apply_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_monitor_name")]

    def __str__(self) -> str:
        return self.name


class Hit(models.Model):
    """Something a monitor found: an entry of a feed, or an item of the inbox, with where
    the query matched and what the inbox's models say of it."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="hits")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="hits")
    item = models.ForeignKey("inbox.Item", on_delete=models.CASCADE, null=True, blank=True, related_name="hits")
    published_at = models.DateTimeField()  # when it was said (volumes and spikes count by it)
    found_at = models.DateTimeField(default=timezone.now)
    spans = models.JSONField(default=list)  # [[field, start, end], …] in the text as stored
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    toxic = models.BooleanField(default=False)
    spam = models.BooleanField(default=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["monitor", "entry"], name="unique_hit_entry"),
            models.UniqueConstraint(fields=["monitor", "item"], name="unique_hit_item"),
        ]
        indexes = [models.Index(fields=["monitor", "-published_at"], name="listening_hit_monitor_date")]


class DigestSchedule(models.Model):
    """When one person gets la veille's digest for one workspace: at these local times
    (their own time zone), in the app and, if they want, by email."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_schedules")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="digest_schedules")
    times = models.JSONField(default=list)  # ["07:30", "13:00"], local to the person
    by_email = models.BooleanField(_("by email"), default=True)
    active = models.BooleanField(_("active"), default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "workspace"], name="unique_digest_schedule")]


class Digest(models.Model):
    """One digest as it was made: what was new since the one before (ids, resolved when
    shown, so that it always shows the entries and hits as they are)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="digests")
    since = models.DateTimeField()
    made_at = models.DateTimeField(default=timezone.now)
    content = models.JSONField(default=dict)  # {"stories": [...], "monitors": [...]}
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [models.Index(fields=["person", "workspace", "-made_at"], name="listening_digest_latest")]


class SpikeAlert(models.Model):
    """A monitor's hour that rose far above its usual level (spikes.py), told once."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="spikes")
    hour = models.DateTimeField()  # the start of the UTC hour
    count = models.PositiveIntegerField()
    expected = models.FloatField()
    z = models.FloatField()
    drivers = models.JSONField(default=dict)  # {"terms": [[word, n]], "sources": [...], "authors": [...]}
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["monitor", "hour"], name="unique_spike_hour")]


class Watch(models.Model):
    """Public posts of a network that la veille reads into a source's entries: a hashtag
    on an instance the CM chooses, read by the network's PublicReader. Shared like feeds:
    workspaces follow its source. Scheduled, leased and paused like a feed."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="watch")
    network = models.CharField(max_length=32)
    kind = models.CharField(max_length=20)  # one of the reader's kinds ("hashtag")
    instance_url = models.URLField(max_length=500)
    term = models.CharField(max_length=200)
    cursor = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "kind", "instance_url", "term"],
                                               name="unique_watch")]

    def __str__(self) -> str:
        return f"{self.network} {self.kind} {self.term}"


# -- competitors ----------------------------------------------------------------------------

BLOG = "feed"  # a competitor's account that is its blog's feed (read as a source, not by a network)


class Competitor(models.Model):
    """A brand the workspace watches (or, `is_brand`, the workspace's own brand: its
    connected accounts read the same way, so the figures side by side are comparable)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(_("name"), max_length=120)
    is_brand = models.BooleanField(default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_brand", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_competitor_name"),
            models.UniqueConstraint(fields=["workspace"], condition=models.Q(is_brand=True),
                                    name="one_brand_per_workspace"),
        ]

    def __str__(self) -> str:
        return self.name


class CompetitorAccount(models.Model):
    """One public account of a competitor on a network (read by the network's
    ProfileReader on a schedule), or its blog (`network` BLOG: a followed source)."""

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="accounts")
    network = models.CharField(max_length=32)
    handle = models.CharField(max_length=300)  # as the reader normalised it; a blog: its feed's address
    source = models.ForeignKey(Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The connected account it is read through (a reader that needs one; the brand's own).
    through = models.ForeignKey("networks.SocialAccount", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    remote_id = models.CharField(max_length=300, blank=True)
    name = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    following = models.PositiveIntegerField(null=True, blank=True)
    posts_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Reading
    next_read_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["network", "handle"]
        constraints = [models.UniqueConstraint(fields=["competitor", "network", "handle"],
                                               name="unique_competitor_account")]
        indexes = [models.Index(fields=["next_read_at"], name="competitor_account_due")]

    def __str__(self) -> str:
        return f"{self.network} {self.handle}"

    @property
    def network_label(self) -> str:
        if self.network == BLOG:
            return str(_("Blog"))
        return registry.get(self.network).label if self.network in registry.NETWORKS else self.network


class CompetitorPost(models.Model):
    """A post of a competitor's account with its public counts as last read, and the
    account's followers then (engagement is relative to the audience of the moment)."""

    account = models.ForeignKey(CompetitorAccount, on_delete=models.CASCADE, related_name="posts")
    remote_id = models.CharField(max_length=300)
    url = models.URLField(max_length=2000, blank=True)
    text = models.TextField(blank=True)  # plain text, as the reader gives it
    published_at = models.DateTimeField()
    likes = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    quotes = models.PositiveIntegerField(null=True, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(default=timezone.now)
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["account", "remote_id"], name="unique_competitor_post")]
        indexes = [models.Index(fields=["account", "published_at"], name="competitor_post_time")]

    @property
    def interactions(self) -> int:
        return sum(n or 0 for n in (self.likes, self.reposts, self.replies, self.quotes))


class CompetitorCount(models.Model):
    """An account's public counts, once a day (append-only: any period is recomputed)."""

    account = models.ForeignKey(CompetitorAccount, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField()
    followers = models.PositiveIntegerField(null=True, blank=True)
    following = models.PositiveIntegerField(null=True, blank=True)
    posts = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="unique_competitor_count")]

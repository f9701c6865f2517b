"""What people address to the brands: items (replies, mentions, quotes, messages) grouped
in threads, their authors, and what the team does with them.

Items are stored once per account (`unique_item_per_account`): the poller may see the same
post again (overlapping pages, a retried job, a restart) and only updates it. The posts
around an item (ours, or someone else's earlier in the thread) are stored as items too,
with `in_inbox=False`, so a conversation reads in one query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parvis.accounts.models import Workspace
from parvis.core.crypto import EncryptedJSONField
from parvis.core.texts import shown
from parvis.networks.base import ItemKind
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Label, Post

ADDRESSED_KINDS = (ItemKind.REPLY, ItemKind.MENTION, ItemKind.QUOTE, ItemKind.MESSAGE)


class Kind(models.TextChoices):
    REPLY = ItemKind.REPLY.value, _("Reply")
    MENTION = ItemKind.MENTION.value, _("Mention")
    QUOTE = ItemKind.QUOTE.value, _("Quote")
    MESSAGE = ItemKind.MESSAGE.value, _("Private message")
    OWN = ItemKind.OWN.value, _("Ours")
    CONTEXT = ItemKind.CONTEXT.value, _("Context")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Author(models.Model):
    """Someone who wrote to a brand, as seen from one workspace (the author panel shows
    their past interactions with that brand only)."""

    # No index of its own: the unique constraint below starts with it. Every index is
    # written on each insert, and ingestion is the hot path.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_authors",
                                  db_index=False)
    network = models.CharField(max_length=32)
    key = models.CharField(max_length=300)  # user@domain on Mastodon, the DID on Bluesky
    remote_id = models.CharField(max_length=300)  # the id the account's server uses in calls
    handle = models.CharField(max_length=300)
    display_name = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=500, blank=True)
    avatar_url = models.CharField(max_length=500, blank=True)
    bio = models.TextField(blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    muted_at = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "network", "key"], name="unique_author_in_workspace")
        ]

    def __str__(self) -> str:
        return self.display_name or self.handle

    @property
    def name(self) -> str:
        """The first name-ish word, for saved replies' {name} variable."""
        return (self.display_name or self.handle.split("@")[0].split(".")[0]).strip()


class Thread(models.Model):
    """One conversation on one account: a public thread (keyed by its root post) or a
    private conversation (keyed by the network's conversation id)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_threads")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="inbox_threads",
                                db_index=False)  # the unique constraint below starts with it
    key = models.CharField(max_length=500)
    private = models.BooleanField(default=False)
    root_remote_id = models.CharField(max_length=500, blank=True)
    last_item_at = models.DateTimeField(default=timezone.now)
    # When the posts above the first item were fetched (None: still to do).
    context_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="unique_thread_per_account")]
        indexes = [models.Index(fields=["context_fetched_at"], name="inbox_thread_context_todo")]


class Item(models.Model):
    # These keys have no single-column index: an index in Meta starts with each of them
    # (lookups and cascades use it), and every index is written on each insert.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_items",
                                  db_index=False)
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="inbox_items",
                                db_index=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="items", db_index=False)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="items", db_index=False)
    network = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    in_inbox = models.BooleanField(default=True)  # False: our own posts and context only
    private = models.BooleanField(default=False)
    text = models.TextField(blank=True)  # plain text, untrusted: always escaped when shown
    search_text = models.TextField(blank=True)  # lower-case, accents removed (search.py)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()  # on the network
    received_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # gone from the network
    refreshed_at = models.DateTimeField(null=True, blank=True)
    in_reply_to_remote_id = models.CharField(max_length=500, blank=True)
    root_remote_id = models.CharField(max_length=500, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    # What the models found; a person's correction overrides it (see Correction).
    language = models.CharField(_("language"), max_length=8, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    toxic = models.BooleanField(_("insult or toxic"), default=False)
    toxic_score = models.FloatField(null=True, blank=True)
    spam = models.BooleanField(_("spam"), default=False)
    spam_score = models.FloatField(null=True, blank=True)
    analysed_with = models.CharField(max_length=40, blank=True)
    corrected = models.BooleanField(default=False)  # a person set sentiment or flags

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="inbox_items", verbose_name=_("assignee"), db_index=False)
    labels = models.ManyToManyField(Label, blank=True, related_name="inbox_items", verbose_name=_("labels"))
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    liked_at = models.DateTimeField(null=True, blank=True)
    # When la veille's monitors were run on it (None: to do; found by a partial index).
    monitored_at = models.DateTimeField(null=True, blank=True)
    boosted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "remote_id"], name="unique_item_per_account")
        ]
        indexes = [
            # The inbox list, newest first. Across several workspaces no (workspace, …) index
            # gives that order: walking time (per status, or overall) and filtering stops
            # after one page (measured at 100,000 items: 59 → 2 ms on SQLite, 44 → 3 ms on
            # PostgreSQL); the workspace one serves a single workspace.
            models.Index(fields=["workspace", "in_inbox", "status", "-created_at"], name="inbox_item_list"),
            models.Index(fields=["status", "-created_at", "-id"], name="inbox_item_status_time"),
            models.Index(fields=["-created_at", "-id"], name="inbox_item_time"),
            models.Index(fields=["thread", "created_at"], name="inbox_item_thread"),
            models.Index(fields=["author", "-created_at"], name="inbox_item_author"),
            models.Index(fields=["account", "-created_at"], name="inbox_item_account"),
            models.Index(fields=["assignee", "status"], name="inbox_item_assignee"),
            models.Index(fields=["id"], condition=models.Q(monitored_at__isnull=True), name="inbox_item_to_monitor"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.remote_id}"

    @property
    def is_snoozed(self) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > timezone.now()


class Note(models.Model):
    """An internal note on an item: never sent to the network."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Correction(models.Model):
    """A person's correction of what the models found. Kept (never overwritten) so that
    a workspace's model can be retrained on them."""

    class Field(models.TextChoices):
        SENTIMENT = "sentiment", _("Sentiment")
        TOXIC = "toxic", _("Insult or toxic")
        SPAM = "spam", _("Spam")
        LANGUAGE = "language", _("Language")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="corrections")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_corrections")
    field = models.CharField(max_length=20, choices=Field.choices)
    before = models.CharField(max_length=20, blank=True)
    after = models.CharField(max_length=20)
    text = models.TextField()  # the text as it was when corrected (the item may be edited)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def before_label(self) -> str:
        """What the model had said, in the reader's language."""
        if self.field == self.Field.SENTIMENT:
            return str(Sentiment(self.before).label) if self.before in Sentiment.values else self.before
        if self.field in (self.Field.TOXIC, self.Field.SPAM):
            return str(_("yes") if self.before == "true" else _("no"))
        return self.before


class Reply(models.Model):
    """A reply written in parvis. It goes out as a `Post` of kind reply, through the same
    exactly-once publishing path as scheduled posts."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="replies")
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="inbox_reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the published reply is in the thread as one of our items.
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["linked_at"], name="inbox_reply_unlinked")]


class SavedView(models.Model):
    """A person's filter combination of the inbox, kept under a name ("Negative this
    week"), for one workspace's inbox or for the all-workspaces inbox (no workspace)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_views")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(max_length=500)  # the list's query string, as InboxFilters.as_query writes it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class SavedReply(models.Model):
    """An answer kept for reuse (the FAQ). `{name}`, `{handle}`, `{brand}` and `{me}`
    are filled in when inserted."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    crisis = models.BooleanField(_("crisis FAQ"), default=False)
    uses = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]


class Poller(models.Model):
    """When to read one stream of one account next, and where it stopped last time.

    The dispatcher claims due rows (lease) and enqueues one poll each. The interval
    adapts: short while items keep coming, longer while nothing does, backed off on
    errors, and never sooner than the network's rate-limit reset.
    """

    REFRESH = "refresh"  # not a network stream: re-reads recent items for edits/deletions

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="inbox_pollers")
    stream = models.CharField(max_length=40)
    cursor = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now)
    interval = models.PositiveIntegerField(default=60)  # seconds, the current adaptive interval
    failures = models.PositiveIntegerField(default=0)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_new_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    polls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "stream"], name="unique_poller_stream")]
        indexes = [models.Index(fields=["next_poll_at"], name="inbox_poller_due")]

    def __str__(self) -> str:
        return f"{self.account} {self.stream}"


class InboxSettings(models.Model):
    """A workspace's inbox settings: how fast it promises to answer, and when a rise of
    negative or toxic items counts as a crisis."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="inbox_settings")
    response_target_minutes = models.PositiveIntegerField(_("answer within (minutes)"), default=120)
    # Crisis detection (see crisis.py): the last hour against the same workspace's usual hours.
    crisis_min_items = models.PositiveIntegerField(_("crisis: at least this many negative items in an hour"),
                                                   default=10)
    crisis_factor = models.FloatField(_("crisis: times the usual level"), default=4.0)
    crisis_alerts = models.BooleanField(_("crisis alerts"), default=True)
    # The last "check now" (see check_now.py): rate-limited per workspace.
    checked_now_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def of(cls, workspace: Workspace) -> InboxSettings:
        found, _created = cls.objects.get_or_create(workspace=workspace)
        return found


class Rule(models.Model):
    """When an item matches every condition, do every action. Rules run in `position`
    order on each new item; `stop` ends the run after this rule matched.

    `conditions`: {"words": [..], "any_words": bool, "languages": [..], "sentiments": [..],
    "flags": ["toxic"|"spam"], "networks": [..], "accounts": [ids], "authors": [keys],
    "kinds": [..]} — absent or empty means any. `actions`: {"labels": [ids], "assign": user id
    or "on_duty", "priority": 0-2, "done": bool, "hide": bool, "notify": bool}.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_rules")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(pgettext_lazy("switch", "On"), default=False)
    stop = models.BooleanField(_("stop after this rule"), default=False)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=dict, blank=True)
    matched = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One opening period of a weekday, in the workspace's time zone. Outside them only
    urgent items notify (high priority, or a crisis)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "starts"]


class DutySlot(models.Model):
    """Who answers when: a weekly rota in the workspace's time zone. The relay is the
    person called on when the one on duty is not there (and for urgent items at night)."""

    class Role(models.TextChoices):
        ON_DUTY = "duty", _("On duty")
        RELAY = "relay", _("Relay")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_duty")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_duty",
                             verbose_name=_("person"))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.ON_DUTY)

    class Meta:
        ordering = ["weekday", "starts", "role"]


def default_webhook_topics() -> list[str]:
    """What a chat channel carries unless told otherwise: messages to answer and crises
    (`accounts.channels` topics; all a channel carried before it could choose)."""
    return ["inbox", "crisis"]


class Webhook(models.Model):
    """An outgoing notification channel: a chat room or a push topic."""

    class Format(models.TextChoices):
        SLACK = "slack", "Slack"
        MATTERMOST = "mattermost", "Mattermost"
        MATRIX = "matrix", "Matrix"
        NTFY = "ntfy", "ntfy"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_webhooks")
    name = models.CharField(_("name"), max_length=120)
    format = models.CharField(_("format"), max_length=12, choices=Format.choices)
    url = models.CharField(_("address"), max_length=500)
    # Matrix: the access token; ntfy: an optional access token. Encrypted at rest.
    secret = EncryptedJSONField(default=dict, blank=True)
    urgent_only = models.BooleanField(_("urgent items only"), default=False)
    # Which topics of notice it carries (keys of `accounts.channels.TOPICS`).
    topics = models.JSONField(_("topics"), default=default_webhook_topics, blank=True)
    enabled = models.BooleanField(pgettext_lazy("switch", "On"), default=True)
    last_status = models.CharField(max_length=200, blank=True)
    # A refusal in parvis's own words ("parvis does not connect there…") as
    # `core.texts.Text` JSON, read in each reader's language; null for a server's
    # answer ("HTTP 404") and for rows from before.
    last_status_text = models.JSONField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    @property
    def shown_last_status(self) -> str:
        return shown(self.last_status_text, self.last_status) if self.last_status else ""

    @property
    def topic_labels(self) -> list[str]:
        """What it carries, in the reader's language."""
        from parvis.accounts.channels import BY_KEY

        return [str(BY_KEY[key].label) for key in self.topics or [] if key in BY_KEY]


class CrisisAlert(models.Model):
    """A rise of negative or toxic items far above the workspace's usual level."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="crisis_alerts")
    started_at = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveIntegerField()  # negative or toxic items in the window
    usual = models.FloatField()  # the usual level for such a window
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")

    class Meta:
        ordering = ["-started_at"]


class WorkspaceModel(models.Model):
    """A workspace's own sentiment and flag model, retrained on its people's corrections."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="inbox_model")
    data = models.BinaryField()
    corrections = models.PositiveIntegerField(default=0)  # how many corrections it learnt from
    trained_at = models.DateTimeField(auto_now=True)

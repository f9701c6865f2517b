"""Posts, their media, and publications: one post on one account, with its own fate."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import ClientApprover, Workspace
from parvis.core.texts import shown
from parvis.networks.models import SocialAccount


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=120)
    # Lower-case, URL-safe: what goes into utm_campaign.
    slug = models.SlugField(_("UTM name"), max_length=120, allow_unicode=False)
    colour = models.CharField(_("colour"), max_length=7, default="#5b6ee1")
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_campaign_name")]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("name"), max_length=60)
    colour = models.CharField(_("colour"), max_length=7, default="#888888")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_label_name")]

    def __str__(self) -> str:
        return self.name


class ApprovalState(models.TextChoices):
    NONE = "none", _("Not sent for review")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class Series(models.Model):
    """A recurring post: an RFC 5545 rule, read in wall-clock time of `timezone`, so that
    "every Monday 09:00" stays 09:00 across daylight-saving changes. Occurrences are
    ordinary posts (`Post.series`), created ahead of time from the template post."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="series")
    template = models.ForeignKey("Post", on_delete=models.SET_NULL, null=True, related_name="+")
    rrule = models.CharField(_("repeat rule"), max_length=500)
    starts_at_local = models.CharField(_("first occurrence"), max_length=19)  # "2026-03-02T09:00:00"
    timezone = models.CharField(_("time zone"), max_length=64)
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveIntegerField(_("number of times"), null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Occurrences exist up to here; the next materialisation continues after it.
    materialised_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.rrule


class PostKind(models.TextChoices):
    POST = "post", _("Post")
    REPLY = "reply", _("Reply")  # an answer written in the inbox, sent at once


class PostManager(models.Manager["Post"]):
    """Posts as the planning screens know them: replies written in the inbox go out
    through the same publications and engine, but are not part of the editorial plan."""

    def get_queryset(self) -> models.QuerySet[Post]:
        return super().get_queryset().exclude(kind=PostKind.REPLY)


class Post(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts")
    text = models.TextField(_("text"))
    # Per-network variant texts, keyed by network key ("mastodon", "bluesky").
    variants = models.JSONField(_("variants"), default=dict, blank=True)
    # Per-network post options, keyed by network key, each checked by its package's
    # options form: {"wordpress": {"title": …}, "instagram": {"first_comment": …}}.
    options = models.JSONField(_("network options"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    is_draft = models.BooleanField(default=False)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    # The zone the time was entered in, to show it back the same way.
    schedule_timezone = models.CharField(max_length=64, blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="posts", verbose_name=_("campaign"))
    labels = models.ManyToManyField(Label, blank=True, related_name="posts", verbose_name=_("labels"))
    approval_state = models.CharField(_("approval"), max_length=20, choices=ApprovalState.choices,
                                      default=ApprovalState.NONE)
    # Bumped on every edit: an approval counts only for the revision it was given on.
    revision = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approval_notice_sent_at = models.DateTimeField(null=True, blank=True)
    series = models.ForeignKey(Series, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="occurrences")
    occurrence_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=PostKind.choices, default=PostKind.POST)
    # The composer's own id for a new post (a UUID made in the browser): a form sent twice
    # (a double tap, a draft kept offline and sent again when the network returns) makes
    # one post. Empty for posts made otherwise.
    client_key = models.CharField(max_length=36, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    with_replies = models.Manager()
    objects = PostManager()

    class Meta:
        ordering = ["-created_at"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["series", "occurrence_at"], name="one_post_per_occurrence"),
            models.UniqueConstraint(fields=["workspace", "client_key"], condition=~models.Q(client_key=""),
                                    name="one_post_per_client_key"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def text_for(self, network: str) -> str:
        return (self.variants or {}).get(network) or self.text


    @property
    def needs_approval(self) -> bool:
        return EditorialSettings.of(self.workspace).requires_approval and self.approval_state != ApprovalState.APPROVED


def media_path(instance: PostMedia | MediaAsset, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    workspace_id = instance.workspace_id if isinstance(instance, MediaAsset) else instance.post.workspace_id
    return f"w{workspace_id}/{uuid.uuid4().hex}.{ext}"


class MediaAsset(models.Model):
    """An image or video of the workspace's library, uploaded once and reused, with its
    usage rights ("achat d'art"): where it comes from, under which licence, until when."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media_assets")
    file = models.FileField(upload_to=media_path)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    alt_text = models.TextField(_("alt text"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    licence = models.CharField(_("licence"), max_length=255, blank=True)
    rights_expire_on = models.DateField(_("rights expire on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name or f"media {self.pk}"


class PostMedia(models.Model):
    """A library asset used by a post, at a position, with the alt text for this post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="uses")
    position = models.PositiveSmallIntegerField(default=0)
    # Blank: the asset's own alt text applies (read at publication time).
    alt_text = models.TextField(_("alt text"), blank=True)

    class Meta:
        ordering = ["position", "pk"]

    @property
    def effective_alt_text(self) -> str:
        return self.alt_text or self.asset.alt_text


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    # The network is processing a step (a video container): nothing is held meanwhile,
    # the engine comes back at `next_attempt_at` with the recorded `progress`.
    PROCESSING = "processing", _("Network processing")
    # An attempt may have reached the network, which cannot say whether the post is
    # there: never sent again blindly, a person decides ("it is there" / "send it again").
    TO_CHECK = "to_check", _("To check")


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
    # Put in its account's queue ("add to queue"): moved when the queue is reordered or
    # shuffled, held while the queue is paused.
    in_queue = models.BooleanField(default=False)
    # For a reply from the inbox: `ReplyTarget` fields (remote_id, root_id, extra).
    reply_to = models.JSONField(null=True, blank=True)
    # What the network's steps recorded so far (a container id and when it was made),
    # written by the lease holder as soon as each step is done: a crash resumes from it.
    progress = models.JSONField(default=dict, blank=True)
    remote_id = models.CharField(max_length=500, blank=True)
    remote_url = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Why it failed (or is being retried): `error` as written then, in the writer's
    # language; `error_text` keeps parvis's own words as `core.texts.Text` JSON, to be
    # read in each reader's language (`shown_error`). Null for rows from before, and
    # for reasons that are only a network's own words.
    error = models.TextField(blank=True)
    error_text = models.JSONField(null=True, blank=True)
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
            # The calendar reads each day's first events in time order across workspaces.
            models.Index(fields=["due_at", "post"], name="pub_due_post_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id}→{self.account_id} {self.state}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def shown_error(self) -> str:
        """Why it failed, in the active language ("" once the error was cleared)."""
        return shown(self.error_text, self.error) if self.error else ""


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
    error_text = models.JSONField(null=True, blank=True)  # as on Publication

    class Meta:
        ordering = ["started_at", "pk"]

    @property
    def shown_error(self) -> str:
        return shown(self.error_text, self.error) if self.error else ""


class Approval(models.Model):
    """One approver's decision on one revision of a post."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approvals")
    revision = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    client = models.ForeignKey(ClientApprover, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="approvals")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class Comment(models.Model):
    """A message on a post. Review comments are seen by client approvers in the portal;
    internal ones (team notes, @mentions) never are."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    client = models.ForeignKey(ClientApprover, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="comments")
    author_label = models.CharField(max_length=255)
    body = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal"), default=False)
    # "comment", or the review event it goes with: "submitted", "approved", "changes_requested".
    kind = models.CharField(max_length=20, default="comment")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class ApprovalMode(models.TextChoices):
    ANY = "any", _("Any approver")
    ALL = "all", _("All named approvers")


class EditorialSettings(models.Model):
    """A workspace's editorial workflow: whether posts need approval, the crisis pause, and
    the private calendar feed.

    Every workspace has its row: the data migration made one for each workspace that
    existed, and `ensure_editorial_settings` (connected in `PublishingConfig.ready`) makes
    one whenever a workspace is created, by whatever path (the accounts app must not know
    about publishing). We keep that invariant rather than reading a missing row as the
    defaults because the engine's release rule is a join (`released_filter`): with the row
    always there, that query, `is_released` and every page read the same columns, with no
    "no row" case to get right in each of them. `of` still creates a missing row, so a
    workspace made behind the ORM's back (raw SQL, `bulk_create`) heals on first use.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="editorial")
    # Editorial workflow: posts need a validation before they may go out.
    requires_approval = models.BooleanField(_("posts need approval"), default=False)
    approval_mode = models.CharField(
        _("approval by"), max_length=8, choices=ApprovalMode.choices, default=ApprovalMode.ANY
    )
    approval_notice_hours = models.PositiveIntegerField(
        _("warn before an unapproved post's time (hours)"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )
    # Crisis pause: while set, nothing scheduled in this workspace is published.
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(_("reason"), blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Private calendar feed: only a hash of the token is kept.
    ics_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # When the current feed token was issued (the address itself is shown only then).
    ics_token_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("editorial settings")
        verbose_name_plural = _("editorial settings")

    def __str__(self) -> str:
        return str(self.workspace_id)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @classmethod
    def of(cls, workspace: Workspace) -> EditorialSettings:
        """The workspace's settings: the ones already loaded with it (`select_related`, an
        earlier read) cost no query."""
        try:
            return workspace.editorial
        except cls.DoesNotExist:
            found, _created = cls.objects.get_or_create(workspace=workspace)
            workspace.editorial = found
            return found


def ensure_editorial_settings(sender: type[Workspace], instance: Workspace, created: bool, raw: bool,
                              **kwargs: object) -> None:
    """A new workspace gets its editorial settings (see `EditorialSettings`). Not while
    loading a fixture (`raw`): the fixture carries the rows it needs."""
    if created and not raw:
        instance.editorial = EditorialSettings.objects.create(workspace=instance)


class Charter(models.Model):
    """A workspace's editorial charter. Every rule listed in `blocking` stops scheduling;
    the others are warnings shown in the composer."""

    class LinkPolicy(models.TextChoices):
        ANY = "any", _("Any link")
        ALLOWED_DOMAINS = "allowed", _("Only links to the allowed domains")
        NONE = "none", _("No links")

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="charter")
    banned_terms = models.JSONField(_("banned words and expressions"), default=list, blank=True)
    required_hashtags = models.JSONField(_("required hashtags"), default=list, blank=True)
    required_mentions = models.JSONField(_("required mentions"), default=list, blank=True)
    max_hashtags = models.PositiveIntegerField(_("maximum hashtags"), null=True, blank=True)
    max_emojis = models.PositiveIntegerField(_("maximum emojis"), null=True, blank=True)
    require_alt_text = models.BooleanField(_("alt text required on images"), default=False)
    allowed_languages = models.JSONField(_("allowed languages"), default=list, blank=True)
    link_policy = models.CharField(_("links"), max_length=10, choices=LinkPolicy.choices,
                                   default=LinkPolicy.ANY)
    allowed_domains = models.JSONField(_("allowed domains"), default=list, blank=True)
    blocked_domains = models.JSONField(_("blocked domains"), default=list, blank=True)
    blocking = models.JSONField(_("blocking rules"), default=list, blank=True)
    utm_enabled = models.BooleanField(_("add UTM parameters to links"), default=False)
    # Links sent through parvis's own short links (counted clicks; analytics.links).
    short_links = models.BooleanField(_("shorten links through parvis"), default=False)
    updated_at = models.DateTimeField(auto_now=True)


class AccountQueue(models.Model):
    """An account's posting queue, as in Buffer: weekly slots, paused or not."""

    account = models.OneToOneField(SocialAccount, on_delete=models.CASCADE, related_name="queue")
    paused = models.BooleanField(_("paused"), default=False)


class QueueSlot(models.Model):
    """A weekly posting time, in the workspace's time zone ("Tue 09:00")."""

    queue = models.ForeignKey(AccountQueue, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("day"))  # 0 = Monday, as in Python
    time = models.TimeField(_("time"))

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [models.UniqueConstraint(fields=["queue", "weekday", "time"], name="unique_queue_slot")]


class ImportBatch(models.Model):
    """A CSV import: parsed and validated first (`rows`, with their errors), then the valid
    rows are created in the background, with progress kept here for the page to show."""

    class Status(models.TextChoices):
        VALIDATED = "validated", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    filename = models.CharField(max_length=255)
    encoding = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALIDATED)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_posts = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The run importing it holds a lease, renewed as it goes (see `importer/lease.py`): a run
    # whose lease ran out died, and the batch is queued again.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Mission(models.Model):
    """What a freelancer's contract promises for one month and one network ("20 posts on
    Instagram"). A contract carries on until changed: a month without rows reads the
    latest earlier month's, and gets them as its own once it has begun (`missions.py`),
    so that editing one month never changes another. A row promising 0 only marks a
    contract ended in its month (nothing is carried past it)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="missions")
    month = models.DateField(_("month"))  # its first day, in the workspace's time zone
    network = models.CharField(_("network"), max_length=32)  # a registry key (no choices: see SocialAccount)
    promised = models.PositiveIntegerField(_("promised"))
    # When the owners were told this month's plan for this network fell short (once).
    warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month", "network"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "month", "network"], name="one_mission_per_network_month")
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.month:%Y-%m} {self.network} {self.promised}"

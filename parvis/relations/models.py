"""Relations: the people a brand works with outside its own accounts.

Contacts belong to an organisation (the agency) and are shared by the workspaces (brands)
that work with them; what happens with one brand (an invitation, a parcel, a gift, a post
about it) belongs to that brand's workspace. Everything about one person hangs from their
`Contact` row (cascades), so erasing a person is deleting that row (`people.erase`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Organisation, Workspace
from parvis.core.crypto import EncryptedJSONField
from parvis.publishing.models import Post

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class ContactKind(models.TextChoices):
    BLOGGER = "blogger", _("blogger")
    INFLUENCER = "influencer", _("influencer")
    JOURNALIST = "journalist", _("journalist")
    AMBASSADOR = "ambassador", _("ambassador")
    OUTLET = "outlet", _("outlet")
    OTHER = "other", _("other")


class RelationsSettings(models.Model):
    """An organisation's choices for relations: the notice sent at first contact, the
    retention period, the written-contract threshold of the influencer law (decrees change
    it, so it is a setting), and the La Poste tracking key (the user's own)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="relations_settings")
    notice_subject = models.CharField(_("notice subject"), max_length=200, blank=True)
    notice_body = models.TextField(_("notice text"), blank=True)
    retention_years = models.PositiveSmallIntegerField(_("retention (years after the last contact)"), default=3)
    contract_threshold = models.DecimalField(_("written contract from (EUR)"), default=Decimal("1000.00"), **MONEY)
    tracking_credentials = EncryptedJSONField(default=dict)  # {"laposte": "<X-Okapi-Key>"}
    updated_at = models.DateTimeField(auto_now=True)


class Tag(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contact_tags")
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_contact_tag")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=12, choices=ContactKind.choices, default=ContactKind.BLOGGER)
    name = models.CharField(_("name"), max_length=200)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    outlet = models.CharField(_("outlet"), max_length=200, blank=True)  # the blog, magazine, channel
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    other_emails = models.JSONField(default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=500, blank=True)
    # The postal address, for parcels (erased with the person).
    street = models.CharField(_("street"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    topics = models.JSONField(default=list, blank=True)  # ["cuisine", "Lyon", …]
    notes = models.TextField(_("notes"), blank=True)
    # A blog's or outlet's own audience (monthly visitors, readers), when known.
    audience = models.PositiveIntegerField(_("audience"), null=True, blank=True)
    audience_read_on = models.DateField(_("audience read on"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    # Personal data (GDPR): where the data came from, when the notice went out, and the
    # retention clock, which starts again at every contact.
    source = models.CharField(_("source"), max_length=200, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    # A person who decided to keep the contact past its review (the reason is in `kept_reason`).
    kept_until = models.DateField(null=True, blank=True)
    kept_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organisation", "name"], name="relations_contact_name"),
            models.Index(fields=["organisation", "last_contact_at"], name="relations_contact_retention"),
            models.Index(fields=["organisation", "email"], name="relations_contact_email"),
        ]

    def __str__(self) -> str:
        return self.name


class Handle(models.Model):
    """A contact's account on one network, linked to the inbox's authors by network and key
    (user@domain, a DID…) so that their past interactions with each brand show."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="handles")
    network = models.CharField(max_length=32)
    handle = models.CharField(max_length=300)
    key = models.CharField(max_length=300, blank=True)  # the inbox Author.key when known
    url = models.CharField(max_length=500, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    followers_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["network", "handle"]
        constraints = [models.UniqueConstraint(fields=["contact", "network", "handle"], name="unique_contact_handle")]
        indexes = [models.Index(fields=["network", "key"], name="relations_handle_key"),
                   models.Index(fields=["network", "handle"], name="relations_handle_handle")]


class ContactList(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contact_lists")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    contacts = models.ManyToManyField(Contact, blank=True, related_name="lists")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_contact_list")]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """An email parvis sent to a contact (the GDPR notice, an invitation, a reminder, a
    thank-you, a winner's message): the contact's timeline and the retention clock."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("privacy notice")
        INVITATION = "invitation", _("invitation")
        OFFER = "offer", _("place offered")
        REMINDER = "reminder", _("reminder")
        THANKS = "thanks", _("thank-you")
        OTHER = "other", _("message")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["contact", "-sent_at"], name="relations_message_contact")]


class Event(models.Model):
    """A launch, a blogger evening: for one brand."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("invitations open")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="relation_events")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)  # people, plus-ones included
    plus_ones = models.PositiveSmallIntegerField(_("plus-ones allowed per guest"), default=0)
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    # How long a freed place offered to the next on the waitlist stays theirs.
    offer_hours = models.PositiveSmallIntegerField(_("hours to accept a freed place"), default=48)
    remind_hours = models.PositiveSmallIntegerField(_("reminder (hours before)"), default=48)
    remind_at = models.DateTimeField(null=True, blank=True)  # due time of the reminders (sweep)
    reminded_at = models.DateTimeField(null=True, blank=True)
    hashtags = models.CharField(_("hashtags and mentions to look for"), max_length=300, blank=True)
    # What one guest's invitation is worth (meal, gifts): a benefit in the gifts ledger.
    value_per_guest = models.DecimalField(_("value per guest (EUR)"), null=True, blank=True, **MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Mixed into every guest's link: changing it (a leak) cancels all the links at once.
    link_secret = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-starts_at"], name="relations_event_list"),
                   models.Index(fields=["remind_at"], name="relations_event_remind")]

    def __str__(self) -> str:
        return self.name


class Decision(models.TextChoices):
    CONSIDERED = "considered", _("considered")
    INVITED = "invited", _("invited")
    WAITLIST = "waitlist", _("waitlist")
    NOT_THIS_TIME = "not_now", _("not this time")


class Reason(models.TextChoices):
    """Why someone was not invited this time (the invitation memory counts them)."""

    CAPACITY = "capacity", _("capacity")
    OFF_TOPIC = "off_topic", _("off-topic")
    BUDGET = "budget", _("budget")
    CLIENT = "client", _("the client's choice")
    OTHER = "other", _("other")


class Answer(models.TextChoices):
    PENDING = "pending", _("no answer yet")
    YES = "yes", _("yes")
    NO = "no", _("no")
    MAYBE = "maybe", _("maybe")


class Guest(models.Model):
    """A contact on an event's list: the decision (with its reason), the invitation, the
    answer given by the personal link, and the check-in at the door."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="guests")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="guest_entries")
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.CONSIDERED)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    reason_note = models.CharField(max_length=300, blank=True)
    waitlist_rank = models.PositiveIntegerField(null=True, blank=True)
    # Changing it cancels this guest's link (a new one is sent); it finds the guest from their
    # link and their door code (events.tokens), hence the index.
    link_nonce = models.CharField(max_length=32, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)  # the invitation email went out
    offer_expires_at = models.DateTimeField(null=True, blank=True)  # a freed place offered to them
    answer = models.CharField(max_length=8, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    companions = models.JSONField(default=list, blank=True)  # the plus-ones' names
    dietary = models.CharField(_("dietary needs"), max_length=300, blank=True)
    photo_consent = models.BooleanField(_("photo consent"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    arrived = models.PositiveSmallIntegerField(default=0)  # people through the door, plus-ones included
    thanked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "contact__name", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "contact"], name="unique_event_guest")]
        indexes = [models.Index(fields=["contact", "decision"], name="relations_guest_memory"),
                   models.Index(fields=["event", "decision", "waitlist_rank"], name="relations_guest_waitlist"),
                   models.Index(fields=["offer_expires_at"], name="relations_guest_offer")]

    @property
    def places(self) -> int:
        """Seats this guest takes when coming: themselves and their named plus-ones."""
        return 1 + len(self.companions)


class DecisionLog(models.Model):
    """Every decision taken on a guest, with its reason: the invitation memory."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]


class CheckIn(models.Model):
    """One scan at the door. Scans made offline are sent later with their own id, so a
    scan synced twice counts once."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="check_ins")
    client_id = models.CharField(max_length=64, unique=True)
    people = models.PositiveSmallIntegerField(default=1)
    scanned_at = models.DateTimeField()  # on the phone, when it was scanned
    synced_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")


class Carrier(models.TextChoices):
    COLISSIMO = "colissimo", "Colissimo"
    CHRONOPOST = "chronopost", "Chronopost"
    LETTRE_SUIVIE = "lettre_suivie", _("Lettre suivie")
    MONDIAL_RELAY = "mondial_relay", "Mondial Relay"
    COLIS_PRIVE = "colis_prive", "Colis Privé"
    DPD = "dpd", "DPD"
    DHL = "dhl", "DHL"
    UPS = "ups", "UPS"
    OTHER = "other", _("other")


class ParcelStatus(models.TextChoices):
    PREPARING = "preparing", _("being prepared")
    SENT = "sent", _("sent")
    IN_TRANSIT = "in_transit", _("in transit")
    OUT_FOR_DELIVERY = "delivering", _("out for delivery")
    AWAITING_PICKUP = "pickup", _("awaiting pickup")
    DELIVERED = "delivered", _("delivered")
    RETURNED = "returned", _("returned to sender")
    PROBLEM = "problem", _("problem")


class Parcel(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="parcels")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="parcels")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="parcels")
    contents = models.CharField(_("contents"), max_length=500)
    declared_value = models.DecimalField(_("declared value (EUR)"), default=Decimal("0"), **MONEY)
    address = models.TextField(_("address"), blank=True)  # as sent (erased with the person)
    carrier = models.CharField(_("carrier"), max_length=16, choices=Carrier.choices, default=Carrier.COLISSIMO)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ParcelStatus.choices,
                              default=ParcelStatus.PREPARING)
    status_label = models.CharField(max_length=300, blank=True)  # the carrier's own words
    status_at = models.DateTimeField(null=True, blank=True)
    # Refreshed from the carrier's API (when it has one and the key is set) at `check_at`.
    follow = models.BooleanField(default=False)
    check_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # When the sweep queued its check: a check lost with its worker is queued again later.
    check_queued_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=300, blank=True)
    check_error_text = models.JSONField(null=True, blank=True)  # check_error as a `Text`, read in each language
    failures = models.PositiveSmallIntegerField(default=0)
    events = models.JSONField(default=list, blank=True)  # the carrier's steps: [{"at", "code", "label"}]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["check_at"], name="relations_parcel_check",
                                condition=models.Q(follow=True))]


class Gift(models.Model):
    """A benefit given to an influencer (law 2023-451): an invitation, a parcel, a fee.
    Parcels and attended invitations add theirs by themselves (linked, so they follow)."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        PARCEL = "parcel", _("parcel")
        FEE = "fee", _("fee")
        OTHER = "other", _("other benefit")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="gifts")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="gifts")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300)
    value = models.DecimalField(_("value (EUR)"), **MONEY)
    given_on = models.DateField(_("given on"))
    parcel = models.OneToOneField(Parcel, on_delete=models.CASCADE, null=True, blank=True, related_name="gift")
    guest = models.OneToOneField(Guest, on_delete=models.CASCADE, null=True, blank=True, related_name="gift")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["contact", "workspace", "given_on"], name="relations_gift_ledger")]


class Mention(models.Model):
    """A contact's post about a brand, found by the inbox or la veille: on their timeline,
    after an event (who posted), and checked for the advertising mention the law asks."""

    class Disclosure(models.TextChoices):
        NOT_NEEDED = "not_needed", _("no benefit given")
        PRESENT = "present", _("mention present")
        MISSING = "missing", _("mention missing")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="mentions")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contact_mentions")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions")
    network = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)  # plain text, untrusted: always escaped when shown
    published_at = models.DateTimeField()
    found_via = models.CharField(max_length=12)  # "inbox" or "veille"
    disclosure = models.CharField(max_length=12, choices=Disclosure.choices, default=Disclosure.NOT_NEEDED)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["contact", "workspace", "network", "remote_id"],
                                               name="unique_contact_mention")]
        indexes = [models.Index(fields=["workspace", "disclosure"], name="relations_mention_flag")]


class Cursor(models.Model):
    """How far a relations sweep has read an append-mostly table (the inbox's items, la
    veille's hits): the last id it looked at, so that each pass reads only what is new."""

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)


class Contest(models.Model):
    """A contest on one of the brand's posts, drawn with parvis-draw-v1 (`draw.py`): the
    seed is kept encrypted until the draw and only its hash is public before."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        DRAWN = "drawn", _("drawn")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contests")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="contests")
    name = models.CharField(_("name"), max_length=200)
    prize = models.CharField(_("prize"), max_length=500)
    prize_value = models.DecimalField(_("prize value (EUR)"), max_digits=12, decimal_places=2, null=True,
                                      blank=True)
    organiser = models.CharField(_("organiser (name and address)"), max_length=500)
    language = models.CharField(_("language of the rules"), max_length=8, default="fr")
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    winners = models.PositiveSmallIntegerField(_("winners"), default=1)
    alternates = models.PositiveSmallIntegerField(_("alternates"), default=2)
    public_value_rule = models.CharField(_("public value used"), max_length=300, blank=True)
    public_value = models.CharField(_("public value"), max_length=300, blank=True)
    # How one enters: any of "reply", "repost", "like", "follow"; and the conditions on entrants.
    ways = models.JSONField(default=list)
    must_follow = models.BooleanField(_("entrants must follow the account"), default=False)
    hashtag = models.CharField(_("required hashtag"), max_length=100, blank=True)
    mentions = models.PositiveSmallIntegerField(_("mentions required"), default=0)
    exclude_new_accounts = models.BooleanField(_("exclude accounts created after the start"), default=True)
    exclude_bots = models.BooleanField(_("exclude bot accounts"), default=True)
    staff = models.TextField(_("staff accounts excluded (one per line)"), blank=True)
    answer_days = models.PositiveSmallIntegerField(_("days a winner has to answer"), default=7)
    rules_text = models.TextField(_("rules"), blank=True)  # the règlement, drafted then edited
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    seed = EncryptedJSONField(default=dict)  # {"hex": S} until published in the proof
    commitment = models.CharField(max_length=64, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    proof_token = models.CharField(max_length=32, unique=True)  # the public page's address
    collected_at = models.DateTimeField(null=True, blank=True)
    collect_cursor = models.JSONField(default=dict, blank=True)  # per publication and way, to resume
    # The due time of the next collection (a sweep claims it), and when a job took it: a
    # job lost with its worker is taken again once the lease has run out.
    collect_at = models.DateTimeField(null=True, blank=True)
    collect_taken_at = models.DateTimeField(null=True, blank=True)
    proof = models.JSONField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-closes_at", "-id"]
        indexes = [models.Index(fields=["collect_at"], name="relations_contest_collect")]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """One person who took part, by the network's stable id (never the handle); what they
    did is kept in `ways`, and an exclusion keeps its reason."""

    class Excluded(models.TextChoices):
        NOT_FOLLOWING = "not_following", _("does not follow the account")
        NO_HASHTAG = "no_hashtag", _("without the hashtag")
        MENTIONS = "mentions", _("not enough mentions")
        NEW_ACCOUNT = "new_account", _("account created after the start")
        STAFF = "staff", _("staff")
        BOT = "bot", _("bot account")
        LATE = "late", _("after the close")
        OWN_ACCOUNT = "own", _("the brand's own account")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    network = models.CharField(max_length=32)
    stable_id = models.CharField(max_length=300)
    handle = models.CharField(max_length=300)
    display_name = models.CharField(max_length=300, blank=True)
    ways = models.JSONField(default=list)  # ["reply", "like"]
    actions = models.PositiveIntegerField(default=1)  # how many times they entered (counted once)
    text = models.TextField(blank=True)  # the reply that qualified, untrusted
    reply_remote_id = models.CharField(max_length=500, blank=True)  # that reply, to answer it in public
    # Every action read, by a key that names it (publication, way, the action's own id), with
    # its time, and a reply's text: a page read twice (a resumed collection) counts nothing twice.
    seen = models.JSONField(default=dict, blank=True)
    account_created_at = models.DateTimeField(null=True, blank=True)
    bot = models.BooleanField(default=False)
    follows = models.BooleanField(null=True)  # null: not checked (no rule asks it)
    first_at = models.DateTimeField()
    excluded = models.CharField(max_length=16, choices=Excluded.choices, blank=True)
    excluded_detail = models.JSONField(null=True, blank=True)  # why, as a `Text`, read in each language

    class Meta:
        ordering = ["network", "stable_id"]
        constraints = [models.UniqueConstraint(fields=["contest", "network", "stable_id"], name="unique_contest_entry")]

    @property
    def draw_id(self) -> str:
        return f"{self.network}:{self.stable_id}"


class Winner(models.Model):
    """A pick of the draw, in its order: the first `winners` win, then the alternates
    replace, in order, a winner who did not answer in time."""

    class Status(models.TextChoices):
        ALTERNATE = "alternate", _("alternate")
        DRAWN = "drawn", _("drawn")
        CONTACTED = "contacted", _("contacted")
        CONFIRMED = "confirmed", _("confirmed")
        NO_ANSWER = "no_answer", _("did not answer")
        DECLINED = "declined", _("declined")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="picks")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()  # 0-based index in the proof's picks
    status = models.CharField(max_length=10, choices=Status.choices)
    contacted_at = models.DateTimeField(null=True, blank=True)
    answer_by = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contacted_via = models.CharField(max_length=8, blank=True)  # "direct", "reply" or "mention"
    # The public reply or mention that told them, when no private message could (approval may hold it).
    contact_post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["contest", "rank"]
        constraints = [models.UniqueConstraint(fields=["contest", "rank"], name="unique_contest_pick")]
        indexes = [models.Index(fields=["status", "answer_by"], name="relations_winner_answer_by")]

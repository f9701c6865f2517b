"""Events and their guest list: the event's settings checked field by field, contacts and
lists added as considered, and every decision on a guest logged with its reason.

The log is the invitation memory (`memory`): the people a brand keeps considering and
never invites, with the reasons given each time, so a CM sees "third time not invited,
twice for capacity" before deciding again.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.accounts.models import Organisation, User, Workspace
from parvis.core.texts import WordedError
from parvis.relations.models import (
    Answer,
    Contact,
    ContactList,
    Decision,
    DecisionLog,
    Event,
    Guest,
    Reason,
)

MOST_PLUS_ONES = 10
MOST_HOURS = 24 * 30  # offers and reminders: a month at most
NAME_LENGTH = 200
HASHTAGS_LENGTH = 300
NOTE_LENGTH = 300
# A hashtag or a mention as people type them: #Printemps2026, @brand, @brand@brand.social.
TAG = re.compile(r"[#@][^\W_]?[\w.@-]*\w", re.UNICODE)
EDITABLE = ("name", "description", "starts_at", "ends_at", "place", "address", "capacity", "plus_ones",
            "answer_by", "offer_hours", "remind_hours", "hashtags", "value_per_guest")


class EventError(WordedError, ValueError):
    """Bad input, with the field a person must correct (the web and the API both say it)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def new_secret() -> str:
    return secrets.token_hex(32)


def new_nonce() -> str:
    return secrets.token_hex(16)


# -- the event -------------------------------------------------------------------------------------

def parse_hashtags(raw: str) -> str:
    """"#Printemps, @brand  printemps2026" → "#Printemps @brand #printemps2026": a bare
    word is taken as a hashtag; duplicates (whatever their case) kept once."""
    found: dict[str, str] = {}
    for word in re.split(r"[\s,;]+", raw.strip()):
        if not word:
            continue
        if word[0] not in "#@":
            word = f"#{word}"
        if not TAG.fullmatch(word):
            raise EventError(_("%(word)s is not a hashtag or a mention.") % {"word": word}, "hashtags")
        found.setdefault(word.casefold(), word)
    text = " ".join(found.values())
    if len(text) > HASHTAGS_LENGTH:
        raise EventError(_("At most %(max)d characters.") % {"max": HASHTAGS_LENGTH}, "hashtags")
    return text


def hashtag_list(event: Event) -> list[str]:
    return event.hashtags.split() if event.hashtags else []


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and timezone.is_naive(value):
        raise EventError(_("Give a date and time with its time zone."), name)


def check_event(event: Event) -> None:
    """EventError naming the first field a person must correct; cleans the text fields."""
    event.name = " ".join(event.name.split())
    if not event.name:
        raise EventError(_("Give the event a name."), "name")
    if len(event.name) > NAME_LENGTH:
        raise EventError(_("At most %(max)d characters.") % {"max": NAME_LENGTH}, "name")
    if event.starts_at is None:
        raise EventError(_("Say when the event starts."), "starts_at")
    if event.ends_at is None:
        raise EventError(_("Say when the event ends."), "ends_at")
    for name in ("starts_at", "ends_at", "answer_by"):
        _aware(getattr(event, name), name)
    if event.ends_at <= event.starts_at:
        raise EventError(_("The event must end after it starts."), "ends_at")
    if event.capacity is not None and event.capacity < 1:
        raise EventError(_("At least one person, or leave it empty for no limit."), "capacity")
    if not 0 <= event.plus_ones <= MOST_PLUS_ONES:
        raise EventError(_("From 0 to %(max)d plus-ones.") % {"max": MOST_PLUS_ONES}, "plus_ones")
    if event.answer_by is not None and event.answer_by >= event.starts_at:
        raise EventError(_("Answers must be due before the event starts."), "answer_by")
    for name in ("offer_hours", "remind_hours"):
        if not 1 <= getattr(event, name) <= MOST_HOURS:
            raise EventError(_("From 1 to %(max)d hours.") % {"max": MOST_HOURS}, name)
    if event.value_per_guest is not None and event.value_per_guest < Decimal("0"):
        raise EventError(_("A value cannot be negative."), "value_per_guest")
    event.hashtags = parse_hashtags(event.hashtags)
    _check_capacity_holds(event)


def _check_capacity_holds(event: Event) -> None:
    # A smaller room must still hold the people who said yes: they are not uninvited silently.
    if event.pk is None or event.capacity is None:
        return
    taken = coming_places(event)
    if taken > event.capacity:
        raise EventError(ngettext("%(count)d person is already coming.", "%(count)d people are already coming.",
                                  taken) % {"count": taken}, "capacity")


def coming_places(event: Event) -> int:
    """Places taken by invited guests who said yes, their plus-ones included."""
    rows = Guest.objects.filter(event=event, decision=Decision.INVITED, answer=Answer.YES).values_list(
        "companions", flat=True)
    return sum(1 + len(companions or []) for companions in rows)


def _plan_reminder(event: Event) -> None:
    if event.reminded_at is None:
        event.remind_at = event.starts_at - timedelta(hours=event.remind_hours)


def create_event(workspace: Workspace, fields: Mapping[str, Any], by: User | None, now: datetime) -> Event:
    """A new draft event in `workspace`, checked (EventError names the field)."""
    event = Event(workspace=workspace, created_by=by, created_at=now, link_secret=new_secret(),
                  **{name: value for name, value in fields.items() if name in EDITABLE})
    check_event(event)
    _plan_reminder(event)
    event.save()
    return event


def update_event(event: Event, fields: Mapping[str, Any]) -> Event:
    """The event with `fields` changed and checked; nothing is saved on an error."""
    for name, value in fields.items():
        if name not in EDITABLE:
            raise EventError(_("This field cannot be changed."), name)
        setattr(event, name, value)
    check_event(event)
    _plan_reminder(event)
    event.save()
    return event


def cancel_links(event: Event) -> None:
    """Every guest's link and door code stop working (a list leaked): send them again."""
    event.link_secret = new_secret()
    event.save(update_fields=["link_secret"])


def cancel_guest_link(guest: Guest) -> None:
    guest.link_nonce = new_nonce()
    guest.save(update_fields=["link_nonce"])


# -- the guest list --------------------------------------------------------------------------------

def add_contacts(event: Event, contacts: Iterable[Contact], by: User | None, now: datetime) -> list[Guest]:
    """The contacts not on the list yet, added as considered (each decision logged)."""
    chosen = {contact.pk: contact for contact in contacts}
    organisation_id = event.workspace.organisation_id
    if any(contact.organisation_id != organisation_id for contact in chosen.values()):
        raise EventError(_("These contacts belong to another organisation."), "contacts")
    present = set(Guest.objects.filter(event=event, contact_id__in=chosen).values_list("contact_id", flat=True))
    with transaction.atomic():
        guests = Guest.objects.bulk_create([
            Guest(event=event, contact=contact, link_nonce=new_nonce(), created_at=now)
            for pk, contact in chosen.items() if pk not in present])
        DecisionLog.objects.bulk_create([
            DecisionLog(guest=guest, decision=Decision.CONSIDERED, decided_by=by, decided_at=now) for guest in guests])
    return guests


def add_list(event: Event, contact_list: ContactList, by: User | None, now: datetime) -> list[Guest]:
    if contact_list.organisation_id != event.workspace.organisation_id:
        raise EventError(_("This list belongs to another organisation."), "contact_list")
    return add_contacts(event, contact_list.contacts.all(), by, now)


def decide(guest: Guest, decision: str, reason: str = "", note: str = "", by: User | None = None,
           now: datetime | None = None) -> Guest:
    """Record a decision on a guest, logged every time (the memory counts the reasons)."""
    now = now or timezone.now()
    if decision not in Decision.values:
        raise EventError(_("Choose a decision."), "decision")
    note = " ".join(note.split())
    if len(note) > NOTE_LENGTH:
        raise EventError(_("At most %(max)d characters.") % {"max": NOTE_LENGTH}, "note")
    if decision == Decision.NOT_THIS_TIME and reason not in Reason.values:
        raise EventError(_("Say why this person is not invited this time."), "reason")
    if decision != Decision.NOT_THIS_TIME:
        reason = ""
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=guest.event_id).first()  # one waitlist rank at a time
        guest.refresh_from_db()
        if guest.answer == Answer.YES and guest.decision == Decision.INVITED and decision != Decision.INVITED:
            raise EventError(_("This guest said yes: record their no first."), "decision")
        if decision == Decision.WAITLIST and guest.waitlist_rank is None:
            guest.waitlist_rank = next_rank(guest.event_id)
        elif decision != Decision.WAITLIST:
            guest.waitlist_rank = None
            guest.offer_expires_at = None
        guest.decision, guest.reason, guest.reason_note = decision, reason, note
        guest.save(update_fields=["decision", "reason", "reason_note", "waitlist_rank", "offer_expires_at"])
        DecisionLog.objects.create(guest=guest, decision=decision, reason=reason, note=note, decided_by=by,
                                   decided_at=now)
    return guest


def next_rank(event_id: int) -> int:
    """The rank after the last on the event's waitlist (call it with the event row locked)."""
    last = Guest.objects.filter(event_id=event_id).aggregate(last=Max("waitlist_rank"))["last"]
    return (last or 0) + 1


# -- the invitation memory -------------------------------------------------------------------------

@dataclass
class Remembered:
    """A contact considered again and again and never invited, with why."""

    contact: Contact
    considered: int  # events they were on the list of
    not_this_time: int  # events where the decision was "not this time"
    reasons: dict[str, int] = field(default_factory=dict)  # reason → how many decisions gave it
    last_invited_at: datetime | None = None  # always None: they were never invited


def memory(organisation: Organisation, least: int = 1) -> list[Remembered]:
    """Contacts of `organisation` on at least `least` events' lists and never invited
    (nor sent an invitation), most considered first. Two queries whatever the size."""
    invited = Q(guest_entries__decision=Decision.INVITED) | Q(guest_entries__invited_at__isnull=False)
    rows = (Contact.objects.filter(organisation=organisation)
            .annotate(considered=Count("guest_entries__event", distinct=True),
                      not_now=Count("guest_entries__event", distinct=True,
                                    filter=Q(guest_entries__decision=Decision.NOT_THIS_TIME)),
                      ever_invited=Count("guest_entries", filter=invited))
            .filter(considered__gte=least, ever_invited=0)
            .order_by("-considered", "name", "pk"))
    found = {contact.pk: Remembered(contact, contact.considered, contact.not_now)
             for contact in rows}
    reasons = (DecisionLog.objects.filter(guest__contact_id__in=found, decision=Decision.NOT_THIS_TIME)
               .exclude(reason="").values("guest__contact_id", "reason").annotate(times=Count("pk")))
    for row in reasons:
        found[row["guest__contact_id"]].reasons[row["reason"]] = row["times"]
    return list(found.values())


def places_summary(event: Event) -> dict[str, int]:
    """Counts for the event's page: places coming, offered, and the waitlist's length."""
    now = timezone.now()
    guests = Guest.objects.filter(event=event)
    return guests.aggregate(
        invited=Count("pk", filter=Q(decision=Decision.INVITED)),
        yes=Count("pk", filter=Q(decision=Decision.INVITED, answer=Answer.YES)),
        waitlist=Count("pk", filter=Q(decision=Decision.WAITLIST, waitlist_rank__isnull=False)),
        offered=Count("pk", filter=Q(offer_expires_at__gt=now)),
        arrived=Sum("arrived", default=0),
    )


def with_answers(rows: QuerySet[Event]) -> QuerySet[Event]:
    """The events with their invited guests' answers counted (`yes`, `maybe`, `no`,
    `pending`) and the length of their `waitlist`."""
    invited = Q(guests__decision=Decision.INVITED)
    return rows.annotate(
        yes=Count("guests", filter=invited & Q(guests__answer=Answer.YES)),
        maybe=Count("guests", filter=invited & Q(guests__answer=Answer.MAYBE)),
        no=Count("guests", filter=invited & Q(guests__answer=Answer.NO)),
        pending=Count("guests", filter=invited & Q(guests__answer=Answer.PENDING)),
        waitlist=Count("guests", filter=Q(guests__decision=Decision.WAITLIST, guests__waitlist_rank__isnull=False)))


def listing(workspace: Workspace, now: datetime) -> tuple[list[Event], list[Event]]:
    """The brand's events not over yet (soonest first), then those over (latest first),
    `with_answers`: one query."""
    rows = list(with_answers(Event.objects.filter(workspace=workspace)).order_by("starts_at", "pk"))
    upcoming = [event for event in rows if event.ends_at >= now]
    past = [event for event in reversed(rows) if event.ends_at < now]
    return upcoming, past


def awaiting_invitation(event: Event) -> list[Guest]:
    """Guests decided invited whose invitation has not gone out yet."""
    return list(Guest.objects.filter(event=event, decision=Decision.INVITED, invited_at__isnull=True)
                .select_related("contact").order_by("contact__name", "pk"))


def last_events(contact_ids: Iterable[int], workspaces: Iterable[Workspace], most: int = 3) -> dict[int, list[Guest]]:
    """Each contact's places on the lists of the latest events of `workspaces` (the brands
    the reader sees), newest first, at most `most` each: what the memory page shows."""
    found: dict[int, list[Guest]] = {}
    rows = (Guest.objects.filter(contact_id__in=list(contact_ids), event__workspace__in=list(workspaces))
            .select_related("event").order_by("-event__starts_at", "-pk"))
    for guest in rows:
        kept = found.setdefault(guest.contact_id, [])
        if len(kept) < most:
            kept.append(guest)
    return found

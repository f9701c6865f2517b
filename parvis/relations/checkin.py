"""The door and what follows: the door list, scans (synced later from a phone that was
offline), who came, who posted, the thank-you.

A scan carries its own `client_id`, made on the phone: syncing it twice counts it once.
The phone works from `door_sync_list`, which holds each guest's door-code hash and no
code, so a lost phone gives away no invitation; it hashes what it scans and finds the
guest without the network. A guest who came with a value per guest gets their gift in
the ledger (law 2023-451), linked to their place on the list so that it follows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User
from parvis.relations import tokens
from parvis.relations.events import EventError, hashtag_list
from parvis.relations.models import Answer, CheckIn, Contact, Decision, Event, Gift, Guest, Mention

CLIENT_ID_LENGTH = 64  # CheckIn.client_id
POSTED_DAYS = 7


@dataclass(frozen=True)
class DoorRow:
    guest_id: int
    name: str
    outlet: str
    answer: str
    companions: list[str]
    dietary: str
    photo_consent: bool | None
    arrived: int
    checked_in_at: datetime | None
    code_hash: str


def door_list(event: Event) -> list[DoorRow]:
    """Who is expected (invited, yes or maybe) and who came, by name: the printable list."""
    rows = (Guest.objects.filter(event=event).filter(
        Q(decision=Decision.INVITED, answer__in=(Answer.YES, Answer.MAYBE)) | Q(checked_in_at__isnull=False))
        .select_related("event", "contact").order_by("contact__name", "pk"))
    return [DoorRow(guest.pk, guest.contact.name, guest.contact.outlet, guest.answer, list(guest.companions),
                    guest.dietary, guest.photo_consent, guest.arrived, guest.checked_in_at,
                    tokens.code_hash(tokens.door_code(guest))) for guest in rows]


def door_sync_list(event: Event, now: datetime) -> dict[str, Any]:
    """What the door phone downloads (JSON): the list with each guest's code hash."""
    return {"event": event.pk, "name": event.name, "starts_at": event.starts_at.isoformat(),
            "plus_ones": event.plus_ones, "downloaded_at": now.isoformat(),
            "guests": [{**row.__dict__, "checked_in_at": row.checked_in_at.isoformat() if row.checked_in_at else None}
                       for row in door_list(event)]}


@dataclass(frozen=True)
class Scan:
    """A scan's outcome: `in` (counted now), `already` (came before), `refused`; a scan
    synced again is `duplicate` and counts nothing."""

    status: str
    message: str
    guest: Guest | None = None
    at: datetime | None = None


def _refused(message: str) -> Scan:
    return Scan("refused", message)


def _guest(event: Event, token_or_guest: str | Guest) -> Guest | Scan:
    guest = token_or_guest if isinstance(token_or_guest, Guest) else tokens.guest_for_code(token_or_guest)
    if guest is None:
        return _refused(_("This code is not valid: it was altered or cancelled, or is not an invitation."))
    if guest.event_id != event.pk:
        return _refused(_("This invitation is for another event."))
    if guest.decision != Decision.INVITED:
        return _refused(_("%(name)s is not on the list.") % {"name": guest.contact.name})
    return guest


def _local_time(event: Event, moment: datetime) -> str:
    return f"{moment.astimezone(event.workspace.tz):%H:%M}"


def check_in(event: Event, token_or_guest: str | Guest, people: int, scanned_at: datetime, client_id: str,
             by: User | None) -> Scan:
    """Let a guest in (a scanned door code, or a name ticked on the list)."""
    client_id = client_id.strip()
    if not client_id or len(client_id) > CLIENT_ID_LENGTH:
        raise EventError(_("Each scan needs its own identifier (at most %(max)d characters).")
                         % {"max": CLIENT_ID_LENGTH}, "client_id")
    if timezone.is_naive(scanned_at):
        raise EventError(_("Give a date and time with its time zone."), "scanned_at")
    if not 1 <= people <= 1 + event.plus_ones:
        raise EventError(_("From 1 to %(max)d people.") % {"max": 1 + event.plus_ones}, "people")
    seen = CheckIn.objects.filter(client_id=client_id).select_related("guest").first()
    if seen is not None:
        return Scan("duplicate", _("This scan was already counted."), seen.guest, seen.scanned_at)
    found = _guest(event, token_or_guest)
    if isinstance(found, Scan):
        return found
    with transaction.atomic():
        guest = Guest.objects.select_for_update().select_related("contact").get(pk=found.pk)
        if guest.checked_in_at is not None:
            return _already(event, guest, scanned_at)
        try:
            with transaction.atomic():
                CheckIn.objects.create(guest=guest, client_id=client_id, people=people, scanned_at=scanned_at, by=by)
        except IntegrityError:  # the same scan synced by two requests at once
            return Scan("duplicate", _("This scan was already counted."), guest, scanned_at)
        guest.checked_in_at, guest.arrived = scanned_at, people
        guest.save(update_fields=["checked_in_at", "arrived"])
        _record_gift(event, guest, by)
    return Scan("in", _("Welcome, %(name)s.") % {"name": guest.contact.name}, guest, scanned_at)


def _already(event: Event, guest: Guest, scanned_at: datetime) -> Scan:
    if scanned_at < guest.checked_in_at:  # type: ignore[operator]
        # Two phones offline, synced in the wrong order: they came at the first scan.
        guest.checked_in_at = scanned_at
        guest.save(update_fields=["checked_in_at"])
    first = guest.checked_in_at
    assert first is not None
    return Scan("already", _("Already in at %(time)s.") % {"time": _local_time(event, first)}, guest, first)


def _record_gift(event: Event, guest: Guest, by: User | None) -> None:
    if event.value_per_guest is None:
        return
    Gift.objects.update_or_create(guest=guest, defaults={
        "workspace_id": event.workspace_id, "contact_id": guest.contact_id, "kind": Gift.Kind.INVITATION,
        "description": event.name[:300], "value": event.value_per_guest,
        "given_on": event.starts_at.astimezone(event.workspace.tz).date(), "created_by": by})


def sync_scans(event: Event, scans: Iterable[Mapping[str, Any]], by: User | None) -> list[Scan]:
    """The phone's scans made offline, each {code, people, scanned_at (ISO 8601), client_id}."""
    results = []
    for scan in scans:
        try:
            scanned_at = datetime.fromisoformat(str(scan.get("scanned_at", "")))
            results.append(check_in(event, str(scan.get("code", "")), int(scan.get("people", 1)), scanned_at,
                                    str(scan.get("client_id", "")), by))
        except (EventError, TypeError, ValueError) as exc:
            results.append(_refused(str(exc)))
    return results


# -- after the event -------------------------------------------------------------------------------

@dataclass
class Posted:
    contact: Contact
    mentions: list[Mention] = field(default_factory=list)
    came: bool = False


@dataclass
class AfterEvent:
    came: list[Guest]
    absent: list[Guest]  # said yes and did not come
    posted: list[Posted]


def _tag_pattern(tags: list[str]) -> re.Pattern[str] | None:
    if not tags:
        return None
    return re.compile(r"(?<![\w#@])(?:" + "|".join(re.escape(tag) for tag in tags) + r")(?![\w@])", re.IGNORECASE)


def after_event(event: Event) -> AfterEvent:
    """Who came, who said yes and did not come, and who posted from the start to a week
    after (mentions linked to the event or carrying its hashtags)."""
    guests = list(Guest.objects.filter(event=event).select_related("contact").order_by("contact__name", "pk"))
    came = [guest for guest in guests if guest.checked_in_at is not None]
    absent = [guest for guest in guests if guest.checked_in_at is None and guest.decision == Decision.INVITED
              and guest.answer == Answer.YES]
    tags = hashtag_list(event)
    wanted = Q(event=event)
    for tag in tags:
        wanted |= Q(text__icontains=tag)
    mentions = (Mention.objects.filter(wanted, workspace=event.workspace, published_at__gte=event.starts_at,
                                       published_at__lte=event.starts_at + timedelta(days=POSTED_DAYS))
                .select_related("contact").order_by("published_at", "pk"))
    pattern = _tag_pattern(tags)
    came_ids = {guest.contact_id for guest in came}
    posted: dict[int, Posted] = {}
    for mention in mentions:
        # The database matched substrings; "#Printemps" must not find "#Printemps2019".
        if mention.event_id != event.pk and not (pattern and pattern.search(mention.text)):
            continue
        entry = posted.setdefault(mention.contact_id, Posted(mention.contact, came=mention.contact_id in came_ids))
        entry.mentions.append(mention)
    return AfterEvent(came, absent, list(posted.values()))


def to_thank(event: Event) -> list[Guest]:
    """Guests who came and have not been thanked yet: whom the thank-you goes to."""
    return list(Guest.objects.filter(event=event, checked_in_at__isnull=False, thanked_at__isnull=True)
                .select_related("contact").order_by("contact__name", "pk"))

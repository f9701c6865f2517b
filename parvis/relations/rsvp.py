"""Guests' answers and the places they take.

Places are counted under a lock on the event row (`select_for_update`; on SQLite the
IMMEDIATE transactions serialise writers), so two guests answering yes for the last place
at the same moment cannot both get it. A place counts when its guest is invited and said
yes, or holds a freed place offered to them and not yet expired; each guest takes one
place and one per named companion.

A place freed (a no, fewer companions, an offer let expire) is offered in waitlist order
to the next who fits; the offer holds the place `offer_hours`, then passes on
(`expire_offers`, a sweep).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.core.due import skip_locked
from parvis.relations.events import EventError, next_rank
from parvis.relations.mailing import send_offer
from parvis.relations.models import Answer, Decision, DecisionLog, Event, Guest, Reason

log = logging.getLogger(__name__)
COMPANION_LENGTH = 100
DIETARY_LENGTH = 300  # Guest.dietary
COMMENT_LENGTH = 500  # Guest.comment
EXPIRIES_PER_PASS = 100


@dataclass(frozen=True)
class Answered:
    """What the guest is told: `status` is yes, no, maybe or waitlist."""

    status: str
    message: str


def _line(value: str) -> str:
    return " ".join(value.split())


def clean_companions(event: Event, companions: Sequence[str]) -> list[str]:
    """The plus-ones' names, each required (field `companion_<n>`, from 1)."""
    if len(companions) > event.plus_ones:
        raise EventError(ngettext("At most %(count)d companion.", "At most %(count)d companions.", event.plus_ones)
                         % {"count": event.plus_ones}, "companions")
    names = [_line(name) for name in companions]
    for number, name in enumerate(names, start=1):
        if not name:
            raise EventError(_("Give your companion's name."), f"companion_{number}")
        if len(name) > COMPANION_LENGTH:
            raise EventError(_("At most %(max)d characters.") % {"max": COMPANION_LENGTH}, f"companion_{number}")
    return names


def _check_text(value: str, most: int, name: str) -> str:
    value = value.strip()
    if len(value) > most:
        raise EventError(_("At most %(max)d characters.") % {"max": most}, name)
    return value


def _offer_live(guest: Guest, now: datetime) -> bool:
    return guest.decision == Decision.WAITLIST and guest.offer_expires_at is not None and guest.offer_expires_at > now


def _holds(guest: Guest, now: datetime) -> int:
    """Places the guest holds now: coming, or a freed place offered to them."""
    coming = guest.decision == Decision.INVITED and guest.answer == Answer.YES
    return guest.places if coming or _offer_live(guest, now) else 0


def taken(event: Event, now: datetime, excluding: Guest | None = None) -> int:
    """Places held at `now` (read it with the event row locked)."""
    holding = Q(decision=Decision.INVITED, answer=Answer.YES) | Q(decision=Decision.WAITLIST, offer_expires_at__gt=now)
    rows = Guest.objects.filter(holding, event=event)
    if excluding is not None:
        rows = rows.exclude(pk=excluding.pk)
    return sum(1 + len(companions or []) for companions in rows.values_list("companions", flat=True))


def closed(event: Event, guest: Guest, now: datetime) -> str | None:
    """Why the guest can no longer answer, or None while they can (a freed place offered
    to them may be taken after the answers' deadline, until the offer expires)."""
    if now >= event.starts_at:
        return _("The event has started: answers are closed.")
    if event.answer_by is not None and now > event.answer_by and not _offer_live(guest, now):
        day = formats.date_format(event.answer_by.astimezone(event.workspace.tz), "l j F Y, H:i")
        return _("Answers closed on %(day)s.") % {"day": day}
    return None


def _check_open(event: Event, guest: Guest, now: datetime) -> None:
    reason = closed(event, guest, now)
    if reason:
        raise EventError(reason, "answer")


def answer(guest: Guest, answer: str, companions: Sequence[str] = (), dietary: str = "",
           photo_consent: bool | None = None, comment: str = "", *, now: datetime) -> Answered:
    """Record the guest's answer (EventError names the field). A yes takes places while
    some remain, else puts the guest on the waitlist; places freed go to the next."""
    if answer not in (Answer.YES, Answer.NO, Answer.MAYBE):
        raise EventError(_("Choose yes, no or maybe."), "answer")
    event = guest.event
    names = clean_companions(event, companions) if answer != Answer.NO else []
    dietary = _check_text(dietary, DIETARY_LENGTH, "dietary")
    comment = _check_text(comment, COMMENT_LENGTH, "comment")
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("workspace").get(pk=guest.event_id)
        guest = Guest.objects.select_for_update().get(pk=guest.pk)
        guest.event = event
        _check_open(event, guest, now)
        held = _holds(guest, now)
        guest.companions, guest.dietary, guest.comment = names, dietary, comment
        guest.photo_consent = photo_consent
        result = _take(event, guest, len(names) + 1, held, now) if answer == Answer.YES else _decline(guest, answer)
        guest.answered_at = now
        guest.save(update_fields=["decision", "waitlist_rank", "offer_expires_at", "answer", "answered_at",
                                  "companions", "dietary", "photo_consent", "comment"])
        freed = held - _holds(guest, now)
    if freed > 0:
        offer_freed_places(event, now)
    return result


def _take(event: Event, guest: Guest, needed: int, held: int, now: datetime) -> Answered:
    free = None if event.capacity is None else event.capacity - taken(event, now, excluding=guest)
    if free is None or needed <= free:
        if guest.decision == Decision.WAITLIST:
            DecisionLog.objects.create(guest=guest, decision=Decision.INVITED, note=_("took a freed place"),
                                       decided_at=now)
        guest.decision, guest.waitlist_rank, guest.offer_expires_at = Decision.INVITED, None, None
        guest.answer = Answer.YES
        return Answered("yes", _("Thank you: see you there!"))
    if held:  # coming already, or offered a place: keep it rather than lose it for more companions
        left = max(free, 0)
        raise EventError(ngettext("Only %(count)d place remains for you and your companions.",
                                  "Only %(count)d places remain for you and your companions.", left)
                         % {"count": left}, "companions")
    if guest.decision != Decision.WAITLIST or guest.waitlist_rank is None:
        if guest.decision != Decision.WAITLIST:
            DecisionLog.objects.create(guest=guest, decision=Decision.WAITLIST, reason=Reason.CAPACITY,
                                       note=_("said yes when the event was full"), decided_at=now)
        guest.decision, guest.waitlist_rank = Decision.WAITLIST, next_rank(event.pk)
    guest.answer, guest.offer_expires_at = Answer.YES, None
    return Answered("waitlist", _("The event is full: you are on the waiting list. "
                                  "If a place frees up, we will email you."))


def _decline(guest: Guest, answer: str) -> Answered:
    guest.answer, guest.offer_expires_at = answer, None
    if answer == Answer.NO:
        guest.waitlist_rank = None  # off the waitlist: no offer will come
        return Answered("no", _("Thank you for letting us know."))
    return Answered("maybe", _("Thank you: you can change your answer with this link until the answers close."))


# -- freed places ----------------------------------------------------------------------------------

def offer_freed_places(event: Event, now: datetime) -> list[Guest]:
    """Offer the free places, in waitlist order, to those who fit (each with an email and
    their link); the offer holds the place `offer_hours`, at most until the start."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.capacity is None or now >= event.starts_at or event.status == Event.Status.CANCELLED:
            return []
        free = event.capacity - taken(event, now)
        waiting = Guest.objects.filter(event=event, decision=Decision.WAITLIST, waitlist_rank__isnull=False,
                                       offer_expires_at__isnull=True).exclude(contact__email="").exclude(
            answer=Answer.NO).order_by("waitlist_rank", "pk")
        offered: list[Guest] = []
        expires = min(now + timedelta(hours=event.offer_hours), event.starts_at)
        for guest in waiting:
            if free <= 0:
                break
            if guest.places <= free:
                guest.offer_expires_at = expires
                guest.save(update_fields=["offer_expires_at"])
                free -= guest.places
                offered.append(guest)
    for guest in offered:
        problem = send_offer(guest, now)
        if problem:
            log.warning("offer to guest %s not emailed: %s", guest.pk, problem)
    return offered


def expire_offers(now: datetime) -> int:
    """Every pass: offers not taken in time pass to the next on the waitlist."""
    with transaction.atomic():
        rows = list(skip_locked(Guest.objects.filter(offer_expires_at__lte=now, decision=Decision.WAITLIST))
                    .order_by("offer_expires_at").values_list("pk", "event_id")[:EXPIRIES_PER_PASS])
        Guest.objects.filter(pk__in=[pk for pk, _event in rows], offer_expires_at__lte=now).update(
            offer_expires_at=None, waitlist_rank=None)
    for event_id in sorted({event_id for _pk, event_id in rows}):
        offer_freed_places(Event(pk=event_id), now)
    return len(rows)

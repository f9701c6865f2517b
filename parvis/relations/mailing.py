"""The emails guests receive: invitation, freed place offered, reminder, thank-you.

Each goes out in the contact's language (else the brand's), is recorded as a `Message`
on the contact's timeline and restarts their retention clock (`last_contact_at`, GDPR).
The personal link is in the email only: the recorded copy says where it was, so the
timeline does not hand the guest's key to whoever reads it. A contact without an email
address is a named problem in the result, never an exception half-way through a list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.accounts.links import absolute_url
from parvis.accounts.models import User
from parvis.core.texts import Text
from parvis.relations import ics, qr, tokens
from parvis.relations.events import EventError
from parvis.relations.models import Answer, Contact, Decision, Event, Guest, Message

log = logging.getLogger(__name__)
LINK_MARK = "{link}"  # where the personal link goes in a body
REMINDERS_PER_PASS = 50
SUBJECT_LENGTH = 300  # Message.subject
DOOR_CODE_FILE = "door-code.png"


@dataclass
class Sending:
    """What a batch of emails did: who got one, and why the others did not."""

    sent: list[Guest] = field(default_factory=list)
    problems: list[tuple[Guest, str]] = field(default_factory=list)


def language_of(contact: Contact, event: Event) -> str:
    languages = dict(settings.LANGUAGES)
    own = contact.language.strip().lower()[:2]
    return own if own in languages else event.workspace.language


def when(event: Event) -> str:
    """The event's date and hours in its brand's time zone, in the active language."""
    tz = event.workspace.tz
    start, end = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
    day = formats.date_format(start, "l j F Y")
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s") % {"day": day, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    return f"{day} {start:%H:%M} – {formats.date_format(end, 'l j F Y')} {end:%H:%M}"


def rsvp_url(guest: Guest) -> str:
    return absolute_url(reverse("web:rsvp", args=[tokens.link_token(guest)]))


def _details(event: Event) -> str:
    lines = [event.name, when(event), ", ".join(part for part in (event.place, event.address) if part)]
    return "\n".join(line for line in lines if line)


def _send(guest: Guest, kind: str, subject: str, body: str, by: User | None, now: datetime,
          calendar: str = "", door_code: bytes = b"") -> Text | None:
    """Email one guest (LINK_MARK in `body` becomes their link) and record it; the problem
    in words when it cannot go — a `Text`, read by the caller in the CM's language once
    out of the guest's (the email is in the guest's, the problem is for the CM)."""
    contact = guest.contact
    if not contact.email:
        return Text.gettext("%(name)s has no email address.", name=contact.name)
    creator = guest.event.created_by
    message = EmailMultiAlternatives(subject, body.replace(LINK_MARK, rsvp_url(guest)), None, [contact.email],
                                     reply_to=[creator.email] if creator and creator.email else None)
    if calendar:
        part = MIMEText(calendar, "calendar", "utf-8")
        part.set_param("method", "REQUEST")
        part.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        message.attach(part)
    if door_code:  # the guest's QR code (PNG): kept out of the recorded copy, like the link
        message.attach(DOOR_CODE_FILE, door_code, "image/png")
    try:
        message.send()
    except OSError as exc:  # the mail server is away: said, and the CM may send again
        log.warning("relations email to contact %s not sent: %s", contact.pk, exc)
        return Text.gettext("The email to %(name)s could not be sent: %(error)s", name=contact.name, error=str(exc))
    Message.objects.create(contact=contact, workspace=guest.event.workspace, kind=kind, subject=subject,
                           body=body.replace(LINK_MARK, _("[personal link]")), sent_at=now, sent_by=by)
    Contact.objects.filter(pk=contact.pk).filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=now)).update(last_contact_at=now)
    return None


def _with_guests(guests: Iterable[Guest]) -> list[Guest]:
    ids = [guest.pk for guest in guests]
    return list(Guest.objects.filter(pk__in=ids).select_related("event__workspace", "event__created_by", "contact"))


# -- invitations -----------------------------------------------------------------------------------

def invitation_text(guest: Guest) -> tuple[str, str]:
    event = guest.event
    subject = _("Invitation: %(event)s") % {"event": event.name}
    parts = [_("Hello %(name)s,") % {"name": guest.contact.given_name or guest.contact.name},
             _("%(brand)s is pleased to invite you:") % {"brand": event.workspace.name},
             _details(event), event.description,
             _("Please answer with your personal link:") + f"\n{LINK_MARK}"]
    if event.answer_by:
        answer_by = event.answer_by.astimezone(event.workspace.tz)
        parts.append(_("Please answer by %(day)s.") % {"day": formats.date_format(answer_by, "l j F Y, H:i")})
    if event.plus_ones:
        parts.append(ngettext("You may come with %(count)d person: give their name when you answer.",
                              "You may come with up to %(count)d people: give their names when you answer.",
                              event.plus_ones) % {"count": event.plus_ones})
    return subject, "\n\n".join(part for part in parts if part)


def send_invitations(event: Event, guests: Iterable[Guest], by: User | None, now: datetime) -> Sending:
    """Email each invited guest their personal link; a guest not invited or without an
    address is a problem in the result. Sending again sends the same link."""
    result = Sending()
    for guest in _with_guests(guests):
        if guest.event_id != event.pk or guest.decision != Decision.INVITED:
            result.problems.append((guest, _("%(name)s is not invited.") % {"name": guest.contact.name}))
            continue
        with translation.override(language_of(guest.contact, event)):
            subject, body = invitation_text(guest)
            problem = _send(guest, Message.Kind.INVITATION, subject, body, by, now)
        if problem:
            result.problems.append((guest, str(problem)))
            continue
        Guest.objects.filter(pk=guest.pk).update(invited_at=now)
        result.sent.append(guest)
    if result.sent and event.status == Event.Status.DRAFT:
        Event.objects.filter(pk=event.pk, status=Event.Status.DRAFT).update(status=Event.Status.OPEN)
        event.status = Event.Status.OPEN
    return result


def send_offer(guest: Guest, now: datetime) -> Text | None:
    """Tell the next on the waitlist a place is theirs until `offer_expires_at`."""
    guest = _with_guests([guest])[0]
    event = guest.event
    with translation.override(language_of(guest.contact, event)):
        expires = formats.date_format(guest.offer_expires_at.astimezone(event.workspace.tz),  # type: ignore[union-attr]
                                      "l j F Y, H:i")
        subject = _("A place is free for you: %(event)s") % {"event": event.name}
        body = "\n\n".join(part for part in [
            _("Hello %(name)s,") % {"name": guest.contact.given_name or guest.contact.name},
            _("A place has just been freed and it is yours if you still want it:"), _details(event),
            _("Confirm before %(day)s with your personal link (after that, it goes to the next person):")
            % {"day": expires} + f"\n{LINK_MARK}"] if part)
        return _send(guest, Message.Kind.OFFER, subject, body, None, now)


# -- reminders -------------------------------------------------------------------------------------

def reminder_text(guest: Guest) -> tuple[str, str]:
    event = guest.event
    subject = _("Reminder: %(event)s") % {"event": event.name}
    body = "\n\n".join(part for part in [
        _("Hello %(name)s,") % {"name": guest.contact.given_name or guest.contact.name},
        _("See you soon:"), _details(event),
        _("The event is attached for your calendar. Your answer, to change if needed:") + f"\n{LINK_MARK}",
        _("Your door code is attached (%(file)s): show it on your phone at the entrance.")
        % {"file": DOOR_CODE_FILE}] if part)
    return subject, body


def _remind(guest: Guest, now: datetime) -> None:
    with translation.override(language_of(guest.contact, guest.event)):
        subject, body = reminder_text(guest)
        calendar = ics.invitation(guest, f"{guest.event.description}\n\n{rsvp_url(guest)}".strip(), now)
        problem = _send(guest, Message.Kind.REMINDER, subject, body, None, now, calendar=calendar,
                        door_code=qr.qr_png(tokens.door_code(guest)))
    if problem:
        log.info("reminder for guest %s not sent: %s", guest.pk, problem)


def send_reminders(now: datetime) -> int:
    """Every pass: remind the guests who said yes or maybe, `remind_hours` before the start,
    the event attached. Each guest is claimed (`reminded_at`) before their email goes, so
    two sweeps at once or a crash in between never send a second reminder."""
    sent = 0
    due = Event.objects.filter(remind_at__lte=now, reminded_at__isnull=True, starts_at__gt=now,
                               status=Event.Status.OPEN).order_by("remind_at")[:10]
    for event in due:
        waiting = Guest.objects.filter(event=event, decision=Decision.INVITED, answer__in=(Answer.YES, Answer.MAYBE),
                                       reminded_at__isnull=True)
        batch = list(waiting.select_related("event__workspace", "event__created_by", "contact")[:REMINDERS_PER_PASS])
        for guest in batch:
            if Guest.objects.filter(pk=guest.pk, reminded_at__isnull=True).update(reminded_at=now):
                _remind(guest, now)
                sent += 1
        if len(batch) < REMINDERS_PER_PASS:
            Event.objects.filter(pk=event.pk, reminded_at__isnull=True).update(reminded_at=now)
    return sent


# -- thanks ----------------------------------------------------------------------------------------

def send_thanks(event: Event, guests: Iterable[Guest], subject: str, body: str, by: User | None,
                now: datetime) -> Sending:
    """The CM's thank-you to guests who came (others are problems), each once."""
    result = Sending()
    subject, body = " ".join(subject.split()), body.strip()
    if not subject:
        raise EventError(_("Give the email a subject."), "subject")
    if len(subject) > SUBJECT_LENGTH:
        raise EventError(_("At most %(max)d characters.") % {"max": SUBJECT_LENGTH}, "subject")
    for guest in _with_guests(guests):
        if guest.event_id != event.pk or guest.checked_in_at is None:
            result.problems.append((guest, _("%(name)s did not come.") % {"name": guest.contact.name}))
            continue
        if not Guest.objects.filter(pk=guest.pk, thanked_at__isnull=True).update(thanked_at=now):
            result.problems.append((guest, _("%(name)s was already thanked.") % {"name": guest.contact.name}))
            continue
        problem = _send(guest, Message.Kind.THANKS, subject, body, by, now)
        if problem:
            Guest.objects.filter(pk=guest.pk).update(thanked_at=None)
            result.problems.append((guest, str(problem)))
        else:
            result.sent.append(guest)
    return result

"""The event as a calendar invitation (RFC 5545, METHOD:REQUEST) attached to reminders.

Written here rather than with a library so that the three things calendar apps are strict
about are visible: text escaping (§3.3.11), lines folded at 75 octets without cutting a
UTF-8 character (§3.1), CRLF line ends. The UID is stable per guest, so a second reminder
or a changed time updates the same entry in their calendar instead of adding one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

from django.conf import settings

from parvis.relations.models import Answer, Guest

LINE_OCTETS = 75
PRODID = "-//parvis//relations//EN"


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def param_value(value: str) -> str:
    """A parameter value (CN=…): quoted, since names hold commas and colons; a double quote
    cannot appear in one at all, and a line break would end the line."""
    cleaned = " ".join(value.replace('"', "'").split())
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """One content line folded at 75 octets, continuation lines starting with a space."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return line
    parts: list[str] = []
    start, limit = 0, LINE_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never inside a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, LINE_OCTETS - 1  # the leading space counts
    return "\r\n ".join(parts)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def uid(guest: Guest) -> str:
    return f"parvis-event-{guest.event_id}-guest-{guest.pk}@parvis"


def invitation(guest: Guest, description: str, now: datetime) -> str:
    """The VCALENDAR for one guest; `description` is the text under the event (its link)."""
    event = guest.event
    organiser = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    place = ", ".join(part for part in (event.place, event.address) if part)
    status = "TENTATIVE" if guest.answer == Answer.MAYBE else "ACCEPTED"
    lines = [
        "BEGIN:VCALENDAR", f"PRODID:{PRODID}", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{uid(guest)}",
        f"DTSTAMP:{utc(now)}",
        f"DTSTART:{utc(event.starts_at)}",
        f"DTEND:{utc(event.ends_at)}",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        f"SUMMARY:{escape_text(event.name)}",
        *([f"LOCATION:{escape_text(place)}"] if place else []),
        f"DESCRIPTION:{escape_text(description)}",
        f"ORGANIZER;CN={param_value(event.workspace.name)}:mailto:{organiser}",
        f"ATTENDEE;CN={param_value(guest.contact.name)};ROLE=REQ-PARTICIPANT;PARTSTAT={status};RSVP=FALSE"
        f":mailto:{guest.contact.email}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)

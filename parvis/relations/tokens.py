"""Guests' personal links and door codes: HMACs under the site's SECRET_KEY, mixing the
event's `link_secret` and the guest's `link_nonce`.

A token is `<nonce>.<mac>`: the nonce (random, indexed) finds the guest, the MAC proves
parvis issued it. Nothing in it is a row id or personal data. A new `link_secret` cancels
every link of an event at once, a new `link_nonce` one guest's. The door code uses
another purpose in the MAC, so a photographed door code cannot answer the invitation, and
the door phone keeps only its SHA-256 (`code_hash`) to recognise a scan offline.
"""

from __future__ import annotations

import base64
import hashlib

from django.utils.crypto import constant_time_compare, salted_hmac

from parvis.relations.models import Decision, Event, Guest

LINK = "parvis.relations.rsvp"
DOOR = "parvis.relations.door"
DOOR_PREFIX = "P1."  # door codes: versioned, and told apart from a link at a glance
NONCE_LENGTH = 32


def _mac(purpose: str, event: Event, guest: Guest) -> str:
    digest = salted_hmac(purpose, f"{event.link_secret}:{guest.pk}:{guest.link_nonce}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()  # 144 bits, 24 characters, no padding


def link_token(guest: Guest) -> str:
    """The token of the guest's RSVP page (`/rsvp/<token>/`)."""
    return f"{guest.link_nonce}.{_mac(LINK, guest.event, guest)}"


def door_code(guest: Guest) -> str:
    """What the guest's QR code holds: opaque, checked by the door list offline."""
    return f"{DOOR_PREFIX}{guest.link_nonce}.{_mac(DOOR, guest.event, guest)}"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    nonce, _dot, mac = token.strip().partition(".")
    if len(nonce) != NONCE_LENGTH or not mac:
        return None
    return nonce, mac


def _guest_of(token: str, purpose: str) -> Guest | None:
    parts = _split(token)
    if parts is None:
        return None
    nonce, mac = parts
    guest = Guest.objects.select_related("event__workspace", "contact").filter(link_nonce=nonce).first()
    if guest is None or not constant_time_compare(mac, _mac(purpose, guest.event, guest)):
        return None
    return guest


def guest_for_link(token: str) -> Guest | None:
    """The guest whose link this is, while it may be answered: None for a bad, altered or
    cancelled token, a guest not (or no longer) invited, a cancelled event."""
    guest = _guest_of(token, LINK)
    if guest is None or guest.event.status == Event.Status.CANCELLED:
        return None
    if guest.decision not in (Decision.INVITED, Decision.WAITLIST):
        return None
    return guest


def guest_for_code(code: str) -> Guest | None:
    """The guest of a scanned door code, whatever their event (the caller compares)."""
    code = code.strip()
    if not code.startswith(DOOR_PREFIX):
        return None
    return _guest_of(code[len(DOOR_PREFIX):], DOOR)

"""The door of an event on a phone: scan guests' QR codes, even with no connection.

The page hands the phone the event's offline list (`checkin.door_sync_list`: each guest's
door-code hash, never a code) and door.js keeps it on the device, recognises a scanned
code by its SHA-256, and queues the scans with their own `client_id` until the
connection allows sending them: scanned codes to the events API (`event-check-ins`, with
the session), guests ticked by name here (`event_door_sync`), since the phone holds no
code for them. Both end in `checkin.sync_scans`: a batch sent again counts nothing twice.
Members see the page and can check a code; editors let guests in.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from parvis.accounts.models import Membership, Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view
from parvis.core.ids import parse_id
from parvis.relations import checkin, tokens
from parvis.relations.models import Event, Guest

MAX_SCANS = 200  # a phone offline for a whole evening sends its queue in a few batches
MAX_BODY = 256 * 1024


def _event(membership: Membership, event_id: int) -> Event:
    # Another workspace's event is the same 404 as a missing one.
    return get_object_or_404(Event.objects.select_related("workspace"), pk=event_id,
                             workspace=membership.workspace)


def _texts() -> dict[str, str]:
    """What door.js says, translated here: `{name}`, `{n}`, `{time}` are filled on the phone."""
    return {
        "welcome": _("Welcome, {name}"),
        "already": _("Already in at {time}"),
        "unknown": _("Not on the list"),
        "unknown_help": _("This code is not on this event's list: check the name with the search below."),
        # Both forms: the phone picks one with Intl.PluralRules (French says "1 scan", "0 scan").
        "waiting_one": ngettext("{n} scan waiting to sync", "{n} scans waiting to sync", 1),
        "waiting_other": ngettext("{n} scan waiting to sync", "{n} scans waiting to sync", 2),
        "synced": _("Everything is synced."),
        "offline": _("No connection: scans are kept on this phone and sent when it returns."),
        "retry": _("Not sent yet: trying again in {n} s."),
        "signed_out": _("Your session has ended: sign in again in another tab, scans are kept."),
        "refused": _("Refused by the server: {name}: {message}"),
        "no_camera": _("No camera could be opened: allow it in the browser, or use the search by name."),
        "insecure": _("The camera and the offline list need a secure (HTTPS) address."),
        "stored_at": _("List kept on this phone at {time}."),
        "let_in_done": _("{name} is in."),
        "invalid": _("The server could not read this scan."),
        "arrived": _("Arrived: {n} of {total}"),
        "no_match": _("No guest by that name."),
    }


@require_safe
@never_cache
@membership_view(Role.VIEWER)
def event_door(request: AuthedRequest, membership: Membership, event_id: int) -> HttpResponse:
    event = _event(membership, event_id)
    return render(request, "parvis/relations/event_door.html", {
        "workspace": membership.workspace, "event": event, "door_list": checkin.door_sync_list(event, timezone.now()),
        "can_check_in": membership.at_least(Role.EDITOR), "texts": _texts(), "tz": event.workspace.timezone,
    })


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _as_code(event: Event, scan: dict[str, Any]) -> dict[str, Any]:
    """A name ticked on the phone comes as `guest` (an id): the server, which may, turns it
    into the guest's door code so that it goes through the same check-in as a scan. A code
    sent here is ignored: codes go to the API."""
    guest_id = parse_id(scan.get("guest"))
    guest = Guest.objects.filter(pk=guest_id, event=event).first() if guest_id is not None else None
    return {**scan, "code": tokens.door_code(guest) if guest is not None else ""}


@require_POST
@membership_view(Role.EDITOR)
def event_door_sync(request: AuthedRequest, membership: Membership, event_id: int) -> HttpResponse:
    """Guests ticked by name on the phone: {"scans": [{client_id, scanned_at, people, guest}]},
    each answered in order with its status (in, already, duplicate, refused) and message,
    as the API answers scanned codes."""
    event = _event(membership, event_id)
    if len(request.body) > MAX_BODY:
        return _bad(_("Too many scans at once."))
    try:
        scans = json.loads(request.body).get("scans")
    except (ValueError, AttributeError):
        return _bad(_("Send the scans as JSON."))
    if not isinstance(scans, list) or not all(isinstance(scan, dict) for scan in scans):
        return _bad(_("Send the scans as JSON."))
    if len(scans) > MAX_SCANS:
        return _bad(_("Too many scans at once."))
    results = checkin.sync_scans(event, [_as_code(event, scan) for scan in scans], request.user)
    return JsonResponse({"results": [
        {"client_id": str(scan.get("client_id", "")), "status": result.status, "message": result.message,
         "guest": result.guest.pk if result.guest else None, "at": result.at.isoformat() if result.at else None}
        for scan, result in zip(scans, results, strict=True)]})

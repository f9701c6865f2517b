"""Parcels sent to contacts: entered and checked here, their status kept by hand or
followed through La Poste's tracking API, and their value carried into the gifts ledger.

Following: a parcel is followed when its carrier is one La Poste's API covers (Colissimo,
Chronopost, lettre suivie), it has a number, and its organisation gave its own La Poste
key (`RelationsSettings.tracking_credentials["laposte"]`). Its check is due at `check_at`:
every 4 hours while it moves; never again once La Poste says it arrived (or back with
its sender), nor after 90 days. Checks that fail wait longer each time (4, 8, 16, then 24
hours) and stop after 12 in a row; a refused key or a malformed number stops at once.
Every outcome stays on the parcel (`checked_at`, `check_error` in words a person can act
on); nobody is notified: a parcel's tracking is looked at, not pushed.

The sweep claims due parcels (`check_queued_at`, through `core.due`) and queues a job
each; the job takes its parcel with a conditional UPDATE moving `check_at` forward by a
lease, so a parcel queued twice is checked once, and one whose worker died is due again
once the lease has passed (and claimed again once `REQUEUE_AFTER` has).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from parvis.accounts.models import Organisation, Workspace
from parvis.core.due import claim_due, enqueue_due
from parvis.core.sweeps import Pace
from parvis.core.texts import Text, for_storage, shown
from parvis.relations import gifts, tracking
from parvis.relations.gifts import InputError, Problem
from parvis.relations.models import Carrier, Contact, Event, Parcel, ParcelStatus, RelationsSettings
from parvis.relations.tracking import TrackingError

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(hours=4)
LONGEST_WAIT = timedelta(hours=24)
MOST_FAILURES = 12
FOLLOW_FOR = timedelta(days=90)
SLOW_DOWN = (timedelta(minutes=5), timedelta(hours=1))  # bounds of the wait after a 429
LEASE = timedelta(minutes=5)  # a check takes 20 s at most (tracking.http_client)
REQUEUE_AFTER = timedelta(minutes=10)  # longer than LEASE: a job still queued is not doubled
BATCH = 50
MOST_PER_PASS = 200
CONTENTS_LENGTH = 500
ADDRESS_LENGTH = 1000
SENT_AHEAD_DAYS = 90  # a parcel may be entered before it goes out, not a season before
EDITABLE = ("contents", "declared_value", "carrier", "tracking_number", "sent_on", "address", "event")
TRACKING_FIELDS = ("carrier", "tracking_number")
FINAL = frozenset({ParcelStatus.DELIVERED.value, ParcelStatus.RETURNED.value})
STATE_FIELDS = ["status", "status_label", "status_at", "follow", "check_at", "check_queued_at", "check_error",
                "check_error_text", "failures", "events"]


class ParcelError(InputError):
    """A parcel not saved: each problem names its field."""


# -- entering parcels ----------------------------------------------------------------------

@transaction.atomic
def create_parcel(workspace: Workspace, contact: Contact, *, contents: Any, now: datetime, declared_value: Any = 0,
                  carrier: Any = Carrier.COLISSIMO.value, tracking_number: Any = "", sent_on: Any = None,
                  event: Event | None = None, by: Any = None, address: Any = None) -> Parcel:
    """A parcel for `contact`, sent to their postal address as it is now (copied: the
    parcel keeps where it went), or to `address` when one is typed. Followed at once when
    La Poste can tell where it is."""
    problems: list[Problem] = []
    if contact.organisation_id != workspace.organisation_id:
        problems.append(Problem("contact", Text.gettext("This contact is not one of this organisation's.")))
    values = _clean(workspace, now, problems, contents=contents, declared_value=declared_value, carrier=carrier,
                    tracking_number=tracking_number, sent_on=sent_on, event=event)
    typed = _address(address, problems) if isinstance(address, str) else ""
    if problems:
        raise ParcelError(problems)
    parcel = Parcel(workspace=workspace, contact=contact, address=typed or address_of(contact), created_by=by,
                    created_at=now, **values)
    plan_following(parcel, now)
    parcel.save()
    gifts.record_parcel(parcel)
    return parcel


@transaction.atomic
def update_parcel(parcel: Parcel, *, now: datetime, **changes: Any) -> Parcel:
    """Change what was entered (ParcelError names each bad field; nothing is saved then).
    A new carrier or number starts the tracking afresh."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not a parcel field: {sorted(unknown)}")
    problems: list[Problem] = []
    current = {name: getattr(parcel, name) for name in EDITABLE if name != "address"}
    values = _clean(parcel.workspace, now, problems, **(current | {k: v for k, v in changes.items()
                                                                  if k != "address"}))
    if "address" in changes:
        values["address"] = _address(changes["address"], problems)
    if problems:
        raise ParcelError(problems)
    retrack = any(values[name] != getattr(parcel, name) for name in TRACKING_FIELDS)
    for name, value in values.items():
        setattr(parcel, name, value)
    fields = list(values)
    if retrack:
        parcel.events, parcel.status_label, parcel.status_at, parcel.failures = [], "", None, 0
        parcel.check_error, parcel.check_error_text = "", None
        plan_following(parcel, now)
        fields += ["events", "status_label", "status_at", "failures", "check_error", "check_error_text", "follow",
                   "check_at", "check_queued_at"]
    parcel.save(update_fields=fields)
    gifts.record_parcel(parcel)
    return parcel


def set_status(parcel: Parcel, status: Any, *, now: datetime) -> Parcel:
    """The status set by hand (a carrier without an API, a parcel handed over in person).
    An end status stops the following; while La Poste follows a parcel, its next answer
    has the last word."""
    if status not in ParcelStatus.values:
        raise ParcelError([Problem("status", Text.gettext("Choose one of the statuses offered."))])
    parcel.status, parcel.status_at, parcel.status_label = status, now, ""
    fields = ["status", "status_at", "status_label"]
    if status in FINAL:
        parcel.follow, parcel.check_at, parcel.check_queued_at = False, None, None
        fields += ["follow", "check_at", "check_queued_at"]
    parcel.save(update_fields=fields)
    return parcel


def address_of(contact: Contact) -> str:
    """The contact's postal address as a label reads: street, postcode and city, region,
    country (the lines they have)."""
    town = " ".join(part for part in (contact.postal_code.strip(), contact.city.strip()) if part)
    lines = (contact.street.strip(), town, contact.region.strip(), contact.country.strip())
    return "\n".join(line for line in lines if line)[:ADDRESS_LENGTH]


def _clean(workspace: Workspace, now: datetime, problems: list[Problem], *, contents: Any, declared_value: Any,
           carrier: Any, tracking_number: Any, sent_on: Any, event: Event | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "contents": gifts.text(contents, "contents", CONTENTS_LENGTH, problems, required=True),
        "declared_value": gifts.money(declared_value, "declared_value", problems),
        "sent_on": None if sent_on in (None, "") else gifts.day(sent_on, "sent_on", gifts.local_today(workspace, now),
                                                               problems, ahead=SENT_AHEAD_DAYS),
        "event": event,
    }
    if carrier not in Carrier.values:
        problems.append(Problem("carrier", Text.gettext("Choose one of the carriers offered.")))
    values["carrier"] = carrier
    number = tracking.normalise_number(tracking_number)
    if number and carrier in Carrier.values and (problem := tracking.number_problem(carrier, number)):
        problems.append(Problem("tracking_number", problem))
    values["tracking_number"] = number
    if event is not None and event.workspace_id != workspace.pk:
        problems.append(Problem("event", Text.gettext("This event is not one of this brand's.")))
    return values


def _address(raw: Any, problems: list[Problem]) -> str:
    lines = [" ".join(line.split()) for line in raw.splitlines()] if isinstance(raw, str) else []
    value = "\n".join(line for line in lines if line)
    if len(value) > ADDRESS_LENGTH:
        problems.append(Problem("address", Text.gettext("At most %(limit)s characters.", limit=ADDRESS_LENGTH)))
    return value


# -- following -----------------------------------------------------------------------------

def laposte_key(organisation: Organisation | int) -> str:
    """The organisation's own La Poste key ("" when none is set; ValueError when it can no
    longer be decrypted)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    found = RelationsSettings.objects.filter(organisation_id=organisation_id).first()
    credentials = found.tracking_credentials if found is not None else {}
    key = credentials.get("laposte") if isinstance(credentials, dict) else None
    return key.strip() if isinstance(key, str) else ""


def followable(parcel: Parcel, key: str) -> bool:
    return bool(key) and parcel.carrier in tracking.LAPOSTE_CARRIERS and bool(parcel.tracking_number) \
        and parcel.status not in FINAL


def why_not_followed(parcel: Parcel) -> Problem | None:
    """Why La Poste cannot be asked where this parcel is (the field to change), or None."""
    if parcel.carrier not in tracking.LAPOSTE_CARRIERS:
        return Problem("carrier", Text.gettext("La Poste follows Colissimo, Chronopost and lettre suivie parcels "
                                               "only: set this one's status by hand."))
    if not parcel.tracking_number:
        return Problem("tracking_number", Text.gettext("Enter the tracking number first."))
    if parcel.status in FINAL:
        return Problem("status", Text.gettext("This parcel has arrived (or is back): it is no longer followed."))
    try:
        key = laposte_key(parcel.workspace.organisation_id)
    except ValueError:
        key = ""
    if not key:
        return Problem("laposte_key", Text.gettext("No La Poste key is set: a manager can enter the organisation's "
                                                   "own key in the relations settings."))
    return None


def check_error_of(parcel: Parcel) -> str:
    """Why the last check failed, in the reader's language ("" when it did not)."""
    return shown(parcel.check_error_text, parcel.check_error) if parcel.check_error else ""


def stop_following(organisation: Organisation) -> int:
    """After the key was removed: nothing can be checked any more. How many stopped."""
    return Parcel.objects.filter(workspace__organisation=organisation, follow=True) \
        .update(follow=False, check_at=None, check_queued_at=None)


def plan_following(parcel: Parcel, now: datetime) -> None:
    """Whether and when the parcel is checked next (on the instance, not saved)."""
    try:
        key = laposte_key(parcel.workspace.organisation_id)
    except ValueError:
        key = ""
    parcel.follow = followable(parcel, key)
    parcel.check_at = now if parcel.follow else None
    parcel.check_queued_at = None


def start_following(organisation: Organisation, now: datetime) -> int:
    """After a key was given: follow the organisation's parcels that can be (those not
    followed, not arrived, with a La Poste number). How many."""
    if not laposte_key(organisation):
        return 0
    return Parcel.objects.filter(workspace__organisation=organisation, follow=False,
                                 carrier__in=list(tracking.LAPOSTE_CARRIERS), created_at__gte=now - FOLLOW_FOR) \
        .exclude(tracking_number="").exclude(status__in=list(FINAL)) \
        .update(follow=True, check_at=now, check_queued_at=None, failures=0, check_error="", check_error_text=None)


def refresh(parcel: Parcel, now: datetime, http: httpx.Client | None = None) -> bool:
    """Ask La Poste where the parcel is and store it (status, the carrier's words, its
    events, the next check). Never raises: a failure is kept on the parcel. Whether it
    worked."""
    try:
        key = laposte_key(parcel.workspace.organisation_id)
    except ValueError:  # PARVIS_ENCRYPTION_KEYS no longer holds the key it was encrypted with
        _stop(parcel, Text.gettext("The La Poste key cannot be read (the encryption keys changed?): enter it again."))
        return False
    if not followable(parcel, key):
        _stop(parcel, None)
        return False
    if parcel.created_at < now - FOLLOW_FOR:
        _stop(parcel, Text.gettext("Followed for 90 days: parvis stopped asking La Poste."))
        return False
    own = http is None
    client = tracking.http_client() if http is None else http
    try:
        shipment = tracking.fetch(parcel.tracking_number, key, client)
    except TrackingError as exc:
        _failed(parcel, exc, now)
        return False
    except Exception:  # noqa: BLE001 - a check never raises to its job; the key is in no message
        log.exception("parcel %s: tracking check failed", parcel.pk)
        _failed(parcel, TrackingError(Text.gettext("parvis could not read La Poste's answer (an error of "
                                                   "parvis's, logged)."), "unexpected"), now)
        return False
    finally:
        if own:
            client.close()
    _store(parcel, shipment, now)
    return True


def _store(parcel: Parcel, shipment: tracking.Shipment, now: datetime) -> None:
    if shipment.status is not None:
        parcel.status = shipment.status.value
    parcel.status_label = shipment.label or parcel.status_label
    parcel.status_at = shipment.at or parcel.status_at
    parcel.events = [step.as_json() for step in shipment.events]
    parcel.failures, parcel.check_error, parcel.check_error_text = 0, "", None
    parcel.follow = not shipment.final
    parcel.check_at = now + CHECK_EVERY if parcel.follow else None
    parcel.check_queued_at = None
    _save_state(parcel, checked_at=now)


def _failed(parcel: Parcel, error: TrackingError, now: datetime) -> None:
    """Keep the reason; wait, longer after each failure, or stop where waiting is pointless."""
    parcel.check_error, parcel.check_error_text = _stored(error.reason)
    parcel.check_queued_at = None
    if error.kind in ("key", "number"):  # nothing changes until someone changes the key or the number
        parcel.follow, parcel.check_at = False, None
        parcel.failures = min(parcel.failures + 1, 1000)
    elif error.kind == "slow_down":  # La Poste's quota, not the parcel's fault
        parcel.check_at = now + tracking.next_check_after(error.retry_after, *SLOW_DOWN)
    else:
        parcel.failures = min(parcel.failures + 1, 1000)
        if parcel.failures >= MOST_FAILURES:
            parcel.follow, parcel.check_at = False, None
        else:
            parcel.check_at = now + wait_after(parcel.failures)
    _save_state(parcel, checked_at=now)


def _stop(parcel: Parcel, reason: Text | None) -> None:
    parcel.follow, parcel.check_at, parcel.check_queued_at = False, None, None
    if reason is not None:
        parcel.check_error, parcel.check_error_text = _stored(reason)
    _save_state(parcel)


def _stored(reason: str | Text) -> tuple[str, dict[str, Any] | None]:
    plain, as_json = for_storage(reason)
    return plain[:300], as_json


def _save_state(parcel: Parcel, **extra: Any) -> None:
    # An update, not save(): what a person changed meanwhile stays, a deleted parcel stays deleted.
    Parcel.objects.filter(pk=parcel.pk).update(**{name: getattr(parcel, name) for name in STATE_FIELDS}, **extra)
    for name, value in extra.items():
        setattr(parcel, name, value)


def wait_after(failures: int) -> timedelta:
    """4, 8, 16, then 24 hours."""
    return min(CHECK_EVERY * 2 ** max(failures - 1, 0), LONGEST_WAIT)


# -- the sweep and its jobs ----------------------------------------------------------------

def claim_parcel_checks(now: datetime, limit: int = BATCH) -> list[int]:
    due = Parcel.objects.filter(follow=True, check_at__lte=now)
    return claim_due(due, now=now, requeue_after=REQUEUE_AFTER, order_by=["check_at", "pk"], limit=limit,
                     field="check_queued_at")


def take(parcel_id: int, now: datetime) -> bool:
    """The check's lease: `check_at` moved past now, so a second job for the same parcel
    finds nothing due; if this worker dies, the parcel is due again after LEASE."""
    return bool(Parcel.objects.filter(pk=parcel_id, follow=True, check_at__lte=now).update(check_at=now + LEASE))


def check_parcel(parcel_id: int, now: datetime | None = None, http: httpx.Client | None = None) -> bool:
    """The job: take the parcel and refresh it. False when another job has it, it is no
    longer due, or the check failed."""
    now = now or timezone.now()
    if not take(parcel_id, now):
        return False
    parcel = Parcel.objects.select_related("workspace").filter(pk=parcel_id).first()
    return parcel is not None and refresh(parcel, now, http)


_pace = Pace(60.0)


def dispatch_parcel_checks(now: datetime) -> int:
    """Once a minute, queue a job per parcel whose check is due (each an HTTP request:
    a job, not work inside the sweep). How many were queued."""
    if not _pace.take():
        return 0
    from parvis.relations import tasks  # the jobs module imports this one

    return enqueue_due(lambda: claim_parcel_checks(now), tasks.check_parcel_task, BATCH, most=MOST_PER_PASS)


def parcels_of(contact: Contact, workspaces: Any, most: int = 50) -> list[dict[str, Any]]:
    """A contact's parcels from the brands the reader is in (another brand's stay its
    own), newest first, each with its carrier's tracking page and its readable error."""
    found = (Parcel.objects.filter(contact=contact, workspace__in=workspaces).select_related("workspace")
             .order_by("-created_at", "-id")[:most])
    return [{"parcel": p, "url": tracking.tracking_url(p.carrier, p.tracking_number), "error": check_error_of(p)}
            for p in found]

"""Where a parcel is: La Poste's tracking API for Colissimo, Chronopost and lettre suivie,
the carriers' public tracking pages for every carrier, and the tracking-number formats.

The request (La Poste "Suivi" API v2, through its Okapi gateway), one per parcel:

    GET <PARVIS_LAPOSTE_API_URL>/idships/6A15602676300?lang=fr_FR
    X-Okapi-Key: <the organisation's own key>
    Accept: application/json

A known number answers 200 with one envelope (an array of them when several numbers are
asked, comma-separated, which parvis never does; both are read):

    {"lang": "fr_FR", "scope": "open", "returnCode": 200,
     "shipment": {"idShip": "6A15602676300", "holder": 4, "product": "colissimo",
                  "isFinal": false, "entryDate": "2026-11-02T14:43:00+01:00",
                  "timeline": [{"id": 1, "shortLabel": "…", "longLabel": "", "status": true,
                                "type": 1, "country": "FR"}, … five steps],
                  "event": [{"code": "ET1", "label": "Votre colis est en transit…",
                             "date": "2026-11-03T07:34:12+01:00"}, …],     (newest first)
                  "contextData": {"deliveryChoice": {"deliveryChoice": 0},
                                  "originCountry": "FR", "arrivalCountry": "FR"},
                  "url": "https://www.laposte.fr/outils/suivre-vos-envois?code=…"}}

Errors: 400 {"returnCode": 400, "returnMessage": "Le numéro que vous avez saisi n’est pas
valide…", "idShip": …} (a number that is not 11 to 15 letters or digits); 401 from the
gateway, {"code": "UNAUTHORIZED", "message": "This action requires an authorization"} (no
key, a wrong one, or one without a subscription to Suivi); 404 {"returnCode": 104,
"returnMessage": "Votre suivi n'est pas encore disponible…"} (unknown, or not yet in the
network: worth asking again later); 429 {"code": "TOO_MANY_REQUESTS", "message": "max quota
reached (… calls per 1s)"}; 5xx. A 200 or 207 array carries a returnCode per number, so
the HTTP status alone is not the answer.

What this relies on, and where it was found (no live call was made):
* the OpenAPI document La Poste publishes for Suivi v2 ("Swagger SUIVI", server
  https://api.laposte.fr/suivi/v2, path /idships/{idship}, schemas suiviShipment, event,
  step, contextData, baseResponse, responses 400/401/404/207, the X-Okapi-Key scheme and
  the lang enum), as archived in github.com/api-evangelist/la-poste-groupe
  (openapi/_original/la-poste-groupe-suivi-openapi.json), with that repository's notes of
  a live probe (errors/, conventions/: the gateway's 401 body; a 10 calls/s plan quota);
* karrio's La Poste connector (github.com/karrioapi/karrio, modules/connectors/laposte:
  a recorded 200 answer, the 400 body, the 429 TOO_MANY_REQUESTS body, the laposte.fr
  tracking address);
* the event codes and their wording, as listed by several clients of the API
  (rigwild/suivi-poste, an OkapiStatus enum that adds DR2, DI0, DI3 and ID0).
No Retry-After header is documented on the 429; parvis honours one when present.

The key is the user's: it goes in the header only, never in a URL, a log or a message,
and redirects are refused (following one would carry it somewhere nobody typed).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings

from parvis.core.http import Budget, GuardError, client
from parvis.core.texts import Text, WordedError
from parvis.relations.models import Carrier, ParcelStatus

NAME = "La Poste"
API_VERSION = "Suivi v2"
LANG = "fr_FR"
TIMEOUT = 10.0  # seconds to connect or wait for data; a tracking answer is small
# The carriers whose numbers La Poste's API follows.
LAPOSTE_CARRIERS = frozenset({Carrier.COLISSIMO.value, Carrier.CHRONOPOST.value, Carrier.LETTRE_SUIVIE.value})
MOST_EVENTS = 60
LABEL_LENGTH = 300
PARIS = ZoneInfo("Europe/Paris")

# The event codes of Suivi v2, by what they mean for the parcel. DI3 ("Retardé") is a
# delay, not a stop: the parcel still moves. An unknown code keeps the parcel moving.
STATUS_OF_CODE: dict[str, ParcelStatus] = {
    "DR1": ParcelStatus.PREPARING,  # "Déclaratif réceptionné": the label exists, not handed over yet
    "DR2": ParcelStatus.PROBLEM,  # "Problème lors de la préparation"
    "PC1": ParcelStatus.SENT, "PC2": ParcelStatus.SENT,  # "Pris en charge" (in the sending country)
    "ET1": ParcelStatus.IN_TRANSIT, "ET2": ParcelStatus.IN_TRANSIT, "ET3": ParcelStatus.IN_TRANSIT,
    "ET4": ParcelStatus.IN_TRANSIT, "EP1": ParcelStatus.IN_TRANSIT,  # "En attente de présentation"
    "DO1": ParcelStatus.IN_TRANSIT, "DO2": ParcelStatus.IN_TRANSIT,  # in and out of customs
    "DO3": ParcelStatus.PROBLEM,  # "Retenu en douane"
    "ID0": ParcelStatus.IN_TRANSIT,  # "Informations douane"
    "PB1": ParcelStatus.PROBLEM,  # "Problème en cours"
    "PB2": ParcelStatus.IN_TRANSIT,  # "Problème résolu"
    "DI3": ParcelStatus.IN_TRANSIT,  # "Retardé"
    "MD2": ParcelStatus.OUT_FOR_DELIVERY,  # "Mis en distribution"
    "ND1": ParcelStatus.PROBLEM,  # "Non distribuable"
    "AG1": ParcelStatus.AWAITING_PICKUP,  # "En attente d'être retiré au guichet"
    "RE1": ParcelStatus.RETURNED,  # "Retourné à l'expéditeur"
    "DI0": ParcelStatus.DELIVERED, "DI1": ParcelStatus.DELIVERED,  # "Distribué (en lot)"
    "DI2": ParcelStatus.RETURNED,  # "Distribué à l'expéditeur"
}
FINAL_CODES = frozenset({"DI0", "DI1", "DI2"})  # delivered, to the recipient or back to the sender
FINAL_STATUSES = frozenset({ParcelStatus.DELIVERED.value, ParcelStatus.RETURNED.value})

Kind = Literal["key", "number", "unknown", "slow_down", "unavailable", "unexpected"]


class TrackingError(WordedError):
    """A tracking request that did not give a shipment. `kind`: "key" (refused: following
    stops until the key is changed), "number" (La Poste says the number is malformed),
    "unknown" (not, or not yet, in La Poste's network), "slow_down" (429: `retry_after`
    seconds), "unavailable" (timeouts, 5xx, unreachable), "unexpected" (an answer parvis
    cannot read)."""

    def __init__(self, message: str | Text, kind: Kind, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


@dataclass(frozen=True)
class Step:
    """One of the carrier's events, as stored on the parcel (untrusted text, cleaned)."""

    at: datetime | None
    code: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"at": self.at.isoformat() if self.at else "", "code": self.code, "label": self.label}


@dataclass(frozen=True)
class Shipment:
    number: str
    product: str
    final: bool
    status: ParcelStatus | None  # None: no event yet, the parcel keeps the status it has
    label: str  # the carrier's words for where it is
    at: datetime | None  # when that happened
    events: tuple[Step, ...]  # newest first
    url: str


# -- the public pages and the numbers ------------------------------------------------------

PAGES = {
    Carrier.COLISSIMO.value: "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    Carrier.LETTRE_SUIVIE.value: "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    Carrier.CHRONOPOST.value: "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={}",
    Carrier.MONDIAL_RELAY.value: "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={}",
    Carrier.COLIS_PRIVE.value: "https://www.colisprive.com/moncolis/pages/detailColis.aspx?numColis={}",
    Carrier.DPD.value: "https://trace.dpd.fr/fr/trace/{}",
    Carrier.DHL.value: "https://www.dhl.com/fr-fr/home/tracking/tracking-parcel.html?submit=1&tracking-id={}",
    Carrier.UPS.value: "https://www.ups.com/track?loc=fr_FR&tracknum={}",
}
_LAPOSTE_NUMBER = re.compile(r"[A-Z0-9]{11,15}")  # Suivi v2: "11 to 15 alphanumeric characters"
_ANY_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{3,39}")
_SEPARATORS = re.compile(r"[\s.]+")


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for `number` ("" for another carrier, or no
    number): what a person opens, and what a recipient can be sent."""
    template = PAGES.get(carrier)
    number = normalise_number(number)
    return template.format(quote(number, safe="")) if template and number else ""


def normalise_number(raw: Any) -> str:
    """A number as typed or pasted ("6a 1560 2676 300"), as carriers print it."""
    return _SEPARATORS.sub("", raw).upper() if isinstance(raw, str) else ""


def number_problem(carrier: str, number: str) -> Text | None:
    """Why `number` (normalised) cannot be this carrier's, or None. Only La Poste's format
    is documented (by its API); other carriers' numbers are only checked for their
    characters and length."""
    if carrier in LAPOSTE_CARRIERS:
        if not _LAPOSTE_NUMBER.fullmatch(number):
            return Text.gettext("A La Poste, Colissimo or Chronopost number has 11 to 15 letters and digits "
                                "(such as 6A15602676300 or EW112720413FR).")
        return None
    if not _ANY_NUMBER.fullmatch(number):
        return Text.gettext("A tracking number has 4 to 40 letters, digits or hyphens.")
    return None


# -- the API -------------------------------------------------------------------------------

def api_url() -> str:
    return str(settings.PARVIS_LAPOSTE_API_URL).rstrip("/")


def http_client(timeout: float = TIMEOUT) -> httpx.Client:
    """Short waits: a tracking answer is a few kilobytes, and a check that fails is simply
    tried again later."""
    return client(redirects="refuse", budget=Budget.default(timeout=timeout, total=2 * timeout,
                                                             max_bytes=1024 * 1024))


def fetch(number: str, key: str, http: httpx.Client) -> Shipment:
    """The shipment behind `number`, or a TrackingError in parvis's words."""
    url = f"{api_url()}/idships/{quote(number, safe='')}"
    try:
        response = http.get(url, params={"lang": LANG}, headers={"X-Okapi-Key": key, "Accept": "application/json"})
    except httpx.TimeoutException:
        raise TrackingError(Text.gettext("La Poste did not answer in time."), "unavailable") from None
    except httpx.HTTPError as exc:
        raise TrackingError(Text.gettext("La Poste could not be reached (%(error)s).", error=type(exc).__name__),
                            "unavailable") from None
    except GuardError as exc:  # too slow, or an address the guard refuses: its own words
        raise TrackingError(exc.reason, "unavailable") from None
    refused(response, key)
    return parse(_json(response), number, key)


def refused(response: httpx.Response, key: str) -> None:
    """Raise the TrackingError an error answer means (nothing for a 200 or a 207)."""
    status = response.status_code
    if status in (200, 207):
        return
    said = _their_words(response, key)
    if status in (401, 403):
        raise TrackingError(Text.gettext("La Poste refused the key (HTTP %(status)s): check the La Poste key in "
                                         "the relations settings, and that it subscribes to the Suivi API.",
                                         status=status), "key")
    if status == 400:
        raise TrackingError(Text.gettext("La Poste refused the tracking number: %(message)s", message=said), "number")
    if status == 404:
        raise TrackingError(Text.gettext("La Poste does not know this number yet: %(message)s", message=said),
                            "unknown")
    if status == 429:
        raise TrackingError(Text.gettext("La Poste asked parvis to slow down (HTTP 429): the next check will try "
                                         "again."), "slow_down", retry_after_of(response))
    raise TrackingError(Text.gettext("La Poste answered HTTP %(status)s: %(message)s", status=status, message=said),
                        "unavailable")


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _unexpected() from None


def _unexpected() -> TrackingError:
    return TrackingError(Text.gettext("La Poste answered with data parvis does not recognise."), "unexpected")


def _their_words(response: httpx.Response, key: str) -> str:
    """The first words of an error answer, as data: returnMessage, or the gateway's
    message (never the key, should a server ever echo it)."""
    try:
        data = json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    said = ""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if isinstance(data, dict):
        said = str(data.get("returnMessage") or data.get("message") or data.get("code") or "")
    return (one_line(said.replace(key, "…") if key else said, 200)) or "?"


def retry_after_of(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), when the answer has one."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0) if when.tzinfo else None


def parse(data: Any, number: str, key: str = "") -> Shipment:
    """The shipment in a 200 or 207 answer (the envelope about `number`)."""
    envelope = _envelope(data, number)
    code = envelope.get("returnCode")
    if code not in (200, "200", 201, "201", 207, "207"):
        said = one_line(str(envelope.get("returnMessage") or ""), 200)
        said = (said.replace(key, "…") if key else said) or "?"
        if code in (400, "400"):
            raise TrackingError(Text.gettext("La Poste refused the tracking number: %(message)s", message=said),
                                "number")
        raise TrackingError(Text.gettext("La Poste does not know this number yet: %(message)s", message=said),
                            "unknown")
    shipment = envelope.get("shipment")
    if not isinstance(shipment, dict):
        raise _unexpected()
    events = tuple(sorted(_steps(shipment.get("event")), key=_newest_first))
    latest = events[0] if events else None
    # isFinal is "Is object delivered?"; a delivery code says so too, should it be missing.
    final = shipment.get("isFinal") is True or (latest is not None and latest.code in FINAL_CODES)
    status = status_of(latest.code, final) if latest else (ParcelStatus.DELIVERED if final else None)
    label = latest.label if latest else _timeline_label(shipment.get("timeline"))
    return Shipment(number=number, product=one_line(shipment.get("product"), 60), final=final, status=status,
                    label=label, at=latest.at if latest else None, events=events[:MOST_EVENTS],
                    url=tracking_url(Carrier.COLISSIMO.value, number))


def _envelope(data: Any, number: str) -> dict[str, Any]:
    if isinstance(data, list):
        envelopes = [item for item in data if isinstance(item, dict)]
        mine = [e for e in envelopes if normalise_number(_id_of(e)) == number]
        data = (mine or envelopes)[0] if envelopes else None
    if not isinstance(data, dict):
        raise _unexpected()
    return data


def _id_of(envelope: dict[str, Any]) -> Any:
    shipment = envelope.get("shipment")
    return shipment.get("idShip") if isinstance(shipment, dict) else envelope.get("idShip")


def status_of(code: str, final: bool = False) -> ParcelStatus:
    """What an event code means for the parcel; a final shipment whose last code says
    nothing of its end is delivered (isFinal: "Is object delivered?")."""
    status = STATUS_OF_CODE.get(code, ParcelStatus.IN_TRANSIT)
    if final and status.value not in FINAL_STATUSES:
        return ParcelStatus.DELIVERED
    return status


def _steps(raw: Any) -> list[Step]:
    if not isinstance(raw, list):
        return []
    steps = []
    for item in raw[: MOST_EVENTS * 2]:  # a hostile answer's thousands of events are not read
        if not isinstance(item, dict):
            continue
        code = item.get("code")
        code = code if isinstance(code, str) and re.fullmatch(r"[A-Z0-9]{2,5}", code) else ""
        steps.append(Step(at=when(item.get("date")), code=code, label=one_line(item.get("label"), LABEL_LENGTH)))
    return steps


def _newest_first(step: Step) -> float:
    return -step.at.timestamp() if step.at else float("inf")  # stable: the API's order among equals


def _timeline_label(raw: Any) -> str:
    """The last active step of the timeline, for a shipment without events."""
    if not isinstance(raw, list):
        return ""
    active = [s for s in raw if isinstance(s, dict) and s.get("status") is True]
    return one_line(active[-1].get("shortLabel"), LABEL_LENGTH) if active else ""


def when(raw: Any) -> datetime | None:
    """An event date (ISO 8601 with its offset; a date without one is read as Paris time);
    None for anything else, or a date no parcel can have."""
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.strip()[:40])
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    if not 2000 <= moment.year <= 2100:
        return None
    return moment.astimezone(UTC)


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def one_line(value: Any, limit: int) -> str:
    """Untrusted text on one line: controls and direction overrides gone, spaces collapsed,
    cut to `limit` characters."""
    if not isinstance(value, str):
        return ""
    text = _CONTROLS.sub(" ", unicodedata.normalize("NFC", value))
    return _SPACES.sub(" ", text).strip()[:limit].strip()


def next_check_after(retry_after: float | None, floor: timedelta, ceiling: timedelta) -> timedelta:
    """How long to wait after a 429: what the server asked, kept within bounds."""
    wait = timedelta(seconds=retry_after) if retry_after is not None else floor
    return min(max(wait, floor), ceiling)

"""A stateful loopback fake of La Poste's tracking API, **Suivi v2** (Okapi gateway,
``https://api.laposte.fr/suivi/v2``), so that parcel tracking is tested at the HTTP level
with the API's own answer shapes.

Written from La Poste's published OpenAPI document for Suivi v2 ("Swagger SUIVI": path
``/idships/{idship}``, schemas suiviShipment / event / step / contextData / baseResponse,
responses 400 / 401 / 404 / 207), the gateway's observed 401 and 429 bodies, and a recorded
200 answer (see the docstring of ``parvis/relations/tracking.py`` for where each was found).

    with LocalLaPoste() as laposte:
        laposte.keys.add("cle-de-test")
        laposte.add_shipment("6A15602676300", events=[("PC1", "Votre colis a été déposé…", at)])
        laposte.advance("6A15602676300", "DI1", "Votre colis est livré.", later)   # it moves on
        # parvis talks to laposte.url + "/suivi/v2" (settings.PARVIS_LAPOSTE_API_URL)
        laposte.refuse_keys()                    # every key answers 401 from now on
        laposte.throttle_next(retry_after=30)    # 429 with Retry-After
        laposte.fail_next(500, method="GET")     # the harness's faults: 5xx, lose_next, hang_next
        laposte.slow_next(2.0)                   # answers, after 2 s

Every request passes, in order: the key (the gateway: missing or unknown → 401
``{"code": "UNAUTHORIZED", "message": "This action requires an authorization"}``), the
numbers' format (11 to 15 letters or digits, else 400 with ``returnCode`` 400 and La Poste's
"Le numéro que vous avez saisi n’est pas valide…"), then the lookup (unknown → 404 with
``returnCode`` 104, "Votre suivi n'est pas encore disponible…"). Several numbers,
comma-separated, answer 207 with an envelope per number.

Known differences from the real API: the timeline is derived from the last event's code
(steps 1–5 as La Poste's clients list them), its labels are fixed; ``contextData`` has no
``removalPoint`` or ``partner``; no ``estimDate``; a 5xx body is ``{"code", "message"}`` like
the gateway's other errors (La Poste documents none); the 429 sends a Retry-After only when
a test asks (La Poste documents none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parvis.testing.fake_network import FakeNetwork, Request, Response

VERSION = "Suivi v2"
PREFIX = "/suivi/v2"
NUMBER = re.compile(r"[A-Za-z0-9]{11,15}")
HOLDERS = {"colissimo": 4, "chronopost": 3, "lettre suivie": 1, "courrier": 1}
# The timeline step each event code belongs to (DR: 1, taken in: 2, on its way: 3, at the
# last site: 4, delivered: 5).
STEP_OF_PREFIX = {"DR": 1, "PC": 2, "ET": 3, "EP": 3, "DO": 3, "PB": 3, "ID": 3, "MD": 4, "ND": 4, "AG": 4, "RE": 4,
                  "DI": 5}
STEP_LABELS = ("Votre colis est entre nos mains.", "Il est en chemin.",
               "Votre colis est arrivé sur son site de livraison.", "Nous préparons votre colis pour sa livraison.",
               "Votre colis a été livré")
BAD_NUMBER = ("Le numéro que vous avez saisi n’est pas valide. Nous vous invitons à vérifier votre saisie, en "
              "particulier le nombre de caractères.")
NOT_YET = ("Votre suivi n'est pas encore disponible. Si vous avez déposé votre envoi, les informations de suivi "
           "peuvent être affichées avec un délai, veuillez réessayer ultérieurement.")
UNAUTHORIZED = {"code": "UNAUTHORIZED", "message": "This action requires an authorization"}


@dataclass
class Shipment:
    number: str
    product: str = "colissimo"
    events: list[tuple[str, str, datetime]] = field(default_factory=list)  # oldest first
    final: bool | None = None  # None: final once delivered (DI0, DI1, DI2)
    origin: str = "FR"
    arrival: str = "FR"

    @property
    def is_final(self) -> bool:
        if self.final is not None:
            return self.final
        return bool(self.events) and self.events[-1][0] in ("DI0", "DI1", "DI2")

    def as_json(self, lang: str) -> dict[str, Any]:
        newest_first = sorted(self.events, key=lambda e: e[2], reverse=True)
        shipment: dict[str, Any] = {
            "idShip": self.number, "holder": HOLDERS.get(self.product.lower(), 4), "product": self.product,
            "isFinal": self.is_final, "timeline": self.timeline(),
            "event": [{"code": code, "label": label, "date": at.isoformat()} for code, label, at in newest_first],
            "contextData": {"deliveryChoice": {"deliveryChoice": 0}, "originCountry": self.origin,
                            "arrivalCountry": self.arrival},
            "url": f"https://www.laposte.fr/outils/suivre-vos-envois?code={self.number}",
        }
        if self.events:
            shipment["entryDate"] = min(at for _c, _l, at in self.events).isoformat()
        if self.is_final and self.events:
            shipment["deliveryDate"] = newest_first[0][2].isoformat()
        return {"lang": lang, "scope": "open", "returnCode": 200, "shipment": shipment}

    def timeline(self) -> list[dict[str, Any]]:
        reached = STEP_OF_PREFIX.get(self.events[-1][0][:2], 3) if self.events else 0
        return [{"shortLabel": label, "longLabel": "", "id": number, "country": self.origin,
                 "status": number <= reached, "type": 1}
                for number, label in enumerate(STEP_LABELS, start=1)]


class LocalLaPoste(FakeNetwork):
    name = "laposte"

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()
        self.shipments: dict[str, Shipment] = {}
        self.slow: list[float] = []  # seconds to wait before the next answers, one each
        self.route("GET", PREFIX + r"/idships/(?P<ids>[^/]+)", self._track, locked=False)

    @property
    def api_url(self) -> str:
        return self.url + PREFIX

    # -- state, as tests set it ----------------------------------------------------------
    def add_shipment(self, number: str, product: str = "colissimo",
                     events: list[tuple[str, str, datetime]] | None = None, **fields: Any) -> Shipment:
        shipment = Shipment(number.upper(), product, list(events or []), **fields)
        with self.lock:
            self.shipments[shipment.number] = shipment
        return shipment

    def advance(self, number: str, code: str, label: str, at: datetime) -> None:
        """The parcel moves on: a new event."""
        with self.lock:
            self.shipments[number.upper()].events.append((code, label, at))

    def refuse_keys(self) -> None:
        """Every key is refused from now on (revoked, or the subscription ended)."""
        with self.lock:
            self.keys.clear()

    def throttle_next(self, retry_after: int | None = 30, count: int = 1) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.fail_next(429, method="GET", count=count, headers=headers)

    def slow_next(self, seconds: float) -> None:
        with self.lock:
            self.slow.append(seconds)

    def error_body(self, status: int) -> Any:
        if status == 401:
            return UNAUTHORIZED
        if status == 429:
            return {"code": "TOO_MANY_REQUESTS", "message": "max quota reached (10 calls per 1s)"}
        return {"code": "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST",
                "message": f"HTTP {status}"}

    # -- the route -----------------------------------------------------------------------
    def _track(self, request: Request, ids: str) -> Response:
        with self.lock:
            wait = self.slow.pop(0) if self.slow else 0.0
        if wait:
            self.stopping.wait(wait)
        with self.lock:
            if request.header("X-Okapi-Key") not in self.keys:
                return Response(401, UNAUTHORIZED)
            lang = request.query.get("lang") or "fr_FR"
            numbers = [n for n in ids.split(",") if n]
            envelopes = [self._envelope(number, lang) for number in numbers[:10]]
        if len(envelopes) > 1:
            return Response(207, [body for _status, body in envelopes])
        status, body = envelopes[0]
        return Response(status, body)

    def _envelope(self, number: str, lang: str) -> tuple[int, dict[str, Any]]:
        base = {"lang": lang, "scope": "open", "idShip": number}
        if not NUMBER.fullmatch(number):
            return 400, {"returnCode": 400, "returnMessage": BAD_NUMBER, **base}
        shipment = self.shipments.get(number.upper())
        if shipment is None:
            return 404, {"returnCode": 104, "returnMessage": NOT_YET, **base}
        return 200, shipment.as_json(lang)

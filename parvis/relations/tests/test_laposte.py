"""La Poste's tracking client against the loopback fake of Suivi v2: each answer shape
and fault, the event codes, the public tracking pages and the numbers' formats."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from parvis.relations import tracking
from parvis.relations.models import Carrier, ParcelStatus
from parvis.relations.tracking import TrackingError
from parvis.testing import laposte_server
from parvis.testing.laposte_server import LocalLaPoste

KEY = "kLgnV4/cle+secrete+de+test/okapi"
NUMBER = "6A15602676300"
pytestmark = pytest.mark.usefixtures("english")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def laposte(settings) -> Iterator[LocalLaPoste]:
    with LocalLaPoste() as server:
        server.keys.add(KEY)
        settings.PARVIS_LAPOSTE_API_URL = server.api_url
        yield server


def fetch(number: str = NUMBER, key: str = KEY, timeout: float = tracking.TIMEOUT) -> tracking.Shipment:
    with tracking.http_client(timeout) as http:
        return tracking.fetch(number, key, http)


def failure(**kwargs: object) -> TrackingError:
    with pytest.raises(TrackingError) as caught:
        fetch(**kwargs)  # type: ignore[arg-type]
    return caught.value


def test_the_fake_follows_the_version_the_client_reads() -> None:
    assert laposte_server.VERSION == tracking.API_VERSION == "Suivi v2"


def test_a_parcel_on_its_way_is_read_newest_event_first_with_the_key_in_the_header_only(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("DR1", "Votre Colissimo va bientôt nous être confié !", at(2, 9)),
                                         ("PC1", "Votre colis a été déposé dans un point postal.", at(2, 14)),
                                         ("ET1", "Votre colis est en transit sur nos plateformes.", at(3, 7))])
    shipment = fetch()
    assert (shipment.status, shipment.final, shipment.product) == (ParcelStatus.IN_TRANSIT, False, "colissimo")
    assert shipment.label == "Votre colis est en transit sur nos plateformes."
    assert shipment.at == at(3, 7)
    assert [step.code for step in shipment.events] == ["ET1", "PC1", "DR1"]
    assert shipment.url == f"https://www.laposte.fr/outils/suivre-vos-envois?code={NUMBER}"
    request = laposte.received[-1]
    assert request.path == f"/suivi/v2/idships/{NUMBER}" and request.query == {"lang": "fr_FR"}
    assert request.header("X-Okapi-Key") == KEY and request.header("Accept") == "application/json"


def test_a_delivered_parcel_is_final(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", at(2, 14)), ("MD2", "En livraison.", at(4, 8)),
                                         ("DI1", "Votre colis est livré.", at(4, 11))])
    shipment = fetch()
    assert (shipment.status, shipment.final, shipment.label) == (ParcelStatus.DELIVERED, True,
                                                                 "Votre colis est livré.")


def test_a_parcel_sent_back_is_returned_and_final_only_once_back_with_its_sender(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", at(2, 14)), ("RE1", "Retourné à l'expéditeur.", at(9, 8))])
    assert (fetch().status, fetch().final) == (ParcelStatus.RETURNED, False)
    laposte.advance(NUMBER, "DI2", "Distribué à l'expéditeur.", at(12, 10))
    assert (fetch().status, fetch().final) == (ParcelStatus.RETURNED, True)


def test_a_shipment_without_events_keeps_the_parcel_status_and_says_the_timeline_step(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[])
    shipment = fetch()
    assert (shipment.status, shipment.events, shipment.at) == (None, (), None)


@pytest.mark.parametrize(("code", "status"), [
    ("DR1", ParcelStatus.PREPARING), ("DR2", ParcelStatus.PROBLEM), ("PC1", ParcelStatus.SENT),
    ("PC2", ParcelStatus.SENT), ("ET1", ParcelStatus.IN_TRANSIT), ("ET2", ParcelStatus.IN_TRANSIT),
    ("ET3", ParcelStatus.IN_TRANSIT), ("ET4", ParcelStatus.IN_TRANSIT), ("EP1", ParcelStatus.IN_TRANSIT),
    ("DO1", ParcelStatus.IN_TRANSIT), ("DO2", ParcelStatus.IN_TRANSIT), ("DO3", ParcelStatus.PROBLEM),
    ("PB1", ParcelStatus.PROBLEM), ("PB2", ParcelStatus.IN_TRANSIT), ("MD2", ParcelStatus.OUT_FOR_DELIVERY),
    ("ND1", ParcelStatus.PROBLEM), ("AG1", ParcelStatus.AWAITING_PICKUP), ("RE1", ParcelStatus.RETURNED),
    ("DI0", ParcelStatus.DELIVERED), ("DI1", ParcelStatus.DELIVERED), ("DI2", ParcelStatus.RETURNED),
    ("DI3", ParcelStatus.IN_TRANSIT), ("ID0", ParcelStatus.IN_TRANSIT), ("ZZ9", ParcelStatus.IN_TRANSIT),
])
def test_each_event_code_says_where_the_parcel_is(code: str, status: ParcelStatus) -> None:
    assert tracking.status_of(code) == status


def test_a_final_shipment_whose_last_code_says_nothing_of_its_end_is_delivered() -> None:
    assert tracking.status_of("ET1", final=True) == ParcelStatus.DELIVERED
    assert tracking.status_of("DI2", final=True) == ParcelStatus.RETURNED


def test_a_refused_key_says_so_without_the_key(laposte) -> None:
    error = failure(key="not-the-key")
    assert error.kind == "key"
    assert "refused the key (HTTP 401)" in error.message and "not-the-key" not in error.message
    laposte.refuse_keys()
    assert failure().kind == "key"


def test_a_malformed_number_is_refused_in_la_postes_words(laposte) -> None:
    error = failure(number="12345")
    assert error.kind == "number"
    assert error.message.startswith("La Poste refused the tracking number: Le numéro que vous avez saisi n’est pas")


def test_a_number_not_yet_in_the_network_is_unknown_for_now(laposte) -> None:
    error = failure(number="EW112720413FR")
    assert error.kind == "unknown"
    assert "does not know this number yet: Votre suivi n'est pas encore disponible" in error.message


def test_a_429_says_when_to_come_back(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", at(2, 14))])
    laposte.throttle_next(retry_after=30)
    error = failure()
    assert (error.kind, error.retry_after) == ("slow_down", 30.0)
    laposte.throttle_next(retry_after=None)
    assert failure().retry_after is None
    assert fetch().status == ParcelStatus.SENT  # the quota is back


def test_a_server_error_and_a_lost_answer_are_worth_trying_again(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", at(2, 14))])
    laposte.fail_next(500, method="GET")
    error = failure()
    assert error.kind == "unavailable" and "HTTP 500" in error.message
    laposte.lose_next(method="GET")
    assert failure().kind == "unavailable"


def test_a_slow_answer_is_given_up_quickly(laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", at(2, 14))])
    laposte.slow_next(3.0)
    error = failure(timeout=0.3)
    assert error.kind == "unavailable"
    assert fetch().status == ParcelStatus.SENT


def test_an_answer_that_is_not_json_is_unexpected(laposte) -> None:
    laposte.fail_next(200, body=b"<html>maintenance</html>", method="GET")
    assert failure().kind == "unexpected"


def test_a_multiple_answer_is_read_for_the_number_asked() -> None:
    other = {"returnCode": 104, "returnMessage": "Pas encore.", "idShip": "EW112720413FR"}
    mine = {"returnCode": 200, "shipment": {"idShip": NUMBER, "isFinal": False,
                                            "event": [{"code": "MD2", "label": "En livraison.",
                                                       "date": "2026-11-04T08:00:00+01:00"}]}}
    shipment = tracking.parse([other, mine], NUMBER)
    assert (shipment.status, shipment.at) == (ParcelStatus.OUT_FOR_DELIVERY, at(4, 7))
    with pytest.raises(TrackingError) as caught:
        tracking.parse([other], "EW112720413FR")
    assert caught.value.kind == "unknown"


def test_the_carriers_words_are_untrusted_text_kept_short_on_one_line() -> None:
    events = [{"code": "ET1", "label": "En\x00 transit\u202e\n<script>x</script> " + "é" * 5000,
               "date": "2026-11-03T07:00:00+01:00"},
              {"code": "<b>", "label": 42, "date": "hier"}] + [
        {"code": "ET1", "label": "Encore.", "date": "2026-10-01T07:00:00+02:00"}] * 500
    shipment = tracking.parse({"returnCode": 200, "shipment": {"idShip": NUMBER, "event": events}}, NUMBER)
    first = shipment.events[0]
    assert first.label.startswith("En transit <script>x</script> éé") and len(first.label) == tracking.LABEL_LENGTH
    assert "\n" not in first.label and "\x00" not in first.label and "\u202e" not in first.label
    assert len(shipment.events) == tracking.MOST_EVENTS
    undated = tracking.parse({"returnCode": 200, "shipment": {"idShip": NUMBER, "event": events[1:2]}}, NUMBER)
    assert undated.events[0] == tracking.Step(None, "", "")


def test_the_key_is_never_logged_nor_in_a_message(laposte, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", at(2, 14))])
    fetch()
    messages = []
    for fault in (401, 429, 500):
        laposte.fail_next(fault, body={"code": "X", "message": f"echo {KEY}"}, method="GET")
        messages.append(failure().message)
    assert caplog.records  # httpx and the guard did log the requests
    assert KEY not in caplog.text
    assert all(KEY not in message for message in messages)
    assert "echo …" in messages[2]


@pytest.mark.parametrize(("carrier", "page"), [
    (Carrier.COLISSIMO, "https://www.laposte.fr/outils/suivre-vos-envois?code=AB12%2F34"),
    (Carrier.LETTRE_SUIVIE, "https://www.laposte.fr/outils/suivre-vos-envois?code=AB12%2F34"),
    (Carrier.CHRONOPOST, "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=AB12%2F34"),
    (Carrier.MONDIAL_RELAY, "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition=AB12%2F34"),
    (Carrier.COLIS_PRIVE, "https://www.colisprive.com/moncolis/pages/detailColis.aspx?numColis=AB12%2F34"),
    (Carrier.DPD, "https://trace.dpd.fr/fr/trace/AB12%2F34"),
    (Carrier.DHL, "https://www.dhl.com/fr-fr/home/tracking/tracking-parcel.html?submit=1&tracking-id=AB12%2F34"),
    (Carrier.UPS, "https://www.ups.com/track?loc=fr_FR&tracknum=AB12%2F34"),
    (Carrier.OTHER, ""),
])
def test_every_carrier_has_its_public_tracking_page_with_the_number_encoded(carrier: str, page: str) -> None:
    assert tracking.tracking_url(carrier, "ab 12/34") == page
    assert tracking.tracking_url(carrier, "") == ""


@pytest.mark.parametrize(("carrier", "number", "ok"), [
    (Carrier.COLISSIMO, "6A15602676300", True), (Carrier.COLISSIMO, "EW112720413FR", True),
    (Carrier.CHRONOPOST, "XY123456789FR", True), (Carrier.LETTRE_SUIVIE, "1K36275770836", True),
    (Carrier.COLISSIMO, "6A1560267", False), (Carrier.COLISSIMO, "6A15602676300123456", False),
    (Carrier.COLISSIMO, "6A1560-676300", False), (Carrier.DPD, "09876543210987", True),
    (Carrier.UPS, "1Z999AA10123456784", True), (Carrier.MONDIAL_RELAY, "123", False),
    (Carrier.OTHER, "ABC-123", True), (Carrier.OTHER, "<script>", False),
])
def test_tracking_numbers_are_checked_where_the_format_is_documented(carrier: str, number: str, ok: bool) -> None:
    assert (tracking.number_problem(carrier, tracking.normalise_number(number)) is None) is ok


def test_a_number_is_read_as_carriers_print_it() -> None:
    assert tracking.normalise_number(" 6a 1560.2676 300\n") == NUMBER
    assert tracking.normalise_number(None) == ""

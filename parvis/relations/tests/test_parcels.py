"""Parcels: entering them (checked, field by field), their gift in the ledger, the status
kept by hand, and the following through La Poste (against the loopback fake): stored
answers, back-off, a refused key, and the sweep that resumes after a dead worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from parvis.relations import parcels, tasks
from parvis.relations.models import Carrier, Contact, Event, Gift, Parcel, ParcelStatus, RelationsSettings
from parvis.relations.parcels import ParcelError
from parvis.testing.laposte_server import LocalLaPoste

KEY = "cle-okapi-de-l-agence"
NUMBER = "6A15602676300"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def laposte(settings) -> Iterator[LocalLaPoste]:
    with LocalLaPoste() as server:
        server.keys.add(KEY)
        settings.PARVIS_LAPOSTE_API_URL = server.api_url
        yield server


@pytest.fixture
def camille(people: dict[str, Any]) -> Contact:
    return Contact.objects.create(organisation=people["organisation"], name="Camille Martin",
                                  street="12 rue des Lilas", postal_code="69003", city="Lyon", country="France")


@pytest.fixture
def with_key(people: dict[str, Any]) -> RelationsSettings:
    return RelationsSettings.objects.create(organisation=people["organisation"],
                                            tracking_credentials={"laposte": KEY})


def parcel_for(people: dict[str, Any], contact: Contact, now: datetime = NOW, **fields: Any) -> Parcel:
    values = {"contents": "Coffret de macarons", "declared_value": "45,90", "tracking_number": NUMBER,
              "sent_on": date(2026, 11, 23), **fields}
    return parcels.create_parcel(people["workspace"], contact, now=now, by=people["owner"], **values)


def fresh(parcel: Parcel) -> Parcel:
    return Parcel.objects.get(pk=parcel.pk)


# -- entering ------------------------------------------------------------------------------

def test_a_parcel_goes_to_the_address_the_contact_has_now_and_enters_the_ledger(people, camille) -> None:
    parcel = parcel_for(people, camille)
    camille.city = "Marseille"
    camille.save()
    parcel = fresh(parcel)
    assert parcel.address == "12 rue des Lilas\n69003 Lyon\nFrance"
    assert (parcel.declared_value, parcel.status, parcel.follow) == (Decimal("45.90"), ParcelStatus.PREPARING, False)
    gift = Gift.objects.get(parcel=parcel)
    assert (gift.kind, gift.value, gift.given_on, gift.contact, gift.workspace) == (
        Gift.Kind.PARCEL, Decimal("45.90"), date(2026, 11, 23), camille, people["workspace"])
    assert gift.description == "Coffret de macarons" and gift.created_by == people["owner"]


def test_a_parcel_not_sent_yet_counts_on_the_day_it_was_entered_in_the_brands_time_zone(people, camille) -> None:
    late_evening = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Paris
    parcel = parcel_for(people, camille, now=late_evening, sent_on=None)
    assert Gift.objects.get(parcel=parcel).given_on == date(2027, 1, 1)
    parcels.update_parcel(parcel, now=late_evening, sent_on="2026-12-31", declared_value=Decimal("120"))
    gift = Gift.objects.get(parcel=parcel)
    assert (gift.given_on, gift.value, Gift.objects.count()) == (date(2026, 12, 31), Decimal("120.00"), 1)


@pytest.mark.parametrize(("fields", "field"), [
    ({"contents": "  "}, "contents"),
    ({"contents": "x" * 501}, "contents"),
    ({"declared_value": "-1"}, "declared_value"),
    ({"declared_value": "1000000"}, "declared_value"),
    ({"declared_value": "douze"}, "declared_value"),
    ({"declared_value": "12.345"}, "declared_value"),
    ({"declared_value": None}, "declared_value"),
    ({"carrier": "pigeon"}, "carrier"),
    ({"tracking_number": "12345"}, "tracking_number"),
    ({"carrier": Carrier.UPS, "tracking_number": "<b>"}, "tracking_number"),
    ({"sent_on": "2015-12-31"}, "sent_on"),
    ({"sent_on": "2027-06-01"}, "sent_on"),
    ({"sent_on": "demain"}, "sent_on"),
])
def test_bad_input_names_its_field_and_saves_nothing(people, camille, fields, field) -> None:
    with pytest.raises(ParcelError) as caught:
        parcel_for(people, camille, **fields)
    assert caught.value.field == field and list(caught.value.by_field()) == [field]
    assert not Parcel.objects.exists() and not Gift.objects.exists()


def test_every_bad_field_is_named_at_once(people, camille) -> None:
    with pytest.raises(ParcelError) as caught:
        parcel_for(people, camille, contents="", declared_value="-3", carrier="pigeon")
    assert set(caught.value.by_field()) == {"contents", "declared_value", "carrier"}


def test_a_contact_or_an_event_from_elsewhere_is_refused(people, camille) -> None:
    stranger = Contact.objects.create(organisation=people["other_workspace"].organisation, name="Autre")
    with pytest.raises(ParcelError) as caught:
        parcel_for(people, stranger)
    assert caught.value.field == "contact"
    theirs = Event.objects.create(workspace=people["other_workspace"], name="Soirée", starts_at=NOW, ends_at=NOW,
                                  link_secret="s")
    with pytest.raises(ParcelError) as caught:
        parcel_for(people, camille, event=theirs)
    assert caught.value.field == "event"


def test_a_failed_update_keeps_what_was_saved(people, camille) -> None:
    parcel = parcel_for(people, camille)
    with pytest.raises(ParcelError) as caught:
        parcels.update_parcel(parcel, now=NOW, contents="", address="x" * 2000)
    assert set(caught.value.by_field()) == {"contents", "address"}
    assert fresh(parcel).contents == "Coffret de macarons"
    assert Gift.objects.get(parcel=parcel).value == Decimal("45.90")


def test_the_status_is_kept_by_hand_and_an_end_status_stops_the_following(people, camille, with_key) -> None:
    parcel = parcel_for(people, camille)
    assert parcel.follow
    parcels.set_status(parcel, ParcelStatus.SENT, now=NOW)
    assert fresh(parcel).follow and fresh(parcel).status == ParcelStatus.SENT
    parcels.set_status(parcel, ParcelStatus.DELIVERED, now=NOW + timedelta(days=2))
    parcel = fresh(parcel)
    assert (parcel.status, parcel.status_at, parcel.follow, parcel.check_at) == (
        ParcelStatus.DELIVERED, NOW + timedelta(days=2), False, None)
    with pytest.raises(ParcelError) as caught:
        parcels.set_status(parcel, "lost_in_space", now=NOW)
    assert caught.value.field == "status"


# -- following -----------------------------------------------------------------------------

def test_only_a_la_poste_parcel_with_a_number_and_a_key_is_followed(people, camille) -> None:
    assert not parcel_for(people, camille).follow  # no key yet
    RelationsSettings.objects.create(organisation=people["organisation"], tracking_credentials={"laposte": KEY})
    assert not parcel_for(people, camille, carrier=Carrier.DPD, tracking_number="09876543210987").follow
    assert not parcel_for(people, camille, tracking_number="").follow
    followed = parcel_for(people, camille, carrier=Carrier.CHRONOPOST, tracking_number="XY123456789FR")
    assert (followed.follow, followed.check_at) == (True, NOW)


def test_parcels_entered_before_the_key_are_followed_once_it_is_given(people, camille) -> None:
    waiting = parcel_for(people, camille)
    parcel_for(people, camille, carrier=Carrier.DPD, tracking_number="09876543210987")
    RelationsSettings.objects.create(organisation=people["organisation"], tracking_credentials={"laposte": KEY})
    later = NOW + timedelta(hours=1)
    assert parcels.start_following(people["organisation"], later) == 1
    assert (fresh(waiting).follow, fresh(waiting).check_at) == (True, later)


def test_a_check_stores_where_the_parcel_is_and_stops_once_it_arrived(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Votre colis a été déposé dans un point postal.", NOW),
                                         ("ET1", "Votre colis est en transit.", NOW + timedelta(hours=10))])
    parcel = parcel_for(people, camille)
    later = NOW + timedelta(hours=12)
    assert parcels.refresh(parcel, later)
    parcel = fresh(parcel)
    assert (parcel.status, parcel.status_label, parcel.status_at) == (
        ParcelStatus.IN_TRANSIT, "Votre colis est en transit.", NOW + timedelta(hours=10))
    assert parcel.events == [
        {"at": "2026-11-24T19:00:00+00:00", "code": "ET1", "label": "Votre colis est en transit."},
        {"at": "2026-11-24T09:00:00+00:00", "code": "PC1", "label": "Votre colis a été déposé dans un point postal."}]
    assert (parcel.follow, parcel.check_at, parcel.checked_at, parcel.check_error) == (
        True, later + parcels.CHECK_EVERY, later, "")
    laposte.advance(NUMBER, "DI1", "Votre colis est livré.", NOW + timedelta(days=1))
    assert parcels.refresh(parcel, later + timedelta(days=1))
    parcel = fresh(parcel)
    assert (parcel.status, parcel.follow, parcel.check_at, len(parcel.events)) == (
        ParcelStatus.DELIVERED, False, None, 3)


def test_a_refused_key_stops_the_following_with_a_readable_reason_and_tells_nobody(people, camille, with_key,
                                                                                    laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    laposte.refuse_keys()
    parcel = parcel_for(people, camille)
    assert not parcels.refresh(parcel, NOW)
    parcel = fresh(parcel)
    assert (parcel.follow, parcel.check_at, parcel.status) == (False, None, ParcelStatus.PREPARING)
    assert parcel.check_error.startswith("La Poste refused the key (HTTP 401)")
    assert parcel.check_error_text["msgid"].startswith("La Poste refused the key")
    assert KEY not in parcel.check_error and mail.outbox == []


def test_failed_checks_wait_longer_each_time_then_stop(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    laposte.fail_next(503, method="GET", count=parcels.MOST_FAILURES)
    parcel = parcel_for(people, camille)
    now, waits = NOW, []
    for _attempt in range(parcels.MOST_FAILURES - 1):
        assert not parcels.refresh(parcel, now)
        parcel = fresh(parcel)
        waits.append(parcel.check_at - now)
        now = parcel.check_at
    assert waits[:5] == [timedelta(hours=h) for h in (4, 8, 16, 24, 24)]
    assert parcel.follow and "HTTP 503" in parcel.check_error
    assert not parcels.refresh(parcel, now)
    parcel = fresh(parcel)
    assert (parcel.follow, parcel.check_at, parcel.failures) == (False, None, parcels.MOST_FAILURES)


def test_a_success_after_failures_starts_afresh(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    laposte.fail_next(500, method="GET")
    parcel = parcel_for(people, camille)
    parcels.refresh(parcel, NOW)
    assert fresh(parcel).failures == 1
    parcels.refresh(fresh(parcel), NOW + timedelta(hours=4))
    parcel = fresh(parcel)
    assert (parcel.failures, parcel.check_error, parcel.check_error_text, parcel.status) == (
        0, "", None, ParcelStatus.SENT)


def test_a_429_waits_as_asked_within_bounds_without_counting_a_failure(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    parcel = parcel_for(people, camille)
    laposte.throttle_next(retry_after=30)
    parcels.refresh(parcel, NOW)
    assert (fresh(parcel).check_at, fresh(parcel).failures) == (NOW + timedelta(minutes=5), 0)
    laposte.throttle_next(retry_after=1800)
    parcels.refresh(fresh(parcel), NOW)
    assert fresh(parcel).check_at == NOW + timedelta(minutes=30)


def test_a_number_not_yet_known_is_asked_again_later(people, camille, with_key, laposte) -> None:
    parcel = parcel_for(people, camille)
    assert not parcels.refresh(parcel, NOW)
    parcel = fresh(parcel)
    assert (parcel.follow, parcel.check_at, parcel.failures) == (True, NOW + timedelta(hours=4), 1)
    assert "does not know this number yet" in parcel.check_error


def test_the_carriers_words_are_kept_short_and_few(people, camille, with_key, laposte) -> None:
    hostile = "<img src=x onerror=alert(1)>\x00\n" + "z" * 1000
    events = [("ET1", f"Étape {i}", NOW + timedelta(minutes=i)) for i in range(100)] + [
        ("PB1", hostile, NOW + timedelta(hours=5))]
    laposte.add_shipment(NUMBER, events=events)
    parcel = parcel_for(people, camille)
    parcels.refresh(parcel, NOW + timedelta(hours=6))
    parcel = fresh(parcel)
    assert parcel.status == ParcelStatus.PROBLEM
    assert len(parcel.events) == 60 and len(parcel.status_label) == 300
    assert parcel.status_label.startswith("<img src=x onerror=alert(1)> zzz")  # text, escaped when shown
    assert "\x00" not in parcel.status_label and "\n" not in parcel.status_label


def test_a_new_number_starts_the_tracking_afresh(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    parcel = parcel_for(people, camille)
    parcels.refresh(parcel, NOW)
    parcel = parcels.update_parcel(fresh(parcel), now=NOW + timedelta(hours=1), tracking_number="ew 112720413 fr")
    parcel = fresh(parcel)
    assert (parcel.tracking_number, parcel.events, parcel.status_label, parcel.follow, parcel.check_at) == (
        "EW112720413FR", [], "", True, NOW + timedelta(hours=1))


def test_a_parcel_followed_for_ninety_days_is_left_alone(people, camille, with_key, laposte) -> None:
    parcel = parcel_for(people, camille)
    assert not parcels.refresh(parcel, NOW + timedelta(days=91))
    parcel = fresh(parcel)
    assert (parcel.follow, parcel.check_error) == (False, "Followed for 90 days: parvis stopped asking La Poste.")
    assert laposte.received == []


# -- the sweep -----------------------------------------------------------------------------

@pytest.fixture
def queued(monkeypatch) -> list[int]:
    jobs: list[int] = []
    monkeypatch.setattr(tasks, "check_parcel_task", jobs.append)
    monkeypatch.setattr(parcels._pace, "take", lambda: True)
    return jobs


def test_the_sweep_queues_each_due_parcel_once(people, camille, with_key, queued) -> None:
    due = parcel_for(people, camille)
    not_due = parcel_for(people, camille, now=NOW + timedelta(minutes=5))
    parcel_for(people, camille, carrier=Carrier.DPD, tracking_number="09876543210987")  # not followed
    assert parcels.dispatch_parcel_checks(NOW) == 1
    assert parcels.dispatch_parcel_checks(NOW + timedelta(minutes=1)) == 0  # queued already
    assert queued == [due.pk]
    assert parcels.dispatch_parcel_checks(NOW + timedelta(minutes=5)) == 1  # the first one is still queued
    assert queued == [due.pk, not_due.pk]


def test_a_check_queued_twice_asks_la_poste_once(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    parcel = parcel_for(people, camille)
    assert parcels.claim_parcel_checks(NOW) == [parcel.pk]
    assert parcels.check_parcel(parcel.pk, NOW) is True
    assert parcels.check_parcel(parcel.pk, NOW) is False  # the second job finds it done
    assert len(laposte.received) == 1
    assert fresh(parcel).check_queued_at is None


def test_a_check_left_by_a_dead_worker_is_taken_again(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("PC1", "Déposé.", NOW)])
    parcel = parcel_for(people, camille)
    assert parcels.claim_parcel_checks(NOW) == [parcel.pk]
    assert parcels.take(parcel.pk, NOW)  # a worker took it, then died before asking
    soon = NOW + parcels.LEASE - timedelta(seconds=1)
    assert parcels.claim_parcel_checks(soon) == [] and parcels.check_parcel(parcel.pk, soon) is False
    later = NOW + parcels.REQUEUE_AFTER + timedelta(seconds=1)
    assert parcels.claim_parcel_checks(later) == [parcel.pk]
    assert parcels.check_parcel(parcel.pk, later) is True
    assert fresh(parcel).status == ParcelStatus.SENT and len(laposte.received) == 1


def test_a_job_lost_before_it_ran_is_queued_again(people, camille, with_key, queued) -> None:
    parcel = parcel_for(people, camille)
    assert parcels.dispatch_parcel_checks(NOW) == 1  # the job was lost with its queue
    assert parcels.dispatch_parcel_checks(NOW + parcels.REQUEUE_AFTER) == 0
    assert parcels.dispatch_parcel_checks(NOW + parcels.REQUEUE_AFTER + timedelta(seconds=1)) == 1
    assert queued == [parcel.pk, parcel.pk]


def test_the_job_refreshes_the_parcel(people, camille, with_key, laposte) -> None:
    laposte.add_shipment(NUMBER, events=[("MD2", "En livraison.", NOW)])
    parcel = parcel_for(people, camille, now=NOW - timedelta(minutes=1))
    tasks.check_parcel_task.call_local(parcel.pk)
    assert fresh(parcel).status == ParcelStatus.OUT_FOR_DELIVERY

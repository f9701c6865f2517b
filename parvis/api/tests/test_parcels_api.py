"""Parcels through the API: entered with each wrong field named (nothing saved), found,
changed, their status set by hand, La Poste asked now (400 naming why it cannot be),
deleted with their ledger row; each role's rights; another agency's are 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from parvis.api.tests.conftest import World
from parvis.relations import parcels
from parvis.relations.models import Contact, Gift, Parcel, RelationsSettings
from parvis.testing.laposte_server import LocalLaPoste

pytestmark = pytest.mark.django_db
NUMBER = "6A15602676300"
KEY = "cle-okapi-de-l-agence"


def base(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}"


@pytest.fixture
def camille(world: World) -> Contact:
    return Contact.objects.create(organisation=world.workspace.organisation, name="Camille Martin",
                                  street="12 rue des Lilas", postal_code="69003", city="Lyon")


@pytest.fixture
def parcel(world: World, camille: Contact) -> Parcel:
    return parcels.create_parcel(world.workspace, camille, contents="Coffret", declared_value="45.90",
                                 tracking_number=NUMBER, now=timezone.now())


def test_a_parcel_is_entered_at_the_contacts_address_and_enters_the_ledger(world, api, camille):
    answer = api.post(f"{base(world)}/parcels/", {
        "contact": camille.pk, "contents": "Coffret de macarons", "declared_value": "45.90",
        "tracking_number": "6a 1560 2676 300", "sent_on": date.today().isoformat()}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["address"] == "12 rue des Lilas\n69003 Lyon" and body["tracking_number"] == NUMBER
    assert body["tracking_url"] == f"https://www.laposte.fr/outils/suivre-vos-envois?code={NUMBER}"
    assert body["status"] == "preparing" and body["followed"] is False and body["contact_name"] == "Camille Martin"
    assert Gift.objects.get(pk=body["gift"]).value == Parcel.objects.get().declared_value


@pytest.mark.parametrize(("payload", "field"), [
    ({"contents": ""}, "contents"),
    ({"contents": "A", "declared_value": "-1"}, "declared_value"),
    ({"contents": "A", "carrier": "pigeon"}, "carrier"),
    ({"contents": "A", "tracking_number": "12"}, "tracking_number"),
    ({"contents": "A", "sent_on": "2001-01-01"}, "sent_on"),
    ({"contents": "A", "event": 999999}, "event"),
    ({"contents": "A", "address": "x" * 1001}, "address"),
])
def test_each_wrong_field_is_named_and_nothing_is_saved(world, api, camille, payload, field):
    answer = api.post(f"{base(world)}/parcels/", {"contact": camille.pk, **payload}, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Parcel.objects.exists() and not Gift.objects.exists()


def test_a_contact_is_required_and_must_be_the_agencys(world, api):
    assert "contact" in api.post(f"{base(world)}/parcels/", {"contents": "A"}, format="json").json()["errors"]
    stranger = Contact.objects.create(organisation=world.other_workspace.organisation, name="Ailleurs")
    answer = api.post(f"{base(world)}/parcels/", {"contact": stranger.pk, "contents": "A"}, format="json")
    assert answer.status_code == 400 and "contact" in answer.json()["errors"]


def test_parcels_are_listed_filtered_and_changed_in_part(world, api, parcel, camille):
    other = parcels.create_parcel(world.workspace, camille, contents="Galettes", now=timezone.now())
    parcels.set_status(other, "delivered", now=timezone.now())
    assert [p["id"] for p in api.get(f"{base(world)}/parcels/", {"status": "delivered"}).json()["results"]] == [
        other.pk]
    assert [p["id"] for p in api.get(f"{base(world)}/parcels/", {"q": "6A156"}).json()["results"]] == [parcel.pk]
    answer = api.patch(f"{base(world)}/parcels/{parcel.pk}/", {"declared_value": "60.00"}, format="json")
    assert answer.status_code == 200 and answer.json()["declared_value"] == "60.00"
    assert str(Gift.objects.get(parcel=parcel).value) == "60.00"
    bad = api.patch(f"{base(world)}/parcels/{parcel.pk}/", {"contents": "", "carrier": "dpd",
                                                           "tracking_number": "!"}, format="json")
    assert bad.status_code == 400 and {"contents", "tracking_number"} <= set(bad.json()["errors"])
    parcel.refresh_from_db()
    assert (parcel.contents, parcel.carrier) == ("Coffret", "colissimo")


def test_the_status_is_set_by_hand(world, api, parcel):
    answer = api.post(f"{base(world)}/parcels/{parcel.pk}/status/", {"status": "delivered"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "delivered" and answer.json()["status_at"]
    wrong = api.post(f"{base(world)}/parcels/{parcel.pk}/status/", {"status": "lost"}, format="json")
    assert wrong.status_code == 400 and "status" in wrong.json()["errors"]


def test_la_poste_is_asked_now_only_when_it_can_be(world, api, parcel, camille, settings):
    no_key = api.post(f"{base(world)}/parcels/{parcel.pk}/refresh/")
    assert no_key.status_code == 400 and "laposte_key" in no_key.json()["errors"]
    by_hand = parcels.create_parcel(world.workspace, camille, contents="X", carrier="dpd", now=timezone.now())
    assert "carrier" in api.post(f"{base(world)}/parcels/{by_hand.pk}/refresh/").json()["errors"]
    RelationsSettings.objects.create(organisation=world.workspace.organisation,
                                     tracking_credentials={"laposte": KEY})
    with LocalLaPoste() as laposte:
        laposte.keys.add(KEY)
        laposte.add_shipment(NUMBER, events=[("ET1", "Votre colis est en transit.", timezone.now())])
        settings.PARVIS_LAPOSTE_API_URL = laposte.api_url
        answer = api.post(f"{base(world)}/parcels/{parcel.pk}/refresh/")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["status_label"], body["check_error"]) == (
        "in_transit", "Votre colis est en transit.", "")
    assert body["events"][0]["code"] == "ET1" and KEY not in answer.content.decode()


def test_a_viewer_reads_another_agency_does_not_and_deletion_takes_the_ledger_row(world, client_for, api, parcel):
    viewer = client_for(world.viewer)
    assert viewer.get(f"{base(world)}/parcels/{parcel.pk}/").status_code == 200
    assert viewer.patch(f"{base(world)}/parcels/{parcel.pk}/", {"contents": "X"}, format="json").status_code == 403
    assert viewer.delete(f"{base(world)}/parcels/{parcel.pk}/").status_code == 403
    outsider = client_for(world.outsider)
    assert outsider.get(f"{base(world)}/parcels/{parcel.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/workspaces/{world.other_workspace.pk}/parcels/{parcel.pk}/").status_code == 404
    assert client_for(world.editor).delete(f"{base(world)}/parcels/{parcel.pk}/").status_code == 204
    assert not Parcel.objects.exists() and not Gift.objects.exists()


def test_the_list_is_empty_at_first(world, api):
    answer = api.get(f"{base(world)}/parcels/")
    assert answer.status_code == 200 and answer.json()["results"] == []

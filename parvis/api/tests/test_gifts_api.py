"""The gifts ledger and the relations settings through the API: fees and other benefits
entered (each wrong field named, nothing saved), changed and deleted, a parcel's row
refused; the yearly totals with `needs_contract` from the threshold itself; the posts
missing the mention; the settings for managers, the La Poste key write-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from parvis.api.tests.conftest import World
from parvis.relations import gifts, parcels
from parvis.relations.models import Contact, Gift, Mention, Parcel, RelationsSettings

pytestmark = pytest.mark.django_db
KEY = "okapi-0123456789-abcdef-secret"


def base(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}"


def today(world: World) -> date:
    return gifts.local_today(world.workspace, timezone.now())


@pytest.fixture
def lea(world: World) -> Contact:
    return Contact.objects.create(organisation=world.workspace.organisation, name="Léa Marquise")


def test_a_fee_is_entered_changed_and_deleted(world, api, lea):
    made = api.post(f"{base(world)}/gifts/", {"contact": lea.pk, "kind": "fee", "description": "Vidéo",
                                              "value": "300.00", "given_on": today(world).isoformat()}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["kind"], body["value"], body["linked"], body["contact_name"]) == ("fee", "300.00", False,
                                                                                  "Léa Marquise")
    changed = api.patch(f"{base(world)}/gifts/{body['id']}/", {"value": "350.50"}, format="json")
    assert changed.status_code == 200 and changed.json()["value"] == "350.50"
    listed = api.get(f"{base(world)}/gifts/", {"year": today(world).year}).json()["results"]
    assert [g["id"] for g in listed] == [body["id"]]
    assert api.delete(f"{base(world)}/gifts/{body['id']}/").status_code == 204 and not Gift.objects.exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "parcel"}, "kind"),
    ({"description": ""}, "description"),
    ({"value": "-5"}, "value"),
    ({"value": "abc"}, "value"),
    ({"given_on": "1990-01-01"}, "given_on"),
    ({"contact": 999999}, "contact"),
])
def test_each_wrong_field_is_named_and_nothing_is_saved(world, api, lea, payload, field):
    good = {"contact": lea.pk, "kind": "other", "description": "Hôtel", "value": "120",
            "given_on": today(world).isoformat()}
    answer = api.post(f"{base(world)}/gifts/", {**good, **payload}, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Gift.objects.exists()


def test_a_parcels_row_is_changed_on_its_parcel_only(world, api, lea):
    parcel = parcels.create_parcel(world.workspace, lea, contents="Coffret", declared_value="45", now=timezone.now())
    row = api.get(f"{base(world)}/gifts/").json()["results"][0]
    assert (row["kind"], row["parcel"], row["linked"]) == ("parcel", parcel.pk, True)
    refused = api.patch(f"{base(world)}/gifts/{row['id']}/", {"value": "1"}, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()["errors"]
    assert api.delete(f"{base(world)}/gifts/{row['id']}/").status_code == 400
    assert Gift.objects.get().value == Decimal("45.00") and Parcel.objects.exists()


def test_the_ledger_needs_a_contract_from_the_threshold_itself(world, api, lea):
    RelationsSettings.objects.create(organisation=world.workspace.organisation, contract_threshold=Decimal("1000"))
    gifts.add_gift(world.workspace, lea, kind="fee", description="A", value="999.99", given_on=today(world),
                   now=timezone.now())
    ledger = api.get(f"{base(world)}/gifts/ledger/").json()
    assert ledger["threshold"] == "1000.00" and ledger["year"] == today(world).year
    assert (ledger["rows"][0]["total"], ledger["rows"][0]["needs_contract"]) == ("999.99", False)
    gifts.add_gift(world.workspace, lea, kind="other", description="B", value="0.01", given_on=today(world),
                   now=timezone.now())
    row = api.get(f"{base(world)}/gifts/ledger/").json()["rows"][0]
    assert (row["total"], row["needs_contract"], row["gifts"]) == ("1000.00", True, 2)
    assert row["by_kind"] == {"fee": "999.99", "other": "0.01"}
    assert api.get(f"{base(world)}/gifts/ledger/", {"year": "1900"}).status_code == 400


def test_posts_missing_the_mention_are_listed(world, api, lea):
    for n, disclosure in enumerate(("missing", "present")):
        Mention.objects.create(contact=lea, workspace=world.workspace, network="mastodon", remote_id=str(n),
                               url=f"https://piaille.example/@lea/{n}", published_at=timezone.now(),
                               found_via="inbox", disclosure=disclosure)
    found = api.get(f"{base(world)}/gifts/missing-mentions/").json()["results"]
    assert [m["url"] for m in found] == ["https://piaille.example/@lea/0"]


def test_roles_and_other_agencies(world, client_for, lea):
    gift = gifts.add_gift(world.workspace, lea, kind="fee", description="A", value="10", given_on=today(world),
                          now=timezone.now())
    viewer = client_for(world.viewer)
    assert viewer.get(f"{base(world)}/gifts/{gift.pk}/").status_code == 200
    assert viewer.patch(f"{base(world)}/gifts/{gift.pk}/", {"value": "1"}, format="json").status_code == 403
    outsider = client_for(world.outsider)
    assert outsider.get(f"{base(world)}/gifts/ledger/").status_code == 404
    assert outsider.get(f"/api/v1/workspaces/{world.other_workspace.pk}/gifts/{gift.pk}/").status_code == 404


# -- the relations settings ----------------------------------------------------------------

def test_settings_are_for_managers_and_the_key_is_write_only(world, api, client_for, lea):
    url = f"{base(world)}/relations-settings/"
    assert client_for(world.editor).get(url).status_code == 403
    assert client_for(world.editor).patch(url, {"retention_years": 5}, format="json").status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404
    parcel = parcels.create_parcel(world.workspace, lea, contents="Coffret", tracking_number="6A15602676300",
                                   now=timezone.now())
    answer = api.patch(url, {"laposte_key": KEY, "contract_threshold": "1200.00"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["laposte_key_set"] is True and "laposte_key" not in answer.json()
    assert KEY not in answer.content.decode() and KEY not in api.get(url).content.decode()
    assert answer.json()["contract_threshold"] == "1200.00"
    parcel.refresh_from_db()
    assert parcel.follow
    removed = api.patch(url, {"laposte_key": None}, format="json")
    assert removed.json()["laposte_key_set"] is False and parcels.laposte_key(world.workspace.organisation) == ""


@pytest.mark.parametrize(("payload", "field"), [
    ({"notice_body": "Bonjour {prenom}"}, "notice_body"),
    ({"notice_subject": "{x}"}, "notice_subject"),
    ({"retention_years": 0}, "retention_years"),
    ({"retention_years": 11}, "retention_years"),
    ({"contract_threshold": "0"}, "contract_threshold"),
    ({"laposte_key": "a b"}, "laposte_key"),
])
def test_each_wrong_setting_is_named_and_nothing_is_saved(world, api, payload, field):
    answer = api.patch(f"{base(world)}/relations-settings/", {"retention_years": 4, **payload}, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not RelationsSettings.objects.filter(retention_years=4).exists()

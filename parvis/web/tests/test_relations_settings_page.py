"""The relations settings page: for managers and owners; the notice (parvis's own as the
placeholder, unknown variables named), retention and threshold checked field by field
with nothing saved on a mistake; the La Poste key write-only — never shown back, only
"a key is set", removable — and giving one follows the parcels La Poste can follow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.relations import parcels
from parvis.relations import people as contacts
from parvis.relations.models import Contact, RelationsSettings
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
KEY = "okapi-0123456789-abcdef-secret"


def _url(people):
    return reverse("web:relations_settings", args=[people["workspace"].pk])


def _valid(**changes):
    return {"notice_subject": "", "notice_body": "", "retention_years": "3", "contract_threshold": "1000",
            "laposte_key": "", **changes}


def test_managers_and_owners_only(people):
    for role, expected in (("viewer", 403), ("editor", 403), ("manager", 200), ("owner", 200), ("outsider", 404)):
        assert client_for(people[role]).get(_url(people)).status_code == expected, role
    assert client_for(people["editor"]).post(_url(people), _valid(retention_years="5")).status_code == 403


def test_the_page_shows_parvis_notice_as_the_placeholder_and_the_variables(people):
    page = client_for(people["manager"]).get(_url(people)).content.decode()
    assert 'placeholder="Your details at {organisation}"' in page
    assert "{name}, {organisation}, {data}, {source}, {years}, {sender}" in page
    assert "2023-451" in page and "2025-1137" in page
    assert "No La Poste key" in page


def test_each_wrong_field_is_named_with_a_400_and_nothing_is_saved(people):
    page = client_for(people["manager"]).post(_url(people), _valid(
        notice_body="Bonjour {prenom}", retention_years="11", contract_threshold="0", laposte_key="a b"))
    assert page.status_code == 400
    content = page.content.decode()
    for field in ("notice_body", "retention_years", "contract_threshold", "laposte_key"):
        assert f'data-field="{field}"' in content, field
    assert "Unknown variable {prenom}" in content
    chosen = contacts.settings_for(people["organisation"])
    assert (chosen.notice_body, chosen.retention_years, chosen.contract_threshold, chosen.tracking_credentials) == (
        "", 3, Decimal("1000.00"), {})


def test_settings_are_saved_for_the_organisation(people):
    done = client_for(people["owner"]).post(_url(people), _valid(
        notice_subject="Vos données chez {organisation}", retention_years="4", contract_threshold="1 200,50"))
    assert done.status_code == 302
    chosen = RelationsSettings.objects.get(organisation=people["organisation"])
    assert (chosen.notice_subject, chosen.retention_years, chosen.contract_threshold) == (
        "Vos données chez {organisation}", 4, Decimal("1200.50"))


def test_the_key_is_never_shown_back_and_follows_the_parcels(people):
    camille = Contact.objects.create(organisation=people["organisation"], name="Camille")
    parcel = parcels.create_parcel(people["workspace"], camille, contents="Coffret", tracking_number="6A15602676300",
                                   now=timezone.now())
    assert not parcel.follow
    client = client_for(people["manager"])
    done = client.post(_url(people), _valid(laposte_key=KEY), follow=True)
    assert KEY not in done.content.decode() and "A La Poste key is set." in done.content.decode()
    assert "1 parcel is now followed" in done.content.decode()
    assert parcels.laposte_key(people["organisation"]) == KEY
    parcel.refresh_from_db()
    assert parcel.follow
    # Saving again with the field empty keeps the key; a wrong form does not show it either.
    client.post(_url(people), _valid(retention_years="5"))
    assert parcels.laposte_key(people["organisation"]) == KEY
    wrong = client.post(_url(people), _valid(retention_years="0", laposte_key=KEY + "2"))
    assert wrong.status_code == 400 and KEY not in wrong.content.decode()
    assert KEY not in client.get(_url(people)).content.decode()
    # Removed: nothing is followed any more.
    client.post(_url(people), {"forget_key": "1"})
    assert parcels.laposte_key(people["organisation"]) == ""
    parcel.refresh_from_db()
    assert not parcel.follow

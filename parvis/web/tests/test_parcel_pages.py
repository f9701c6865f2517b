"""The parcels pages: the list with its filters and the carriers' tracking links, the
form (the contact's address copied, each wrong field named, nothing saved then), the
status set by hand, La Poste asked now, deletion, the contact page's parcels — with each
role's rights, and another agency's parcels out of reach."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.relations import parcels
from parvis.relations.models import Contact, Gift, Parcel, ParcelStatus, RelationsSettings
from parvis.testing.factories import client_for
from parvis.testing.laposte_server import LocalLaPoste

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NUMBER = "6A15602676300"
KEY = "cle-okapi-de-l-agence"


def _url(name, people, *args):
    return reverse(f"web:{name}", args=[people["workspace"].pk, *args])


@pytest.fixture
def camille(people):
    return Contact.objects.create(organisation=people["organisation"], name="Camille Martin",
                                  street="12 rue des Lilas", postal_code="69003", city="Lyon", country="France")


@pytest.fixture
def parcel(people, camille):
    return parcels.create_parcel(people["workspace"], camille, contents="Coffret de macarons", declared_value="45,90",
                                 tracking_number=NUMBER, sent_on=date.today(), now=timezone.now(), by=people["owner"])


def test_the_list_says_what_to_do_when_empty(people):
    page = client_for(people["viewer"]).get(_url("parcels", people))
    assert page.status_code == 200
    assert b'data-testid="parcels-empty"' in page.content and b"No parcel yet" in page.content
    assert b'data-testid="parcel-new"' not in page.content  # a viewer reads only


def test_a_row_links_to_the_carriers_page_and_says_how_it_is_followed(people, camille, parcel):
    other = parcels.create_parcel(people["workspace"], camille, contents="Tablier brodé", carrier="dpd",
                                  tracking_number="DPD-12345", now=timezone.now())
    Parcel.objects.filter(pk=other.pk).update(check_error="La Poste refused the key (HTTP 401).",
                                              check_error_text={"msgid": "La Poste refused the key (HTTP 401).",
                                                                "params": {}})
    page = client_for(people["viewer"]).get(_url("parcels", people)).content.decode()
    assert page.count('data-testid="parcel-row"') == 2
    assert f'href="https://www.laposte.fr/outils/suivre-vos-envois?code={NUMBER}" rel="noopener noreferrer ' \
           'nofollow" target="_blank"' in page
    assert "https://trace.dpd.fr/fr/trace/DPD-12345" in page
    assert "La Poste refused the key (HTTP 401)." in page
    assert "Camille Martin" in page and "Being prepared" in page


def test_the_list_filters_by_status_and_finds_by_contact_or_number(people, camille, parcel):
    other_person = Contact.objects.create(organisation=people["organisation"], name="Bruno Presse")
    parcels.create_parcel(people["workspace"], other_person, contents="Galettes", now=timezone.now())
    parcels.set_status(parcel, ParcelStatus.DELIVERED, now=timezone.now())
    client = client_for(people["viewer"])
    for params, expected in (({"q": "bruno"}, "Galettes"), ({"q": "6a156 02676300"}, "Coffret"),
                             ({"status": "delivered"}, "Coffret")):
        page = client.get(_url("parcels", people), params).content.decode()
        assert page.count('data-testid="parcel-row"') == 1 and expected in page, params
    assert b"No parcel matches" in client.get(_url("parcels", people), {"q": "personne"}).content


def test_a_new_parcel_from_the_contact_page_starts_with_their_address(people, camille):
    client = client_for(people["editor"])
    contact_page = client.get(_url("contact", people, camille.pk)).content.decode()
    assert 'data-testid="contact-parcels"' in contact_page and "No parcel sent" in contact_page
    assert f'{_url("parcel_new", people)}?contact={camille.pk}' in contact_page
    form = client.get(_url("parcel_new", people), {"contact": camille.pk}).content.decode()
    assert "12 rue des Lilas\n69003 Lyon\nFrance" in form
    assert f'<option value="{camille.pk}" selected>' in form


def test_each_wrong_field_is_named_with_a_400_and_nothing_is_saved(people, camille):
    client = client_for(people["editor"])
    page = client.post(_url("parcel_new", people), {
        "contact": camille.pk, "contents": "", "declared_value": "beaucoup", "carrier": "colissimo",
        "tracking_number": "12", "sent_on": "hier"})
    assert page.status_code == 400
    for field in ("contents", "declared_value", "tracking_number", "sent_on"):
        assert f'data-field="{field}"' in page.content.decode(), field
    assert not Parcel.objects.exists() and not Gift.objects.exists()
    stranger = Contact.objects.create(organisation=people["other_workspace"].organisation, name="Ailleurs")
    refused = client.post(_url("parcel_new", people), {"contact": stranger.pk, "contents": "X",
                                                       "carrier": "colissimo"})
    assert refused.status_code == 400 and b'data-field="contact"' in refused.content


def test_a_parcel_is_saved_with_a_typed_address_and_enters_the_ledger(people, camille):
    done = client_for(people["editor"]).post(_url("parcel_new", people), {
        "contact": camille.pk, "contents": "Coffret", "declared_value": "12,50", "carrier": "colissimo",
        "tracking_number": "6a 1560 2676 300", "sent_on": "", "address": "Chez Léa\n3 place Bellecour\n69002 Lyon"})
    made = Parcel.objects.get()
    assert done.status_code == 302 and done["Location"] == _url("parcel_edit", people, made.pk)
    assert made.address == "Chez Léa\n3 place Bellecour\n69002 Lyon" and made.tracking_number == NUMBER
    assert str(made.gift.value) == "12.50" and made.created_by == people["editor"]


def test_a_change_is_saved_and_a_wrong_one_keeps_what_was_saved(people, parcel):
    client = client_for(people["editor"])
    form = client.get(_url("parcel_edit", people, parcel.pk)).content.decode()
    assert "Coffret de macarons" in form and 'data-testid="parcel-delete"' in form
    bad = client.post(_url("parcel_edit", people, parcel.pk), {"contents": "Autre", "declared_value": "-3",
                                                              "carrier": "colissimo", "tracking_number": NUMBER})
    assert bad.status_code == 400 and b'data-field="declared_value"' in bad.content
    parcel.refresh_from_db()
    assert parcel.contents == "Coffret de macarons"
    client.post(_url("parcel_edit", people, parcel.pk), {"contents": "Coffret XL", "declared_value": "60",
                                                        "carrier": "colissimo", "tracking_number": NUMBER,
                                                        "address": parcel.address})
    parcel.refresh_from_db()
    assert parcel.contents == "Coffret XL" and str(parcel.gift.value) == "60.00"


def test_the_status_is_set_by_hand_and_a_viewer_cannot(people, parcel):
    assert client_for(people["viewer"]).post(_url("parcel_status", people, parcel.pk),
                                             {"status": "delivered"}).status_code == 403
    page = client_for(people["viewer"]).get(_url("parcel_edit", people, parcel.pk)).content.decode()
    assert 'data-testid="status-form"' not in page and 'data-testid="parcel-form"' not in page
    client_for(people["editor"]).post(_url("parcel_status", people, parcel.pk), {"status": "delivered"})
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.DELIVERED and parcel.status_at is not None


def test_la_poste_is_asked_now_when_the_key_is_set(people, parcel, settings):
    client = client_for(people["editor"])
    assert b'data-testid="refresh"' not in client.get(_url("parcel_edit", people, parcel.pk)).content  # no key
    RelationsSettings.objects.create(organisation=people["organisation"], tracking_credentials={"laposte": KEY})
    with LocalLaPoste() as laposte:
        laposte.keys.add(KEY)
        laposte.add_shipment(NUMBER, events=[("ET1", "Votre colis est en transit.", timezone.now())])
        settings.PARVIS_LAPOSTE_API_URL = laposte.api_url
        assert b'data-testid="refresh"' in client.get(_url("parcel_edit", people, parcel.pk)).content
        client.post(_url("parcel_refresh", people, parcel.pk))
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.IN_TRANSIT and parcel.status_label == "Votre colis est en transit."
    page = client.get(_url("parcel_edit", people, parcel.pk)).content.decode()
    assert 'data-testid="parcel-steps"' in page and 'data-testid="followed"' in page


def test_deleting_a_parcel_removes_its_ledger_row(people, parcel):
    assert client_for(people["viewer"]).post(_url("parcel_delete", people, parcel.pk)).status_code == 403
    done = client_for(people["editor"]).post(_url("parcel_delete", people, parcel.pk))
    assert done.status_code == 302 and not Parcel.objects.exists() and not Gift.objects.exists()


def test_another_agency_reaches_none_of_it(people, parcel):
    outsider = client_for(people["outsider"])
    for name in ("parcel_edit", "parcel_status", "parcel_refresh", "parcel_delete"):
        answer = outsider.post(_url(name, people, parcel.pk)) if name != "parcel_edit" else \
            outsider.get(_url(name, people, parcel.pk))
        assert answer.status_code == 404, name
    mine = reverse("web:parcel_edit", args=[people["other_workspace"].pk, parcel.pk])
    assert outsider.get(mine).status_code == 404
    assert Parcel.objects.filter(pk=parcel.pk).exists()


def test_the_new_parcel_page_asks_for_a_contact_first(people):
    page = client_for(people["editor"]).get(_url("parcel_new", people))
    assert page.status_code == 200 and b'data-testid="parcel-no-contact"' in page.content

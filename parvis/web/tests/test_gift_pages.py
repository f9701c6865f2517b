"""The gifts ledger page: per person and year, each benefit and the total, the written-
contract warning from the threshold itself, fees and other benefits entered (each wrong
field named), changed and deleted, parcels' rows refused there, the posts missing the
advertising mention — with each role's rights."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.relations import gifts, parcels
from parvis.relations.models import Contact, Event, Gift, Guest, Mention, RelationsSettings
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _url(name, people, *args):
    return reverse(f"web:{name}", args=[people["workspace"].pk, *args])


def _today(people) -> date:
    return gifts.local_today(people["workspace"], timezone.now())


@pytest.fixture
def lea(people):
    return Contact.objects.create(organisation=people["organisation"], name="Léa Marquise", city="Lyon")


def fee(people, contact, value, **fields):
    values = {"kind": "fee", "description": "Vidéo recette", "value": value, "given_on": _today(people), **fields}
    return gifts.add_gift(people["workspace"], contact, now=timezone.now(), **values)


def test_an_empty_year_says_what_to_do(people):
    page = client_for(people["viewer"]).get(_url("gifts", people))
    assert page.status_code == 200
    assert b'data-testid="ledger-empty"' in page.content and b"enter fees and other benefits" in page.content
    assert b'data-testid="missing-empty"' in page.content
    assert b'data-testid="gift-form"' not in page.content  # a viewer reads only


def test_the_warning_comes_at_the_threshold_itself_and_names_the_law(people, lea):
    RelationsSettings.objects.create(organisation=people["organisation"], contract_threshold=Decimal("500.00"))
    fee(people, lea, "499.99")
    client = client_for(people["viewer"])
    page = client.get(_url("gifts", people)).content.decode()
    assert 'data-testid="needs-contract"' not in page and "499.99 €" in page
    assert "500.00 €" in page and "2023-451" in page and "2025-1137" in page
    fee(people, lea, "0.01", description="Frais de port")
    page = client.get(_url("gifts", people)).content.decode()
    assert page.count('data-testid="needs-contract"') == 1 and "Written contract required" in page
    assert page.count('data-testid="benefit"') == 2


def test_a_year_is_chosen_and_an_impossible_one_is_not_found(people, lea):
    last_year = _today(people).year - 1
    fee(people, lea, "80", given_on=date(last_year, 6, 1))
    client = client_for(people["viewer"])
    assert b'data-testid="ledger-row"' not in client.get(_url("gifts", people)).content
    assert b"80.00" in client.get(_url("gifts", people), {"year": last_year}).content
    assert client.get(_url("gifts", people), {"year": "1990"}).status_code == 404
    assert client.get(_url("gifts", people), {"year": "abc"}).status_code == 404


def test_a_fee_with_wrong_fields_is_named_with_a_400_and_nothing_saved(people, lea):
    page = client_for(people["editor"]).post(_url("gifts", people), {
        "contact": lea.pk, "kind": "fee", "description": "", "value": "mille", "given_on": "1999-01-01"})
    assert page.status_code == 400
    for field in ("description", "value", "given_on"):
        assert f'data-field="{field}"' in page.content.decode(), field
    assert not Gift.objects.exists()
    assert client_for(people["viewer"]).post(_url("gifts", people), {
        "contact": lea.pk, "kind": "fee", "description": "X", "value": "1", "given_on": ""}).status_code == 403


def test_a_fee_is_added_changed_and_deleted(people, lea):
    client = client_for(people["editor"])
    today = _today(people)
    done = client.post(_url("gifts", people), {"contact": lea.pk, "kind": "other", "description": "Deux nuits",
                                               "value": "320,50", "given_on": today.isoformat()})
    gift = Gift.objects.get()
    assert done.status_code == 302 and (gift.kind, gift.value) == ("other", Decimal("320.50"))
    form = client.get(_url("gift_edit", people, gift.pk)).content.decode()
    assert "Deux nuits" in form
    bad = client.post(_url("gift_edit", people, gift.pk), {"kind": "fee", "description": "Deux nuits", "value": "-1",
                                                          "given_on": today.isoformat()})
    assert bad.status_code == 400 and b'data-field="value"' in bad.content
    client.post(_url("gift_edit", people, gift.pk), {"kind": "fee", "description": "Trois nuits", "value": "400",
                                                    "given_on": today.isoformat()})
    gift.refresh_from_db()
    assert (gift.kind, gift.description, gift.value) == ("fee", "Trois nuits", Decimal("400.00"))
    assert client_for(people["viewer"]).post(_url("gift_delete", people, gift.pk)).status_code == 403
    client.post(_url("gift_delete", people, gift.pk))
    assert not Gift.objects.exists()


def test_a_parcels_row_links_to_it_and_refuses_changes_here(people, lea):
    parcel = parcels.create_parcel(people["workspace"], lea, contents="Coffret", declared_value="45",
                                   now=timezone.now())
    gift = parcel.gift
    client = client_for(people["editor"])
    page = client.get(_url("gifts", people)).content.decode()
    assert f'href="{_url("parcel_edit", people, parcel.pk)}"' in page
    assert 'data-testid="gift-edit"' not in page
    refused = client.post(_url("gift_edit", people, gift.pk), {"kind": "fee", "description": "X", "value": "1",
                                                              "given_on": _today(people).isoformat()})
    assert refused.status_code == 400 and b"change or delete it there" in refused.content
    client.post(_url("gift_delete", people, gift.pk))
    gift.refresh_from_db()
    assert (gift.kind, gift.description, gift.value) == ("parcel", "Coffret", Decimal("45.00"))


def test_posts_missing_the_mention_are_listed_with_their_links(people, lea):
    now = timezone.now()
    for n, disclosure in enumerate(("missing", "present", "not_needed")):
        Mention.objects.create(contact=lea, workspace=people["workspace"], network="mastodon", remote_id=str(n),
                               url=f"https://piaille.example/@lea/{n}", text=f"Galettes {disclosure}",
                               published_at=now, found_via="inbox", disclosure=disclosure)
    page = client_for(people["viewer"]).get(_url("gifts", people)).content.decode()
    assert page.count('data-testid="missing-mention"') == 1 and "Galettes missing" in page
    assert 'href="https://piaille.example/@lea/0" rel="noopener noreferrer nofollow" target="_blank"' in page


def test_another_agency_reaches_none_of_it(people, lea):
    gift = fee(people, lea, "10")
    outsider = client_for(people["outsider"])
    assert outsider.get(_url("gifts", people)).status_code == 404
    assert outsider.get(_url("gift_edit", people, gift.pk)).status_code == 404
    assert outsider.post(_url("gift_delete", people, gift.pk)).status_code == 404
    mine = reverse("web:gift_edit", args=[people["other_workspace"].pk, gift.pk])
    assert outsider.get(mine).status_code == 404 and Gift.objects.filter(pk=gift.pk).exists()


def test_an_invitations_row_links_to_its_event(people, lea):
    now = timezone.now()
    event = Event.objects.create(workspace=people["workspace"], name="Soirée galettes", starts_at=now, ends_at=now,
                                 link_secret="s")
    guest = Guest.objects.create(event=event, contact=lea, link_nonce="n")
    Gift.objects.create(workspace=people["workspace"], contact=lea, kind="invitation", description="Soirée galettes",
                        value=Decimal("80"), given_on=_today(people), guest=guest)
    page = client_for(people["editor"]).get(_url("gifts", people)).content.decode()
    assert f'href="{_url("event", people, event.pk)}"' in page and 'data-testid="gift-edit"' not in page

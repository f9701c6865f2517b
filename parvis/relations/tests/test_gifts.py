"""The gifts ledger: benefits entered by hand, totals per person × brand × calendar year,
the written-contract threshold of the influencer law, and the advertising mention."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from parvis.accounts.actions import create_workspace
from parvis.relations import gifts, parcels
from parvis.relations.gifts import GiftError
from parvis.relations.models import Contact, Gift, Mention, RelationsSettings

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Disclosure = Mention.Disclosure
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def camille(people: dict[str, Any]) -> Contact:
    return Contact.objects.create(organisation=people["organisation"], name="Camille Martin")


@pytest.fixture
def other_brand(people: dict[str, Any]) -> Any:
    return create_workspace(people["organisation"], "Fromagerie Lefèvre", people["owner"], "Europe/Paris", "fr")


def give(workspace: Any, contact: Contact, value: str, on: date, kind: str = Gift.Kind.FEE) -> Gift:
    return gifts.add_gift(workspace, contact, kind=kind, description="Story Instagram", value=value, given_on=on,
                          now=NOW)


# -- entering benefits ---------------------------------------------------------------------

def test_a_fee_is_entered_with_its_value_to_the_cent(people, camille) -> None:
    fee = give(people["workspace"], camille, "1 250,50", date(2026, 11, 2))
    fee.refresh_from_db()
    assert (fee.kind, fee.value, fee.given_on, fee.description) == (
        Gift.Kind.FEE, Decimal("1250.50"), date(2026, 11, 2), "Story Instagram")


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": Gift.Kind.PARCEL}, "kind"),
    ({"kind": "bribe"}, "kind"),
    ({"description": " "}, "description"),
    ({"value": "-5"}, "value"),
    ({"value": "1000000"}, "value"),
    ({"value": "0.001"}, "value"),
    ({"value": "NaN"}, "value"),
    ({"given_on": "2026-02-30"}, "given_on"),
    ({"given_on": date(2014, 5, 1)}, "given_on"),
    ({"given_on": date(2028, 1, 1)}, "given_on"),
])
def test_bad_input_names_its_field_and_saves_nothing(people, camille, fields, field) -> None:
    values = {"kind": Gift.Kind.OTHER, "description": "Dîner", "value": "80", "given_on": date(2026, 11, 2), **fields}
    with pytest.raises(GiftError) as caught:
        gifts.add_gift(people["workspace"], camille, now=NOW, **values)
    assert caught.value.field == field and list(caught.value.by_field()) == [field]
    assert not Gift.objects.exists()


def test_a_benefit_for_another_organisations_contact_is_refused(people) -> None:
    stranger = Contact.objects.create(organisation=people["other_workspace"].organisation, name="Autre")
    with pytest.raises(GiftError) as caught:
        give(people["workspace"], stranger, "10", date(2026, 11, 2))
    assert caught.value.field == "contact"


def test_a_fee_is_edited_and_deleted_but_a_parcels_row_follows_its_parcel(people, camille) -> None:
    fee = give(people["workspace"], camille, "100", date(2026, 11, 2))
    gifts.edit_gift(fee, now=NOW, value="150")
    assert Gift.objects.get(pk=fee.pk).value == Decimal("150.00")
    with pytest.raises(GiftError) as caught:
        gifts.edit_gift(fee, now=NOW, value="-1")
    assert caught.value.field == "value" and Gift.objects.get(pk=fee.pk).value == Decimal("150.00")
    gifts.delete_gift(fee)
    parcel = parcels.create_parcel(people["workspace"], camille, contents="Coffret", declared_value="60", now=NOW)
    linked = Gift.objects.get(parcel=parcel)
    with pytest.raises(GiftError):
        gifts.edit_gift(linked, now=NOW, value="1")
    with pytest.raises(GiftError):
        gifts.delete_gift(linked)
    assert Gift.objects.get(pk=linked.pk).value == Decimal("60.00")


# -- totals and the threshold --------------------------------------------------------------

def test_totals_are_per_person_brand_and_calendar_year(people, camille, other_brand) -> None:
    brand = people["workspace"]
    dominique = Contact.objects.create(organisation=people["organisation"], name="Dominique")
    give(brand, camille, "300", date(2025, 12, 31))
    give(brand, camille, "600.10", date(2026, 1, 1))
    give(brand, camille, "0.20", date(2026, 6, 1), kind=Gift.Kind.OTHER)
    give(other_brand, camille, "2000", date(2026, 3, 1))
    give(brand, dominique, "50", date(2026, 3, 1))
    found = {(t.contact_id, t.workspace_id, t.year): (t.total, t.gifts) for t in gifts.totals(contact=camille)}
    assert found == {(camille.pk, brand.pk, 2025): (Decimal("300.00"), 1),
                     (camille.pk, brand.pk, 2026): (Decimal("600.30"), 2),
                     (camille.pk, other_brand.pk, 2026): (Decimal("2000.00"), 1)}
    assert [(t.contact_id, t.total) for t in gifts.totals(workspace=brand, year=2026)] == [
        (camille.pk, Decimal("600.30")), (dominique.pk, Decimal("50.00"))]


def test_the_ledger_asks_for_a_written_contract_from_exactly_the_threshold(people, camille) -> None:
    brand = people["workspace"]
    dominique = Contact.objects.create(organisation=people["organisation"], name="Dominique")
    give(brand, camille, "700", date(2026, 2, 1))
    give(brand, camille, "300", date(2026, 9, 1), kind=Gift.Kind.OTHER)  # 1 000.00 exactly
    give(brand, dominique, "999.99", date(2026, 5, 1))
    give(brand, dominique, "500", date(2025, 5, 1))  # another year
    rows = gifts.ledger(brand, 2026)
    assert [(r.contact, r.total, r.gifts, r.needs_contract) for r in rows] == [
        (camille, Decimal("1000.00"), 2, True), (dominique, Decimal("999.99"), 1, False)]
    assert rows[0].by_kind == {Gift.Kind.FEE: Decimal("700.00"), Gift.Kind.OTHER: Decimal("300.00")}


def test_the_threshold_is_the_organisations_setting(people, camille) -> None:
    assert gifts.contract_threshold(people["organisation"]) == Decimal("1000.00")
    RelationsSettings.objects.create(organisation=people["organisation"], contract_threshold=Decimal("500.00"))
    give(people["workspace"], camille, "500", date(2026, 2, 1))
    assert gifts.ledger(people["workspace"], 2026)[0].needs_contract


def test_parcels_count_in_the_year_they_were_sent(people, camille) -> None:
    brand = people["workspace"]
    parcels.create_parcel(brand, camille, contents="Coffret", declared_value="950", sent_on="2026-11-20", now=NOW)
    give(brand, camille, "50", date(2026, 12, 1))
    assert gifts.ledger(brand, 2026)[0].needs_contract
    assert gifts.ledger(brand, 2026)[0].by_kind[Gift.Kind.PARCEL] == Decimal("950.00")
    assert gifts.ledger(brand, 2025) == []


# -- the advertising mention ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "disclosure"), [
    ("Publicité — merci @boulangerie pour ce coffret", Disclosure.PRESENT),
    ("PUBLICITE pour @boulangerie", Disclosure.PRESENT),
    ("Mon avis sur le coffret #publicité", Disclosure.PRESENT),
    ("Mon avis #Publicite #lyon", Disclosure.PRESENT),
    ("Collaboration commerciale avec @boulangerie", Disclosure.PRESENT),
    ("collaboration\ncommerciale", Disclosure.PRESENT),
    ("Trop bon ! #CollaborationCommerciale", Disclosure.PRESENT),
    ("Ceci n'est pas une publicité, mais… publicité quand même", Disclosure.PRESENT),
    ("Collab commerciale avec @boulangerie", Disclosure.MISSING),
    ("#collab #pub #ad #sponsorisé", Disclosure.MISSING),
    ("Un objet publicitaire très réussi", Disclosure.MISSING),
    ("Ceci n'est pas une publicité", Disclosure.MISSING),
    ("Sans publicité ni collaboration commerciale", Disclosure.MISSING),
    ("Voir https://boulangerie.example/publicite", Disclosure.MISSING),
    ("", Disclosure.MISSING),
])
def test_the_mention_is_one_of_the_two_the_law_names(text: str, disclosure: str) -> None:
    assert gifts.disclosure_for(text) == disclosure


def mention(people: dict[str, Any], contact: Contact, text: str, published_at: datetime,
            workspace: Any = None) -> Mention:
    return Mention.objects.create(contact=contact, workspace=workspace or people["workspace"], network="mastodon",
                                  remote_id=str(Mention.objects.count() + 1), text=text, published_at=published_at,
                                  found_via="inbox")


def test_a_post_without_a_benefit_from_the_brand_needs_no_mention(people, camille, other_brand) -> None:
    give(other_brand, camille, "200", date(2026, 11, 1))  # another brand's gift
    post = mention(people, camille, "J'adore cette boulangerie", datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert gifts.check_mention(post) == Disclosure.NOT_NEEDED
    assert Mention.objects.get(pk=post.pk).disclosure == Disclosure.NOT_NEEDED


def test_a_post_within_a_year_of_a_benefit_must_carry_the_mention(people, camille) -> None:
    give(people["workspace"], camille, "80", date(2025, 11, 21))
    posted = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 21 November in Paris: a year to the day
    missing = mention(people, camille, "J'adore cette boulangerie", posted)
    present = mention(people, camille, "J'adore cette boulangerie #publicité", posted)
    assert gifts.check_mention(missing) == Disclosure.MISSING
    assert gifts.check_mention(present) == Disclosure.PRESENT
    assert Mention.objects.get(pk=missing.pk).disclosure == Disclosure.MISSING


def test_a_benefit_more_than_a_year_before_or_after_the_post_does_not_count(people, camille) -> None:
    give(people["workspace"], camille, "80", date(2025, 11, 19))
    give(people["workspace"], camille, "80", date(2026, 11, 22))  # after the post
    post = mention(people, camille, "Sans mention", datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert gifts.check_mention(post) == Disclosure.NOT_NEEDED


def test_a_parcel_is_a_benefit_even_without_a_declared_value(people, camille) -> None:
    parcels.create_parcel(people["workspace"], camille, contents="Échantillons", now=NOW)
    post = mention(people, camille, "Reçu des échantillons !", datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    assert gifts.check_mention(post) == Disclosure.MISSING


def test_a_year_before_the_29th_of_february_is_the_28th() -> None:
    assert gifts.year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert gifts.year_before(date(2026, 11, 21)) == date(2025, 11, 21)

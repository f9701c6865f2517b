"""The item panel's analysis part says in words what each score means and which model read
the item: "Insult or toxic: no · model, score 0.02" used to read as "there is no model"."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest

from parvis.inbox.models import Item
from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for
from parvis.web.tests.test_inbox_pages import HX, item_url, seed

pytestmark = pytest.mark.django_db


def panel(people: dict[str, Any], item: Item, language: str = "en") -> str:
    response = client_for(people["editor"], language=language).get(item_url(item), headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    section = re.search(r'<section class="understanding".*?</section>', html, re.S)
    assert section
    return html_lib.unescape(re.sub(r"\s+", " ", section.group(0)))


def analysed(account: SocialAccount, text: str, **found: Any) -> Item:
    item = seed(account, [text])[0]
    Item.objects.filter(pk=item.pk).update(analysed_with="understand-2026.12-1", language="fr", **found)
    item.refresh_from_db()
    return item


def test_a_clean_item_says_the_flags_are_very_unlikely_not_no_model(people, account):
    item = analysed(account, "Merci pour la livraison", sentiment="positive", sentiment_score=0.93,
                    toxic=False, toxic_score=0.02, spam=False, spam_score=0.01)
    html = panel(people, item)
    assert "very unlikely to be an insult or a threat (score 0.02 out of 1)" in html
    assert "very unlikely to be spam (score 0.01 out of 1)" in html
    assert "the model is confident (confidence 0.93)" in html
    assert "Read by the model shipped with parvis" in html
    assert "no model" not in html.lower().replace("no model has read", "")


def test_a_flagged_item_says_how_likely_the_insult_is(people, account):
    item = analysed(account, "Tu vas voir ce qui t'attend", sentiment="negative", sentiment_score=0.55,
                    toxic=True, toxic_score=0.93, spam=False, spam_score=0.3)
    html = panel(people, item)
    assert "very likely an insult, a threat or hate (score 0.93 out of 1)" in html
    assert "probably not spam, though the model is unsure (score 0.30 out of 1)" in html
    assert "the model is unsure: another sentiment is nearly as likely" in html


def test_an_item_no_model_has_read_says_so(people, account):
    item = seed(account, ["Pas encore lu"])[0]  # stored without analysis: no scores
    html = panel(people, item)
    assert "No model has read this item yet" in html
    assert "not analysed yet: no model has read this item" in html


def test_an_item_read_by_the_workspaces_own_model_says_so(people, account):
    item = analysed(account, "Super", sentiment="positive", sentiment_score=0.7, toxic=False, toxic_score=0.4,
                    spam=False, spam_score=0.05)
    Item.objects.filter(pk=item.pk).update(analysed_with="understand-2026.12-1+3fa2c81b90de")
    html = panel(people, item)
    assert "Read by this workspace's own model, retrained on your team's corrections." in html
    assert "probably not an insult, though the model is unsure (score 0.40 out of 1)" in html


def test_the_meanings_are_in_french_for_a_french_reader(people, account):
    item = analysed(account, "Merci pour la livraison", sentiment="positive", sentiment_score=0.93,
                    toxic=False, toxic_score=0.02, spam=False, spam_score=0.01)
    html = panel(people, item, language="fr")
    assert "très peu probable que ce soit une insulte ou une menace" in html
    assert "Lu par le modèle livré avec parvis" in html

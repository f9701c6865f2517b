"""An article's options: the form every error of which names its field (built as parvis
builds it, with no account and no post), and the checks the connector runs before
sending anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from parvis.networks.base import Draft, MediaFile
from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.connector import WordPressConnector
from parvis.networks.wordpress.options import OptionsForm, problems
from parvis.publishing.network_checks import options_form

pytestmark = pytest.mark.usefixtures("english")

IMAGE = MediaFile(path=Path("a.png"), mime_type="image/png")
VIDEO = MediaFile(path=Path("a.mp4"), mime_type="video/mp4")


def test_the_network_declares_its_options_form():
    assert options_form("wordpress") is OptionsForm


def test_a_complete_form_gives_the_options_the_connector_reads():
    form = OptionsForm(data={"title": " Pain ", "excerpt": "Bon", "categories": "Pains, 2024,, pains",
                             "tags": "levain, seigle,, Levain", "featured_image": "2", "slug": "Pain-Frais"})
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["title"] == "Pain" and data["categories"] == ["Pains", "2024"]
    assert data["tags"] == ["levain", "seigle"] and data["featured_image"] == 2 and data["slug"] == "pain-frais"
    assert problems("Texte", [IMAGE, IMAGE], data) == []


def test_saved_options_are_shown_again_as_typed():
    form = OptionsForm(initial={"title": "Pain", "categories": ["Pains", "Fêtes"], "tags": ["levain", 12]},
                       prefix="opt_wordpress")
    html = str(form["categories"]) + str(form["tags"])
    assert 'value="Pains, Fêtes"' in html and 'value="levain, 12"' in html
    # Sent back unchanged (or as a list, through the API), they clean to the same lists.
    again = OptionsForm(data={"title": "Pain", "categories": "Pains, Fêtes", "tags": ["levain", 12]})
    assert again.is_valid() and again.cleaned_data["tags"] == ["levain", "12"]


def test_each_error_names_its_field():
    form = OptionsForm(data={"title": "", "featured_image": "0", "slug": "pas un slug",
                             "tags": "x" * 201})
    assert not form.is_valid()
    assert set(form.errors) == {"title", "featured_image", "slug", "tags"}


def test_a_title_longer_than_200_characters_is_refused():
    form = OptionsForm(data={"title": "x" * 201})
    assert not form.is_valid() and "title" in form.errors


def test_the_checks_name_their_fields_as_the_contract_does():
    found = problems("", [VIDEO], {"featured_image": 4, "slug": "A B"})
    assert [p.field for p in found] == ["options.title", "media", "options.featured_image", "options.slug"]
    assert {p.network for p in found} == {"wordpress"}
    assert [p.field for p in problems("", [], {"title": "T"})] == ["text"]
    assert "1 to 1" in found[2].message  # bounded by the post's images, not by the form
    (no_image,) = problems("Texte", [], {"title": "T", "featured_image": 1})
    assert no_image.field == "options.featured_image" and "no image to feature" in no_image.message


def test_the_connectors_checks_are_the_packages_problems():
    connector = WordPressConnector(SocialAccount(network="wordpress", server_url="https://blog.example",
                                                 credentials={}))
    draft = Draft(text="Bonjour", media=(IMAGE,), options={"title": "", "featured_image": 2})
    assert connector.checks(draft) == problems(draft.text, draft.media, draft.options)
    assert [p.field for p in connector.checks(draft)] == ["options.title", "options.featured_image"]

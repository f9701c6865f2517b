"""An article's options: the form every error of which names its field, and the checks
the connector runs before sending anything."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from parvis.networks.base import MediaFile
from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.options import OptionsForm, problems

pytestmark = pytest.mark.usefixtures("english")

IMAGE = MediaFile(path=Path("a.png"), mime_type="image/png")
VIDEO = MediaFile(path=Path("a.mp4"), mime_type="video/mp4")


def _account() -> SocialAccount:
    return SocialAccount(network="wordpress", config={"categories": [{"id": 1, "name": "Uncategorized"},
                                                                     {"id": 5, "name": "Pains"}]})


def test_a_complete_form_gives_the_options_the_connector_reads():
    when = timezone.now() + timedelta(days=1)
    form = OptionsForm({"title": " Pain ", "excerpt": "Bon", "categories": ["5"], "tags": "levain, seigle,, Levain",
                        "featured_image": "2", "slug": "Pain-Frais", "publish_at": when.isoformat()},
                       account=_account(), media_count=2)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["title"] == "Pain" and data["categories"] == [5] and data["tags"] == ["levain", "seigle"]
    assert data["featured_image"] == 2 and data["slug"] == "pain-frais"
    assert problems("Texte", [IMAGE, IMAGE], data) == []


def test_each_error_names_its_field():
    form = OptionsForm({"title": "", "categories": ["9"], "featured_image": "3", "slug": "pas un slug",
                        "publish_at": (timezone.now() - timedelta(hours=1)).isoformat()},
                       account=_account(), media_count=2)
    assert not form.is_valid()
    assert set(form.errors) == {"title", "categories", "featured_image", "slug", "publish_at"}
    assert "1 to 2" in form.errors["featured_image"][0]


def test_a_title_longer_than_200_characters_is_refused():
    form = OptionsForm({"title": "x" * 201}, account=_account())
    assert not form.is_valid() and "title" in form.errors


def test_the_checks_name_title_media_featured_image_and_slug():
    found = problems("", [VIDEO], {"featured_image": 4, "slug": "A B"})
    assert [p.field for p in found] == ["title", "media", "featured_image", "slug"]
    assert [p.field for p in problems("", [], {"title": "T"})] == ["text"]

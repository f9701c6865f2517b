"""The composer's live preview: the post on each chosen network as its feed shows it,
folded where the network folds it, with links, mentions and hashtags drawn as links, the
card of its first link, and the chosen images."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parvis.testing.factories import client_for, make_account
from parvis.web.previews import cut

pytestmark = pytest.mark.django_db

TEXT = ("Nouvelle fournée chez @boulangerie ! Venez goûter la galette des rois à la frangipane, cuite au feu de "
        "bois ce matin par toute l'équipe, dès 7 h, rue du Marché. #GaletteDesRois https://dupont.example/galette "
        "<script>alert(1)</script>")


def previews(people, accounts, **extra):
    client = client_for(people["editor"])
    answer = client.post(reverse("web:compose_check", args=[people["workspace"].pk]),
                         {"text": TEXT, "accounts": [a.pk for a in accounts], "mode": "draft", **extra})
    html = answer.content.decode()
    return {m.group(1): m.group(2) for m in re.finditer(
        r'data-network="(\w+)">(.*?)</article>', html, re.S)}


def test_each_network_shows_the_post_as_its_feed_does(people):
    mastodon = make_account(people["workspace"], "mastodon")
    instagram = make_account(people["workspace"], "instagram", server_url="https://graph.instagram.com",
                             remote_id="1789", handle="@boulangerie", credentials={"access_token": "x"})
    cards = previews(people, [instagram, mastodon])
    # Instagram folds a caption after about 125 characters; Mastodon shows it whole.
    assert "… more" in cards["instagram"] and "GaletteDesRois" not in cards["instagram"]
    assert "… more" not in cards["mastodon"]
    # Its captions' links are plain text, without a card.
    assert 'data-testid="preview-link"' not in cards["instagram"]
    assert '<span class="pv-hashtag">#GaletteDesRois</span>' in cards["mastodon"]
    assert '<span class="pv-link">https://dupont.example/galette</span>' in cards["mastodon"]
    assert '<span class="pv-mention">@boulangerie</span>' in cards["mastodon"]
    assert 'data-testid="preview-link"><strong>dupont.example</strong>' in cards["mastodon"]
    # What the person typed is text, never markup.
    assert "<script>" not in cards["mastodon"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in cards["mastodon"]


def test_the_chosen_images_show_in_the_preview(people, png):
    mastodon = make_account(people["workspace"], "mastodon")
    client = client_for(people["editor"])
    upload = client.post(reverse("web:compose_upload", args=[people["workspace"].pk]),
                         {"file": SimpleUploadedFile("four.png", png)})
    asset = int(upload.content.decode().split('data-asset="', 1)[1].split('"', 1)[0])
    cards = previews(people, [mastodon], library_media=[asset], **{f"library_alt_{asset}": "Le four à bois"})
    thumb = reverse("web:library_thumb", args=[people["workspace"].pk, asset])
    assert f'<img src="{thumb}" alt="Le four à bois"' in cards["mastodon"]
    assert 'data-testid="preview-link"' not in cards["mastodon"]  # images take the card's place


def test_no_preview_before_an_account_is_chosen(people):
    answer = client_for(people["editor"]).post(reverse("web:compose_check", args=[people["workspace"].pk]),
                                                {"text": TEXT, "mode": "draft"})
    assert 'data-testid="compose-previews"' not in answer.content.decode()


@pytest.mark.parametrize(("text", "fold", "expected"), [
    ("court", 125, "court"),
    ("un deux trois quatre", 10, "un deux"),  # ends on a word when one ends near the cut
    ("x" * 40, 30, "x" * 30),  # one long word: cut where the network cuts
])
def test_the_fold_cuts_on_a_word(text, fold, expected):
    assert cut(text, fold) == expected

"""The composer's images: uploaded into the library as soon as they are picked (or, without
JavaScript, with the form) and shown chosen with their thumbnail and alt text, so that a
post refused for any reason keeps them; and the publications list and detail show them.
(In Chromium, pick → error → still there: test_browser_compose.py.)"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parvis.networks.models import SocialAccount
from parvis.publishing import queue
from parvis.publishing.models import MediaAsset, Post, State
from parvis.testing.factories import client_for
from parvis.testing.images import forbid_decoding, png_bomb, png_bytes
from parvis.web.tests.test_pages import in_one_hour_paris

pytestmark = pytest.mark.django_db


def upload_url(workspace: Any) -> str:
    return reverse("web:compose_upload", args=[workspace.pk])


def chosen_part(html: str) -> str:
    """The composer's "chosen for this post" block."""
    return html.split('id="chosen-media"', 1)[1].split('id="id_media"', 1)[0]


# -- upload on pick --------------------------------------------------------------------------

def test_upload_on_pick_puts_the_file_in_the_library_and_answers_its_chosen_item(people, png):
    client = client_for(people["editor"])
    answer = client.post(upload_url(people["workspace"]), {"file": SimpleUploadedFile("miche.png", png)})
    assert answer.status_code == 201
    asset = MediaAsset.objects.get(workspace=people["workspace"])
    html = answer.content.decode()
    assert f'data-asset="{asset.pk}"' in html and f'name="library_media" value="{asset.pk}" checked' in html
    assert reverse("web:library_thumb", args=[people["workspace"].pk, asset.pk]) in html  # its thumbnail
    assert f'name="library_alt_{asset.pk}"' in html and "miche.png" in html
    again = client.post(upload_url(people["workspace"]), {"file": SimpleUploadedFile("copie.png", png)})
    assert again.status_code == 200 and f'data-asset="{asset.pk}"' in again.content.decode()
    assert MediaAsset.objects.count() == 1


@pytest.mark.parametrize(("data", "words"), [
    ({"file": SimpleUploadedFile("notes.png", b"not an image at all")}, "“notes.png” is not an image"),
    ({}, "Choose a file to upload."),
])
def test_upload_on_pick_refuses_with_the_reason_on_the_media_field(people, data, words):
    answer = client_for(people["editor"]).post(upload_url(people["workspace"]), data)
    assert answer.status_code == 400
    assert 'data-field="media"' in answer.content.decode() and words in answer.content.decode()
    assert not MediaAsset.objects.exists()


def test_upload_on_pick_refuses_an_image_over_the_pixel_budget_without_decoding_it(people, monkeypatch):
    decoded = forbid_decoding(monkeypatch)
    answer = client_for(people["editor"]).post(upload_url(people["workspace"]),
                                               {"file": SimpleUploadedFile("affiche.png", png_bomb())})
    assert answer.status_code == 400 and "“affiche.png” has 169 megapixels" in answer.content.decode()
    assert decoded == [] and not MediaAsset.objects.exists()


def test_upload_on_pick_is_for_this_workspaces_editors_only(people, png):
    def post(user: Any) -> int:
        return client_for(user).post(upload_url(people["workspace"]),
                                     {"file": SimpleUploadedFile("x.png", png)}).status_code
    assert (post(people["viewer"]), post(people["outsider"])) == (403, 404)
    assert client_for(people["editor"]).get(upload_url(people["workspace"])).status_code == 405
    assert not MediaAsset.objects.exists()


# -- nothing picked is lost -----------------------------------------------------------------

def test_without_javascript_a_refused_post_keeps_its_file_in_the_library_and_shows_it_chosen(
        people, bluesky_offline, png):
    client = client_for(people["editor"])
    refused = client.post(reverse("web:compose", args=[people["workspace"].pk]), {
        "text": "Une baguette", "accounts": [bluesky_offline.pk], "mode": "schedule",
        "scheduled_at": "2001-01-01T10:00", "timezone": "Europe/Paris",
        "media": SimpleUploadedFile("baguette.png", png)})
    assert refused.status_code == 400 and not Post.objects.exists()
    asset = MediaAsset.objects.get(workspace=people["workspace"])  # kept, whatever became of the post
    chosen = chosen_part(refused.content.decode())
    assert f'name="library_media" value="{asset.pk}" checked' in chosen and "baguette.png" in chosen
    assert reverse("web:library_thumb", args=[people["workspace"].pk, asset.pk]) in chosen


def test_a_chosen_image_and_its_alt_text_survive_an_error_and_go_out_with_the_post(people, bluesky_offline, png):
    client = client_for(people["editor"])
    asset_id = int(client.post(upload_url(people["workspace"]), {"file": SimpleUploadedFile("four.png", png)})
                   .content.decode().split('data-asset="', 1)[1].split('"', 1)[0])
    form = {"text": "Le four est chaud", "accounts": [bluesky_offline.pk], "mode": "schedule",
            "scheduled_at": "demain", "timezone": "Europe/Paris", "library_media": [asset_id],
            f"library_alt_{asset_id}": "Le four à bois, porte ouverte"}
    refused = client.post(reverse("web:compose", args=[people["workspace"].pk]), form)
    assert refused.status_code == 400
    chosen = chosen_part(refused.content.decode())
    assert f'value="{asset_id}" checked' in chosen and 'value="Le four à bois, porte ouverte"' in chosen
    saved = client.post(reverse("web:compose", args=[people["workspace"].pk]),
                        {**form, "scheduled_at": in_one_hour_paris()})
    assert saved.status_code == 302
    [media] = Post.objects.get().media.select_related("asset")
    assert (media.asset_id, media.effective_alt_text) == (asset_id, "Le four à bois, porte ouverte")
    # The library image had no description: it takes the one its first post gave it.
    assert MediaAsset.objects.get(pk=asset_id).alt_text == "Le four à bois, porte ouverte"


# -- publications show their images --------------------------------------------------------

def scheduled_with_image(people: dict[str, Any], account: SocialAccount, n: int) -> Post:
    client = client_for(people["editor"])
    png = png_bytes(color=("red", "green", "blue", "white", "black", "gold")[n])
    asset_id = int(client.post(upload_url(people["workspace"]), {"file": SimpleUploadedFile(f"{n}.png", png)})
                   .content.decode().split('data-asset="', 1)[1].split('"', 1)[0])
    client.post(reverse("web:compose", args=[people["workspace"].pk]), {
        "text": f"Post {n}", "accounts": [account.pk], "mode": "schedule", "scheduled_at": in_one_hour_paris(),
        "timezone": "Europe/Paris", "library_media": [asset_id], f"library_alt_{asset_id}": f"Image {n}"})
    return Post.objects.get(text=f"Post {n}")


def test_the_publications_list_and_detail_show_the_posts_images(people, bluesky_offline):
    post = scheduled_with_image(people, bluesky_offline, 0)
    media = post.media.get()
    thumb = reverse("web:library_thumb", args=[people["workspace"].pk, media.asset_id])
    client = client_for(people["viewer"])
    listing = client.get(reverse("web:publications", args=[people["workspace"].pk])).content.decode()
    assert f'src="{thumb}" alt="Image 0"' in listing
    publication = post.publications.get()
    assert publication.state == State.SCHEDULED
    detail = client.get(reverse("web:publication", args=[people["workspace"].pk, publication.pk])).content.decode()
    assert f'src="{thumb}" alt="Image 0"' in detail and 'data-testid="post-media"' in detail
    assert client.get(thumb)["Content-Type"] == "image/webp"


def test_the_publications_list_reads_the_images_in_a_fixed_number_of_queries(people, bluesky_offline):
    scheduled_with_image(people, bluesky_offline, 0)
    client = client_for(people["viewer"])
    url = reverse("web:publications", args=[people["workspace"].pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(1, 5):
        scheduled_with_image(people, bluesky_offline, n)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).content.decode().count('data-testid="post-thumbs"') == 5
    assert len(five) == len(one)


def test_the_home_page_and_the_queue_show_the_posts_images_in_a_fixed_number_of_queries(people, bluesky_offline):
    queue.add_slots(bluesky_offline, range(7), [time(9), time(18)])
    client = client_for(people["editor"])

    def queued_with_image(n: int) -> None:
        png = png_bytes(color=("red", "green", "blue", "white", "black", "gold")[n])
        asset = int(client.post(upload_url(people["workspace"]), {"file": SimpleUploadedFile(f"q{n}.png", png)})
                    .content.decode().split('data-asset="', 1)[1].split('"', 1)[0])
        client.post(reverse("web:compose", args=[people["workspace"].pk]), {
            "text": f"Queued {n}", "accounts": [bluesky_offline.pk], "mode": "queue", "timezone": "Europe/Paris",
            "library_media": [asset], f"library_alt_{asset}": f"Queued image {n}"})

    pages = (reverse("web:home"), reverse("web:queue", args=[people["workspace"].pk, bluesky_offline.pk]))
    queued_with_image(0)
    counted = {}
    for url in pages:
        with CaptureQueriesContext(connection) as one:
            html = client.get(url).content.decode()
        assert 'alt="Queued image 0"' in html, url
        counted[url] = len(one)
    for n in range(1, 4):
        queued_with_image(n)
    for url in pages:
        with CaptureQueriesContext(connection) as four:
            assert client.get(url).content.decode().count('alt="Queued image') == 4, url
        assert len(four) == counted[url], url

"""The media library pages and the composer's library picker: uploads, rights badges,
scoping (never another workspace's file), and posts made from library media."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from parvis.publishing import library
from parvis.publishing.actions import Upload
from parvis.publishing.models import MediaAsset, Post
from parvis.testing.factories import client_for
from parvis.testing.images import forbid_decoding, png_bomb, png_bytes
from parvis.testing.videos import mp4_bytes
from parvis.web.tests.test_pages import in_one_hour_paris

pytestmark = pytest.mark.django_db


def add(workspace: Any, user: Any, data: bytes, name: str = "pain.png", **kwargs: Any) -> MediaAsset:
    return library.add_asset(workspace, user, Upload(name, io.BytesIO(data), len(data)), **kwargs).asset


def url(name: str, workspace: Any, *args: Any) -> str:
    return reverse(name, args=[workspace.pk, *args])


def test_library_upload_refuses_an_image_over_the_pixel_budget_without_decoding_it(people, png, monkeypatch):
    client = client_for(people["editor"])
    decoded = forbid_decoding(monkeypatch)
    files = [SimpleUploadedFile("affiche.png", png_bomb(), content_type="image/png"),
             SimpleUploadedFile("pain.png", png, content_type="image/png")]
    response = client.post(url("web:library", people["workspace"]), {"files": files})
    assert response.status_code == 400
    assert "“affiche.png” has 169 megapixels" in response.content.decode() and decoded == []
    assert [a.original_name for a in MediaAsset.objects.all()] == ["pain.png"]  # the good one is kept


def test_composer_refuses_an_image_over_the_pixel_budget_naming_media_without_decoding_it(
        people, bluesky_offline, monkeypatch):
    client = client_for(people["editor"])
    decoded = forbid_decoding(monkeypatch)
    response = client.post(url("web:compose", people["workspace"]), {
        "text": "Notre affiche", "accounts": [bluesky_offline.pk], "mode": "schedule",
        "scheduled_at": in_one_hour_paris(), "timezone": "Europe/Paris",
        "media": SimpleUploadedFile("affiche.png", png_bomb(), content_type="image/png")})
    assert response.status_code == 400 and decoded == []
    assert 'data-field="media"' in response.content.decode() and "169 megapixels" in response.content.decode()
    assert not MediaAsset.objects.exists() and not Post.objects.exists()


def test_uploading_several_files_at_once_with_shared_rights(people, png):
    client = client_for(people["editor"])
    files = [SimpleUploadedFile("pain.png", png, content_type="image/png"),
             SimpleUploadedFile("clip.mov", mp4_bytes(), content_type="application/octet-stream")]
    response = client.post(url("web:library", people["workspace"]), {
        "files": files, "tags": "vitrine, été", "source": "Studio Lumière", "licence": "CC BY 4.0",
        "rights_expire_on": "2030-06-30"}, follow=True)
    assert response.status_code == 200 and "2 files added to the library" in response.content.decode()
    assets = {a.original_name: a for a in MediaAsset.objects.filter(workspace=people["workspace"])}
    assert assets["clip.mov"].kind == "video" and assets["pain.png"].kind == "image"
    assert all(a.tags == ["vitrine", "été"] and a.licence == "CC BY 4.0" for a in assets.values())
    assert str(assets["pain.png"].rights_expire_on) == "2030-06-30"

    again = client.post(url("web:library", people["workspace"]),
                        {"files": [SimpleUploadedFile("copie.png", png)]}, follow=True)
    assert "already in the library" in again.content.decode()
    assert MediaAsset.objects.filter(workspace=people["workspace"]).count() == 2


def test_a_bad_file_is_refused_by_name_and_the_good_ones_are_kept(people, png):
    client = client_for(people["editor"])
    response = client.post(url("web:library", people["workspace"]), {"files": [
        SimpleUploadedFile("notes.mp4", b"just some text"), SimpleUploadedFile("pain.png", png)]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "notes.mp4" in body and "not an image or a video" in body and 'data-field="files"' in body
    assert list(MediaAsset.objects.values_list("original_name", flat=True)) == ["pain.png"]


def test_grid_shows_rights_badges_usage_and_filters(people, png):
    workspace, editor = people["workspace"], people["editor"]
    today = library.workspace_today(workspace)
    add(workspace, editor, png_bytes(color="red"), "rouge.png", rights_expire_on=today - timedelta(days=1))
    add(workspace, editor, png_bytes(color="blue"), "bleu.png", rights_expire_on=today + timedelta(days=5),
        tags=["hiver"])
    add(workspace, editor, mp4_bytes(), "clip.mp4")
    body = client_for(people["viewer"]).get(url("web:library", workspace)).content.decode()
    assert 'class="rights expired"' in body and 'class="rights expiring"' in body and 'class="rights none"' in body
    assert 'class="thumb video"' in body and "Not used yet" in body
    filtered = client_for(people["viewer"]).get(url("web:library", workspace), {"tag": "hiver"}).content.decode()
    assert "bleu.png" in filtered and "rouge.png" not in filtered
    expired = client_for(people["viewer"]).get(url("web:library", workspace), {"rights": "expired"}).content.decode()
    assert "rouge.png" in expired and "bleu.png" not in expired


def test_viewer_can_look_but_not_upload_edit_or_delete(people, png):
    asset = add(people["workspace"], people["editor"], png)
    client = client_for(people["viewer"])
    assert client.get(url("web:library", people["workspace"])).status_code == 200
    assert "Upload files" not in client.get(url("web:library", people["workspace"])).content.decode()
    upload = client.post(url("web:library", people["workspace"]), {"files": [SimpleUploadedFile("x.png", png)]})
    assert upload.status_code == 403
    assert client.post(url("web:library_asset", people["workspace"], asset.pk), {"licence": "x"}).status_code == 403
    assert client.post(url("web:library_delete", people["workspace"], asset.pk)).status_code == 403
    assert client.get(url("web:library_picker", people["workspace"])).status_code == 403
    assert MediaAsset.objects.count() == 1


@pytest.mark.parametrize("name", ["web:library_asset", "web:library_file", "web:library_thumb"])
def test_another_workspaces_asset_is_not_found(people, png, name):
    foreign = add(people["other_workspace"], people["outsider"], png)
    mine = add(people["workspace"], people["editor"], png)
    owner = client_for(people["owner"])
    # Through one's own workspace id, or through the other workspace's: the same 404.
    assert owner.get(url(name, people["workspace"], foreign.pk)).status_code == 404
    assert owner.get(url(name, people["other_workspace"], foreign.pk)).status_code == 404
    assert client_for(people["outsider"]).get(url(name, people["workspace"], mine.pk)).status_code == 404


def test_thumbnails_are_small_webp_images_and_files_keep_their_type(people):
    big = png_bytes(size=(2000, 1500))
    asset = add(people["workspace"], people["editor"], big, "grand.png")
    client = client_for(people["viewer"])
    thumb = client.get(url("web:library_thumb", people["workspace"], asset.pk))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert max(image.size) <= 480
    original = client.get(url("web:library_file", people["workspace"], asset.pk))
    assert original["Content-Type"] == "image/png" and b"".join(original.streaming_content) == big
    video = add(people["workspace"], people["editor"], mp4_bytes(), "clip.mp4")
    assert client.get(url("web:library_thumb", people["workspace"], video.pk)).status_code == 404


def test_editing_tags_alt_text_and_rights(people, png):
    asset = add(people["workspace"], people["editor"], png)
    client = client_for(people["editor"])
    response = client.post(url("web:library_asset", people["workspace"], asset.pk), {
        "alt_text": "Une miche", "tags": "pain, #boulangerie", "source": "Studio", "licence": "Achat",
        "rights_expire_on": "2031-01-15"}, follow=True)
    assert response.status_code == 200
    asset.refresh_from_db()
    assert (asset.alt_text, asset.tags, asset.licence, str(asset.rights_expire_on)) == (
        "Une miche", ["pain", "boulangerie"], "Achat", "2031-01-15")
    bad = client.post(url("web:library_asset", people["workspace"], asset.pk), {"rights_expire_on": "31/02/2031"})
    assert bad.status_code == 400 and 'data-field="rights_expire_on"' in bad.content.decode()


def test_delete_is_refused_with_a_message_while_a_scheduled_post_uses_it(people, png, bluesky_offline):
    asset = add(people["workspace"], people["editor"], png, "vitrine.png")
    client = client_for(people["editor"])
    client.post(url("web:compose", people["workspace"]), {
        "text": "Vitrine", "accounts": [bluesky_offline.pk], "mode": "schedule", "scheduled_at": in_one_hour_paris(),
        "timezone": "Europe/Paris", "library_media": [asset.pk]})
    response = client.post(url("web:library_delete", people["workspace"], asset.pk), follow=True)
    body = response.content.decode()
    assert "vitrine.png" in body and "scheduled post" in body and MediaAsset.objects.filter(pk=asset.pk).exists()
    assert "Vitrine" in body  # the page lists where it is used


# -- the composer ---------------------------------------------------------------------------

def test_composer_offers_the_library_and_posts_chosen_media_with_their_alt_text(people, png, bluesky_offline):
    asset = add(people["workspace"], people["editor"], png, "miche.png", alt_text="Une miche", tags=["pain"])
    client = client_for(people["editor"])
    page = client.get(url("web:compose", people["workspace"])).content.decode()
    assert f'name="library_media" value="{asset.pk}"' in page and "Choose from the media library" in page
    response = client.post(url("web:compose", people["workspace"]), {
        "text": "Du pain", "accounts": [bluesky_offline.pk], "mode": "draft",
        "library_media": [asset.pk], f"library_alt_{asset.pk}": "La miche du matin",
        "media": SimpleUploadedFile("nouveau.png", png_bytes(color="red"))})
    assert response.status_code == 302
    post = Post.objects.get()
    media = list(post.media.select_related("asset"))
    assert [(m.asset.original_name, m.effective_alt_text) for m in media] == [
        ("miche.png", "La miche du matin"), ("nouveau.png", "")]
    assert MediaAsset.objects.filter(workspace=people["workspace"], original_name="nouveau.png").exists()
    edit = client.get(url("web:post_edit", people["workspace"], post.pk)).content.decode()
    assert "miche.png" in edit and f'value="{media[0].pk}"' in edit


def test_an_asset_of_another_workspace_in_the_composer_is_an_error_naming_the_field(people, png, bluesky_offline):
    foreign = add(people["other_workspace"], people["outsider"], png)
    response = client_for(people["editor"]).post(url("web:compose", people["workspace"]), {
        "text": "Vol", "accounts": [bluesky_offline.pk], "mode": "draft", "library_media": [foreign.pk]})
    assert response.status_code == 400 and 'data-field="library_media"' in response.content.decode()
    assert not Post.objects.exists()


def test_expired_rights_show_in_the_live_check_and_block_scheduling(people, png, bluesky_offline):
    asset = add(people["workspace"], people["editor"], png, "affiche.png", licence="Agence X",
                rights_expire_on=library.workspace_today(people["workspace"]) - timedelta(days=2))
    client = client_for(people["editor"])
    form = {"text": "Affiche", "accounts": [bluesky_offline.pk], "mode": "schedule",
            "scheduled_at": in_one_hour_paris(), "timezone": "Europe/Paris", "library_media": [asset.pk],
            "media_count": "1"}
    live = client.post(url("web:compose_check", people["workspace"]), form).content.decode()
    assert "The rights to “affiche.png” (licence Agence X)" in live
    response = client.post(url("web:compose", people["workspace"]), form)
    assert response.status_code == 400 and "Renew the rights or choose another image." in response.content.decode()
    assert not Post.objects.exists()


def test_picker_searches_by_tag_and_leaves_out_what_is_already_chosen(people, bluesky_offline):
    workspace, editor = people["workspace"], people["editor"]
    bread = add(workspace, editor, png_bytes(color="orange"), "pain.png", tags=["pain"])
    cake = add(workspace, editor, png_bytes(color="pink"), "gateau.png", tags=["pâtisserie"])
    client = client_for(editor)
    body = client.get(url("web:library_picker", workspace), {"library_tag": "pâtisserie"}).content.decode()
    assert "gateau.png" in body and "pain.png" not in body
    # What is chosen (sent along from #chosen-media) stays there: the search does not offer it again.
    found = client.get(url("web:library_picker", workspace), {
        "library_media": [bread.pk], f"library_alt_{bread.pk}": "Ma miche"}).content.decode()
    assert "gateau.png" in found and "pain.png" not in found and f'value="{cake.pk}" checked' not in found
    page = client.post(url("web:compose", workspace), {  # refused: no date
        "text": "Du pain", "mode": "schedule", "library_media": [bread.pk], f"library_alt_{bread.pk}": "Ma miche"})
    assert page.status_code == 400
    chosen = page.content.decode().split('id="chosen-media"', 1)[1].split('id="id_media"', 1)[0]
    assert f'value="{bread.pk}" checked' in chosen and 'value="Ma miche"' in chosen and "gateau.png" not in chosen

"""The media library through the API: multipart upload (deduplicated), filters, metadata
changes, deletes refused while a scheduled post uses the asset, and posts built from
library media (`media_ids`), all scoped to the requester's workspaces."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.publishing import library
from parvis.publishing.models import MediaAsset
from parvis.testing.images import forbid_decoding, png_bomb, png_bytes
from parvis.testing.videos import mp4_bytes

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 2


def named(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def upload(api: APIClient, world: World, data: bytes, name: str = "pain.png", **fields: Any) -> Any:
    return api.post(f"/api/v1/workspaces/{world.workspace.pk}/media/", {"file": named(data, name), **fields},
                    format="multipart")


def test_upload_reads_the_file_and_the_same_file_again_is_the_same_asset(api: APIClient, world: World) -> None:
    png = png_bytes()
    first = upload(api, world, png, tags="pain, vitrine", licence="CC BY 4.0", rights_expire_on=f"{YEAR}-06-30")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["kind"], body["mime_type"], body["width"], body["tags"]) == ("image", "image/png", 64,
                                                                             ["pain", "vitrine"])
    assert (body["rights_expire_on"], body["rights_status"], body["posts"]) == (f"{YEAR}-06-30", "valid", [])
    again = upload(api, world, png, "copie.png", source="Studio")
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["source"] == "Studio"
    video = upload(api, world, mp4_bytes(720, 1280), "clip.bin")
    assert (video.json()["kind"], video.json()["mime_type"], video.json()["height"]) == ("video", "video/mp4", 1280)


def test_a_file_that_is_neither_image_nor_video_is_400_naming_media(api: APIClient, world: World) -> None:
    response = upload(api, world, b"%PDF-1.7 not a picture", "brochure.png")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["media"]
    assert "brochure.png" in response.json()["errors"]["media"][0]


def test_an_image_over_the_pixel_budget_is_400_naming_media_and_never_decoded(
        api: APIClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = forbid_decoding(monkeypatch)
    response = upload(api, world, png_bomb(), "affiche.png")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["media"]
    assert "affiche.png" in response.json()["errors"]["media"][0] and "50" in response.json()["errors"]["media"][0]
    assert decoded == [] and not MediaAsset.objects.exists()


def test_list_filters_by_tag_kind_and_rights(api: APIClient, world: World) -> None:
    today = library.workspace_today(world.workspace)
    upload(api, world, png_bytes(color="red"), "rouge.png", tags="été",
           rights_expire_on=(today - timedelta(days=1)).isoformat())
    upload(api, world, mp4_bytes(), "clip.mp4", tags="été")
    base = f"/api/v1/workspaces/{world.workspace.pk}/media/"
    names = lambda query: [a["name"] for a in api.get(base, query).json()["results"]]  # noqa: E731
    assert sorted(names({"tag": "été"})) == ["clip.mp4", "rouge.png"]
    assert names({"kind": "video"}) == ["clip.mp4"]
    assert names({"rights": "expired"}) == ["rouge.png"]
    assert names({"q": "rouge"}) == ["rouge.png"]
    assert list(api.get(base, {"rights": "forever"}).json()["errors"]) == ["rights"]


def test_patch_changes_metadata_and_viewers_cannot(api: APIClient, world: World,
                                                    client_for: Callable[[User], APIClient]) -> None:
    asset = upload(api, world, png_bytes()).json()
    response = api.patch(f"/api/v1/media/{asset['id']}/", {"alt_text": "Une miche", "tags": ["pain"],
                                                          "rights_expire_on": None}, format="json")
    assert response.status_code == 200 and (response.json()["alt_text"], response.json()["tags"]) == (
        "Une miche", ["pain"])
    viewer = client_for(world.viewer)
    assert viewer.get(f"/api/v1/media/{asset['id']}/").status_code == 200
    assert viewer.patch(f"/api/v1/media/{asset['id']}/", {"licence": "x"}, format="json").status_code == 403
    assert viewer.post(f"/api/v1/workspaces/{world.workspace.pk}/media/",
                       {"file": named(png_bytes(color="red"), "x.png")}, format="multipart").status_code == 403


def test_another_workspaces_media_is_404(api: APIClient, world: World,
                                         client_for: Callable[[User], APIClient]) -> None:
    asset = upload(api, world, png_bytes()).json()
    outsider = client_for(world.outsider)
    assert outsider.get(f"/api/v1/media/{asset['id']}/").status_code == 404
    assert outsider.delete(f"/api/v1/media/{asset['id']}/").status_code == 404
    assert outsider.get(f"/api/v1/workspaces/{world.workspace.pk}/media/").status_code == 404


def test_posts_take_library_media_ids_from_their_own_workspace_only(
        api: APIClient, world: World, client_for: Callable[[User], APIClient]) -> None:
    asset = upload(api, world, png_bytes(), alt_text="Une miche").json()
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "Du pain", "accounts": [world.mastodon.pk], "media_ids": [asset["id"]],
        "scheduled_at": f"{YEAR}-12-24T18:30"}, format="json")
    assert response.status_code == 201, response.content
    [media] = response.json()["media"]
    assert (media["asset"], media["kind"], media["alt_text"]) == (asset["id"], "image", "Une miche")
    assert api.get(f"/api/v1/media/{asset['id']}/").json()["posts"] == [response.json()["id"]]

    foreign = client_for(world.outsider).post(
        f"/api/v1/workspaces/{world.other_workspace.pk}/media/", {"file": named(png_bytes(color="red"), "x.png")},
        format="multipart").json()
    refused = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "Vol", "accounts": [world.mastodon.pk], "media_ids": [foreign["id"]]}, format="json")
    assert refused.status_code == 400 and "media_ids" in refused.json()["errors"]


def test_delete_is_409_while_a_scheduled_post_uses_it(api: APIClient, world: World) -> None:
    asset = upload(api, world, png_bytes()).json()
    post = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "Bientôt", "accounts": [world.mastodon.pk], "media_ids": [asset["id"]],
        "scheduled_at": f"{YEAR}-12-24T18:30"}, format="json").json()
    response = api.delete(f"/api/v1/media/{asset['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "scheduled post" in response.json()["errors"]["asset"][0]
    api.post(f"/api/v1/posts/{post['id']}/cancel/")
    assert api.delete(f"/api/v1/media/{asset['id']}/").status_code == 204
    assert not MediaAsset.objects.exists()


def test_expired_rights_block_scheduling_through_the_api(api: APIClient, world: World) -> None:
    today = library.workspace_today(world.workspace)
    asset = upload(api, world, png_bytes(), rights_expire_on=(today + timedelta(days=3)).isoformat()).json()
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "Trop tard", "accounts": [world.mastodon.pk], "media_ids": [asset["id"]],
        "scheduled_at": (timezone.now() + timedelta(days=10)).isoformat()}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Renew the rights" in response.json()["errors"]["media"][0]

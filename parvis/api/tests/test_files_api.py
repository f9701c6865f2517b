"""Downloading a library asset's file and a post's media file: any member, 404 elsewhere."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.publishing import library
from parvis.publishing.actions import Upload
from parvis.publishing.models import MediaAsset
from parvis.testing.images import png_bytes

pytestmark = pytest.mark.django_db


def _asset(world: World) -> MediaAsset:
    data = png_bytes()
    return library.add_asset(world.workspace, world.owner,
                             Upload("pain.png", io.BytesIO(data), len(data))).asset


def test_any_member_downloads_a_library_file(world: World, client_for: Callable[[User], APIClient]) -> None:
    asset = _asset(world)
    response = client_for(world.viewer).get(reverse("api:media-file", args=[asset.pk]), HTTP_ACCEPT="image/*")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()  # type: ignore[attr-defined]
    assert client_for(world.outsider).get(reverse("api:media-file", args=[asset.pk])).status_code == 404


def test_a_posts_media_file_through_its_post(world: World, api: APIClient,
                                            client_for: Callable[[User], APIClient]) -> None:
    asset = _asset(world)
    post = api.post(reverse("api:posts", args=[world.workspace.pk]), {
        "text": "Du pain", "accounts": [world.mastodon.pk], "media_ids": [asset.pk],
        "scheduled_at": f"{timezone.now().year + 2}-01-05T09:00"}, format="json").json()
    media_id = post["media"][0]["id"]
    url = reverse("api:post-media-file", args=[post["id"], media_id])
    response = client_for(world.viewer).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(world.outsider).get(url).status_code == 404
    other = api.post(reverse("api:posts", args=[world.workspace.pk]), {
        "text": "Autre", "accounts": [world.mastodon.pk]}, format="json").json()
    assert api.get(reverse("api:post-media-file", args=[other["id"], media_id])).status_code == 404

"""The addresses networks download media from: parvis's own signed, expiring URLs, or
presigned ones on S3-compatible storage; and the composer's warning when the network
could reach neither."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any, ClassVar

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from parvis.core.http.addresses import override_policy
from parvis.networks import registry
from parvis.networks.base import BaseConnector, Limits, PublishRequest, RemotePost
from parvis.networks.models import SocialAccount
from parvis.publishing import engine, library, media_urls
from parvis.publishing.actions import Upload
from parvis.publishing.models import MediaAsset
from parvis.publishing.tests.helpers import pub, schedule
from parvis.publishing.validation import PostInput, check_post
from parvis.testing.fake_network import FakeNetwork, Request, Response
from parvis.testing.images import png_bytes
from parvis.testing.scripted_server import LoopbackPorts

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(people: dict[str, Any]) -> MediaAsset:
    data = png_bytes()
    return library.add_asset(people["workspace"], people["editor"],
                             Upload("pain.png", io.BytesIO(data), len(data), "Une miche")).asset


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(("/", ""))


def test_a_signed_address_serves_the_file_without_a_session(asset, settings):
    settings.PARVIS_BASE_URL = "https://parvis.agence.example"
    url = media_urls.media_url(asset)
    assert url.startswith("https://parvis.agence.example/m/") and url.endswith(".png")
    answer = Client().get(path_of(url))
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert b"".join(answer.streaming_content) == asset.file.open("rb").read()


def test_an_expired_address_is_gone_and_a_forged_one_unknown(asset, settings):
    url = media_urls.media_url(asset)
    settings.PARVIS_MEDIA_URL_SECONDS = -1  # every signature is now past its age
    assert Client().get(path_of(url)).status_code == 410
    settings.PARVIS_MEDIA_URL_SECONDS = 3600
    token = path_of(url).split("/")[2]
    assert Client().get(path_of(url).replace(token, token[:-2] + "xy")).status_code == 404


def test_an_address_stops_working_when_the_file_is_replaced(asset):
    url = media_urls.media_url(asset)
    MediaAsset.objects.filter(pk=asset.pk).update(sha256="0" * 64)
    assert Client().get(path_of(url)).status_code == 404


class FakeS3(FakeNetwork):
    """Just enough of S3's REST API (path-style) for a presigned download: HEAD, PUT, GET."""

    name = "s3"

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[str, bytes] = {}
        self.route("HEAD", r"/(?P<key>.+)", self.head)
        self.route("PUT", r"/(?P<key>.+)", self.put)
        self.route("GET", r"/(?P<key>.+)", self.get)

    def head(self, request: Request, key: str) -> Response:
        return Response(200 if key in self.objects else 404, b"")

    def put(self, request: Request, key: str) -> Response:
        self.objects[key] = request.body
        return Response(200, b"", {"ETag": '"1"'})

    def get(self, request: Request, key: str) -> Response:
        if "X-Amz-Signature" not in request.query:
            return Response(403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"})
        return Response(200, self.objects[key], {"Content-Type": "image/png"})


def test_with_a_bucket_the_file_is_copied_once_and_the_network_gets_a_presigned_address(asset, settings):
    with FakeS3() as s3:
        settings.PARVIS_S3_BUCKET, settings.PARVIS_S3_ENDPOINT_URL = "medias", s3.url
        settings.PARVIS_S3_ACCESS_KEY_ID, settings.PARVIS_S3_SECRET_ACCESS_KEY = "AKIATEST", "secret"
        settings.PARVIS_S3_REGION = "fr-par"
        media_urls._s3.cache_clear()
        try:
            first, second = media_urls.media_url(asset), media_urls.media_url(asset)
        finally:
            media_urls._s3.cache_clear()
        key = f"medias/parvis-media/{asset.sha256}.png"
        assert list(s3.objects) == [key] and len(s3.requests_to(f"/{key}", "PUT")) == 1
        assert first.startswith(f"{s3.url}/{key}?") and "X-Amz-Signature=" in first and "X-Amz-Expires=3600" in first
        assert httpx.get(second).content == asset.file.open("rb").read()


# -- the composer's warning -----------------------------------------------------------------

@pytest.fixture
def downloading(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> SocialAccount:
    """Mastodon stands for a network that downloads media itself, as Instagram does."""
    monkeypatch.setitem(registry.NETWORKS, "mastodon", replace(registry.NETWORKS["mastodon"], media_by_url=True))
    return SocialAccount.objects.create(workspace=people["workspace"], network="mastodon",
                                        server_url="https://example.social", remote_id="1",
                                        handle="@brand@example.social", config={})


def media_problems(account: SocialAccount, asset: MediaAsset, mode: str = "schedule") -> list[str]:
    data = PostInput(text="Du pain", accounts=[account], mode=mode,
                     scheduled_at=timezone.now() + timezone.timedelta(hours=1),
                     media=[library.media_info(asset, "")], workspace=account.workspace)
    return [e.message for e in check_post(data) if e.code == "media_unreachable"]


@pytest.mark.parametrize(("base_url", "bucket", "refused"), [
    ("", "", True),
    ("http://127.0.0.1:8000", "", True),
    ("http://parvis.local:8000", "", True),
    ("https://192.168.1.20", "", True),
    ("https://parvis.agence.fr", "", False),
    ("http://127.0.0.1:8000", "medias", False),
    ("http://192.168.1.20:8000", "reachable", False),
])
def test_the_composer_says_when_the_network_could_not_fetch_the_media(downloading, asset, settings, english,
                                                                      base_url, bucket, refused):
    settings.PARVIS_BASE_URL = base_url
    settings.PARVIS_S3_BUCKET = "" if bucket == "reachable" else bucket
    settings.PARVIS_MEDIA_URL_REACHABLE = bucket == "reachable"  # a port forwarded to it
    problems = media_problems(downloading, asset)
    assert bool(problems) is refused
    if refused:
        assert "PARVIS_BASE_URL" in problems[0] and "PARVIS_S3_BUCKET" in problems[0]
    assert media_problems(downloading, asset, mode="draft") == []


class Fetching(BaseConnector):
    network: ClassVar[str] = "mastodon"
    urls: ClassVar[list[str]] = []

    def limits(self) -> Limits:
        return Limits(max_chars=500, max_media=4, image_mime_types=frozenset({"image/png"}), max_image_bytes=10**7)

    def publish(self, request: PublishRequest) -> RemotePost:
        Fetching.urls = [m.url for m in request.media]
        return RemotePost("1", "https://example.social/1")


def test_the_engine_gives_such_a_network_a_fresh_signed_address(downloading, people, live_server, settings,
                                                                monkeypatch, png):
    port = int(live_server.url.rsplit(":", 1)[1])
    settings.PARVIS_BASE_URL = f"http://127.0.0.1:{port}"  # a number: judged by the policy below
    monkeypatch.setattr(registry, "connector_for", Fetching)
    with override_policy(LoopbackPorts(port)):
        post = schedule(people["workspace"], people["editor"], [downloading], "Avec une image",
                        uploads=(Upload("pain.png", io.BytesIO(png), len(png), "Une miche"),))
        assert engine.publish(pub(post).pk) == "published"
    [url] = Fetching.urls
    assert url.startswith(f"http://127.0.0.1:{port}/m/") and httpx.get(url).content == png

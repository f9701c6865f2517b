"""Instagram through the publishing engine (`parvis.publishing.engine.publish`), against
the fake: an image published once, a video through "processing" to published, and a
lost media_publish answer found by the next attempt (exactly one post on Instagram).

Media addresses: the engine will fill `MediaFile.url` with a signed, expiring address of
each file for networks that download media (`media_by_url`); until it does, the
`served_media` fixture wraps `engine.build_request` to serve each file from a loopback
server and put that address in `MediaFile.url`, as the engine will."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.instagram.connector import SERVER_URL
from parvis.networks.instagram.tests.conftest import jpeg_bytes
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.actions import Upload
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.videos import mp4_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def served_media(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        build = engine.build_request

        def with_urls(publication: Publication, record: Any = None) -> Any:
            request = build(publication, record)
            media = []
            for index, item in enumerate(request.media):
                path = f"/media/{publication.pk}/{index}/{item.path.name}"
                server.answer(path, Answer(200, {"Content-Type": item.mime_type}, item.path.read_bytes()))
                media.append(replace(item, url=server.url(path)))
            return replace(request, media=tuple(media))

        monkeypatch.setattr(engine, "build_request", with_urls)
        yield server


@pytest.fixture
def account(people: dict[str, Any], meta: Any, ig: Any) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="instagram", server_url=SERVER_URL, remote_id=ig.id,
        handle="@boulangerie", credentials={"access_token": meta.pages[ig.page_id].token, "login": "facebook",
                                            "page_id": ig.page_id})


def due_now(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())


def jpeg_upload() -> Upload:
    data = jpeg_bytes()
    return Upload("miche.jpg", io.BytesIO(data), len(data), "Une miche dorée")


def test_an_image_is_published_once_with_its_alt_text(people, meta, served_media, account):
    post = schedule(people["workspace"], people["owner"], [account], "Fournée du jour", uploads=(jpeg_upload(),))
    assert engine.publish(pub(post).pk) == "published"
    publication = pub(post)
    (media,) = meta.media.values()
    assert (publication.state, publication.remote_id) == (State.PUBLISHED, media.id)
    assert publication.remote_url.startswith("https://www.instagram.com/p/")
    assert (media.caption, media.alt_text) == ("Fournée du jour", "Une miche dorée")
    assert publication.progress == {"container": media.container_id, "media_id": media.id}


def test_a_video_waits_in_processing_then_is_published(people, meta, served_media, account):
    meta.video_polls = 2
    video = mp4_bytes()
    post = schedule(people["workspace"], people["owner"], [account], "Le four en vidéo",
                    uploads=(Upload("four.mp4", io.BytesIO(video), len(video)),))
    assert engine.publish(pub(post).pk) == "waiting"
    assert pub(post).state == State.PROCESSING and meta.media == {}
    due_now(pub(post))
    assert engine.publish(pub(post).pk) == "waiting"
    due_now(pub(post))
    assert engine.publish(pub(post).pk) == "published"
    (media,) = meta.media.values()
    assert pub(post).remote_id == media.id and media.product_type == "REELS" and len(meta.containers) == 1
    outcomes = [a.outcome for a in pub(post).attempt_log.order_by("started_at", "pk")]
    assert outcomes == ["waiting", "waiting", "published"]


def test_a_lost_publish_answer_is_found_by_the_next_attempt_never_posted_twice(people, meta, served_media, account):
    post = schedule(people["workspace"], people["owner"], [account], "Une seule fois", uploads=(jpeg_upload(),))
    meta.lose_next(path="*/media_publish")
    assert engine.publish(pub(post).pk) == "retry"
    assert pub(post).may_exist and pub(post).progress["container"]
    due_now(pub(post))
    assert engine.publish(pub(post).pk) == "found"
    (media,) = meta.media.values()
    publication = pub(post)
    assert (publication.state, publication.remote_id) == (State.PUBLISHED, media.id)
    assert len(meta.requests_to("*/media_publish", "POST")) == 1

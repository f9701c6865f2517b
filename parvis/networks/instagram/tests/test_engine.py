"""Instagram through the publishing engine (`parvis.publishing.engine.publish`), against
the fake: an image published once, a video through "processing" to published, and a
lost media_publish answer found by the next attempt (exactly one post on Instagram).

The media go the real way: the engine gives the connector a signed, expiring address of
each file under PARVIS_BASE_URL (`parvis.publishing.media_urls`), here Django's live
server on 127.0.0.1, and the fake downloads them from it as Instagram would. The address
policy lets the guarded layer reach the fake and count the live server as public."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from parvis.core.http import override_policy
from parvis.networks.instagram.connector import SERVER_URL
from parvis.networks.instagram.tests.conftest import jpeg_bytes
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.actions import Upload
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.scripted_server import LoopbackPorts
from parvis.testing.videos import mp4_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def signed_media(live_server: Any, settings: Any, meta: Any) -> Iterator[None]:
    port = int(live_server.url.rsplit(":", 1)[1])
    settings.PARVIS_BASE_URL = f"http://127.0.0.1:{port}"  # a number: judged by the policy below
    with override_policy(LoopbackPorts(port, meta.port)):
        yield


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


def test_an_image_is_published_once_with_its_alt_text(people, meta, signed_media, account, settings):
    post = schedule(people["workspace"], people["owner"], [account], "Fournée du jour", uploads=(jpeg_upload(),))
    assert engine.publish(pub(post).pk) == "published"
    (download,) = meta.downloads  # from parvis's signed address, as Instagram fetches it
    assert download.url.startswith(f"{settings.PARVIS_BASE_URL}/m/") and download.ok
    assert (download.content_type, download.size) == ("image/jpeg", len(jpeg_bytes()))
    publication = pub(post)
    (media,) = meta.media.values()
    assert (publication.state, publication.remote_id) == (State.PUBLISHED, media.id)
    assert publication.remote_url.startswith("https://www.instagram.com/p/")
    assert (media.caption, media.alt_text) == ("Fournée du jour", "Une miche dorée")
    assert publication.progress == {"container": media.container_id, "media_id": media.id}


def test_a_video_waits_in_processing_then_is_published(people, meta, signed_media, account):
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


def test_a_lost_publish_answer_is_found_by_the_next_attempt_never_posted_twice(people, meta, signed_media, account):
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

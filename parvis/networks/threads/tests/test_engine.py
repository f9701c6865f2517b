"""Scheduled posts published on Threads by the publishing engine itself, against the
loopback fake: an image by its address, a video through PROCESSING, and a lost publish
answer that the next attempt finds (one post, never two).

The engine does not fill `MediaFile.url` yet (signed media addresses are being written):
`with_media_addresses` wraps `engine.build_request` to give each file the address of a
loopback server serving it, as the signed address will."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.base import PublishRequest
from parvis.publishing import engine
from parvis.publishing.actions import Upload
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.images import png_bytes
from parvis.testing.videos import mp4_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_media_addresses(monkeypatch: pytest.MonkeyPatch, media_host: Any) -> None:
    original = engine.build_request

    def build_request(publication: Publication, record: Any = None) -> PublishRequest:
        request = original(publication, record)
        media = [replace(m, url=media_host.url("/clip.mp4" if m.is_video else "/a.png")) for m in request.media]
        return replace(request, media=media)

    monkeypatch.setattr(engine, "build_request", build_request)


def due_now(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())


@pytest.mark.usefixtures("with_media_addresses")
def test_a_scheduled_image_is_published_by_its_address_with_its_alt_text(threads, brand, threads_account, people):
    threads.polls_until_finished = 0
    png = png_bytes()
    post = schedule(people["workspace"], people["owner"], [threads_account], "Fournée du jour",
                    uploads=(Upload("pain.png", io.BytesIO(png), len(png), "Une miche de pain"),))
    assert engine.publish(pub(post).pk) == "published"
    publication = pub(post)
    posts = threads.posts_of(brand.id)
    assert [m.id for m in posts] == [publication.remote_id]
    assert (posts[0].media_type, posts[0].alt_text) == ("IMAGE", "Une miche de pain")
    assert publication.remote_url.startswith("https://www.threads.com/@brand/post/")
    assert publication.progress["publish_sent"] is True


@pytest.mark.usefixtures("with_media_addresses")
def test_a_scheduled_video_waits_in_processing_then_is_published(threads, brand, threads_account, people):
    clip = mp4_bytes()
    post = schedule(people["workspace"], people["owner"], [threads_account], "En vidéo",
                    uploads=(Upload("clip.mp4", io.BytesIO(clip), len(clip), ""),))
    assert engine.publish(pub(post).pk) == "waiting"
    publication = pub(post)
    assert publication.state == State.PROCESSING and threads.posts_of(brand.id) == []
    container = publication.progress["container"]
    due_now(publication)
    assert engine.publish(publication.pk) == "published"
    publication = pub(post)
    assert [m.id for m in threads.posts_of(brand.id)] == [publication.remote_id]
    assert threads.media[publication.remote_id].media_type == "VIDEO"
    assert threads.containers[container].media_id == publication.remote_id
    assert [a.outcome for a in publication.attempt_log.all()] == ["waiting", "published"]


def test_a_lost_publish_answer_is_found_by_the_next_attempt(threads, brand, threads_account, people):
    threads.polls_until_finished = 0
    post = schedule(people["workspace"], people["owner"], [threads_account], "Une seule fois")
    threads.lose_next(path="/v1.0/*/threads_publish")
    assert engine.publish(pub(post).pk) == "retry"
    publication = pub(post)
    assert publication.may_exist and publication.progress["publish_sent"] is True
    due_now(publication)
    assert engine.publish(publication.pk) == "found"
    publication = pub(post)
    posts = threads.posts_of(brand.id)
    assert [m.id for m in posts] == [publication.remote_id] and publication.state == State.PUBLISHED
    assert threads.containers[publication.progress["container"]].publish_attempts == 1

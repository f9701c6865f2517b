"""Scheduled posts published on Threads by the publishing engine itself, against the
loopback fake: an image by its address, a video through PROCESSING, and a lost publish
answer that the next attempt finds (one post, never two).

Media go by the engine's signed addresses, served by parvis itself (Django's live server
on loopback, as PARVIS_BASE_URL), and the fake downloads them from there."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from parvis.core.http import override_policy
from parvis.publishing import engine
from parvis.publishing.actions import Upload
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.images import png_bytes
from parvis.testing.scripted_server import LoopbackPorts
from parvis.testing.videos import mp4_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def served(live_server: Any, settings: Any, threads: Any) -> Iterator[None]:
    """parvis serves its signed media addresses on loopback; the policy lets it reach
    the fake and counts the live server as a public address (as parvis's would be)."""
    port = int(live_server.url.rsplit(":", 1)[1])
    settings.PARVIS_BASE_URL = f"http://127.0.0.1:{port}"
    with override_policy(LoopbackPorts(port, threads.port)):
        yield


def due_now(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())


@pytest.mark.usefixtures("served")
def test_a_scheduled_image_is_published_by_its_address_with_its_alt_text(threads, brand, threads_account, people,
                                                                         settings):
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
    assert threads.downloads[0].url.startswith(f"{settings.PARVIS_BASE_URL}/m/")
    assert threads.downloads[0].status == 200 and threads.downloads[0].size == len(png)


@pytest.mark.usefixtures("served")
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

"""Publishing on Threads against the loopback fake: containers recorded as they are made,
Pending while Threads processes, exactly once through lost answers and expiries."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from parvis.networks.base import (
    ErrorKind,
    MediaFile,
    NetworkError,
    Pending,
    Presence,
    PublishRequest,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.models import SocialAccount
from parvis.networks.threads.connector import ThreadsConnector
from parvis.testing.threads_server import Limits, LocalThreads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


class Recorder:
    """What the engine does with `record`: keeps the latest progress, and every step."""

    def __init__(self) -> None:
        self.progress: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []

    def __call__(self, progress: dict[str, Any]) -> None:
        self.progress = dict(progress)
        self.steps.append(dict(progress))


def request(text: str, recorder: Recorder, **kwargs: Any) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key="k1", progress=dict(recorder.progress), record=recorder,
                          **kwargs)


def image(host: Any, name: str = "a.png", alt: str = "") -> MediaFile:
    return MediaFile(Path(f"/nowhere/{name}"), "image/png", alt_text=alt, url=host.url(f"/{name}"))


def until_published(connector: ThreadsConnector, text: str, recorder: Recorder, **kwargs: Any,
                    ) -> tuple[RemotePost, list[Pending]]:
    waits = []
    for _attempt in range(10):
        answer = connector.publish(request(text, recorder, **kwargs))
        if isinstance(answer, RemotePost):
            return answer, waits
        waits.append(answer)
    raise AssertionError("never published")


def test_a_text_post_is_made_recorded_and_published(threads, brand, threads_account):
    threads.polls_until_finished = 0
    recorder = Recorder()
    remote = ThreadsConnector(threads_account).publish(request("Fournée du jour #pain", recorder))
    assert isinstance(remote, RemotePost)
    assert [m.id for m in threads.posts_of(brand.id)] == [remote.remote_id]
    assert remote.url.startswith("https://www.threads.com/@brand/post/")
    container = recorder.steps[0]["container"]
    assert recorder.progress == {**recorder.steps[0], "publish_sent": True}
    assert recorder.steps[0]["remade"] is False and threads.containers[container].status == "PUBLISHED"


def test_a_container_in_progress_is_pending_then_published(threads, brand, threads_account):
    recorder = Recorder()
    connector = ThreadsConnector(threads_account)
    first = connector.publish(request("Bientôt", recorder))
    assert isinstance(first, Pending) and first.check_in == 10
    assert "processing" in str(first.note.msgid)
    assert threads.posts_of(brand.id) == []
    container = recorder.progress["container"]
    remote = connector.publish(request("Bientôt", recorder))
    assert isinstance(remote, RemotePost) and recorder.progress["container"] == container
    assert len(threads.posts_of(brand.id)) == 1 and len(threads.containers) == 1


def test_an_image_goes_by_its_url_with_its_alt_text(threads, brand, threads_account, media_host):
    threads.polls_until_finished = 0
    remote = ThreadsConnector(threads_account).publish(
        request("Une miche", Recorder(), media=[image(media_host, alt="Du pain au levain")]))
    assert isinstance(remote, RemotePost)
    media = threads.media[remote.remote_id]
    assert (media.media_type, media.alt_text, media.text) == ("IMAGE", "Du pain au levain", "Une miche")
    assert threads.downloads[0].url == media_host.url("/a.png") and threads.downloads[0].status == 200


def test_a_carousel_records_each_item_before_the_carousel(threads, brand, threads_account, media_host):
    recorder = Recorder()
    media = [image(media_host, name) for name in ("a.png", "b.png", "c.png")]
    remote, waits = until_published(ThreadsConnector(threads_account), "Trois pains", recorder, media=media)
    assert len(waits) == 2  # the items, then the carousel, each processed once
    children = [step["children"] for step in recorder.steps if "children" in step and "container" not in step]
    assert [len(c) for c in children[:3]] == [1, 2, 3]
    album = threads.media[remote.remote_id]
    assert album.media_type == "CAROUSEL_ALBUM" and len(album.children) == 3
    assert recorder.progress["children"] == children[-1]


def test_a_lost_carousel_answer_makes_fresh_items_and_one_post(threads, brand, threads_account, media_host):
    recorder = Recorder()
    media = [image(media_host, "a.png"), image(media_host, "b.png")]
    connector = ThreadsConnector(threads_account)
    assert isinstance(connector.publish(request("Album", recorder, media=media)), Pending)  # items processing
    first_items = recorder.progress["children"]
    threads.lose_next(path="/v1.0/*/threads")  # the carousel container is made, its id never arrives
    with pytest.raises(NetworkError) as caught:
        connector.publish(request("Album", recorder, media=media))
    assert caught.value.uncertain and recorder.progress["children_used"] is True
    remote, _waits = until_published(connector, "Album", recorder, media=media)
    assert not set(recorder.progress["children"]) & set(first_items)  # claimed by the orphan: made again
    assert [m.id for m in threads.posts_of(brand.id)] == [remote.remote_id]
    assert len(threads.media[remote.remote_id].children) == 2


def test_a_video_is_pending_while_threads_processes_it(threads, brand, threads_account, media_host):
    threads.polls_until_finished = 2
    clip = MediaFile(Path("/nowhere/clip.mp4"), "video/mp4", url=media_host.url("/clip.mp4"))
    remote, waits = until_published(ThreadsConnector(threads_account), "En vidéo", Recorder(), media=[clip])
    assert [w.check_in for w in waits] == [30, 30]
    assert all("video" in w.note.msgid for w in waits)
    assert threads.media[remote.remote_id].media_type == "VIDEO"


def test_media_without_a_public_address_is_refused_before_any_container(threads, brand, threads_account):
    with pytest.raises(NetworkError) as caught:
        ThreadsConnector(threads_account).publish(request("x", Recorder(), media=[
            MediaFile(Path("/nowhere/a.png"), "image/png")]))
    assert caught.value.kind is ErrorKind.PERMANENT and caught.value.field == "media"
    assert threads.containers == {}


def test_a_lost_publish_answer_is_found_and_never_published_twice(threads, brand, threads_account):
    threads.polls_until_finished = 0
    recorder = Recorder()
    connector = ThreadsConnector(threads_account)
    threads.lose_next(path="/v1.0/*/threads_publish")
    started = timezone.now()
    with pytest.raises(NetworkError) as caught:
        connector.publish(request("Une seule fois", recorder))
    assert caught.value.uncertain and caught.value.kind is ErrorKind.TRANSIENT
    lookup = connector.find_published(request("Une seule fois", recorder), since=started)
    assert lookup.presence is Presence.FOUND
    assert lookup.post is not None and [m.id for m in threads.posts_of(brand.id)] == [lookup.post.remote_id]
    # Sent again all the same (a person chose "send again"): the container says it went out.
    again = connector.publish(request("Une seule fois", recorder))
    assert isinstance(again, RemotePost) and again.remote_id == lookup.post.remote_id
    assert len(threads.posts_of(brand.id)) == 1


def test_find_published_is_absent_only_when_the_container_says_so(threads, brand, threads_account):
    connector = ThreadsConnector(threads_account)
    since = timezone.now()
    assert connector.find_published(request("x", Recorder()), since).presence is Presence.ABSENT
    recorder = Recorder()
    assert isinstance(connector.publish(request("Pas encore", recorder)), Pending)  # IN_PROGRESS
    assert connector.find_published(request("Pas encore", recorder), since).presence is Presence.ABSENT
    # FINISHED (read once more), not published: still absent, and then published once.
    assert connector.find_published(request("Pas encore", recorder), since).presence is Presence.ABSENT
    assert isinstance(connector.publish(request("Pas encore", recorder)), RemotePost)
    # PUBLISHED but the post cannot be found (deleted meanwhile): unknown, never absent.
    threads.posts_of(brand.id)[0].deleted = True
    lookup = connector.find_published(request("Pas encore", recorder), since)
    assert lookup.presence is Presence.UNKNOWN and "could not find" in lookup.reason.msgid


def test_an_expired_container_is_made_again_once_then_refused(threads, brand, threads_account):
    recorder = Recorder()
    connector = ThreadsConnector(threads_account)
    connector.publish(request("Tardive", recorder))
    first = recorder.progress["container"]
    threads.expire_container(first)
    remade = connector.publish(request("Tardive", recorder))
    assert isinstance(remade, Pending) and "made again" in remade.note.msgid
    assert recorder.progress["remade"] is True and recorder.progress["container"] != first
    threads.expire_container(recorder.progress["container"])
    with pytest.raises(NetworkError) as caught:
        connector.publish(request("Tardive", recorder))
    assert caught.value.kind is ErrorKind.PERMANENT and "expired again" in caught.value.message
    assert threads.posts_of(brand.id) == []


def test_a_container_in_error_fails_with_the_networks_reason(threads, brand, threads_account, media_host):
    recorder = Recorder()
    clip = MediaFile(Path("/nowhere/clip.mp4"), "video/mp4", url=media_host.url("/clip.mp4"))
    connector = ThreadsConnector(threads_account)
    connector.publish(request("Vidéo", recorder, media=[clip]))
    threads.fail_container(recorder.progress["container"], "INVALID_DURATION")
    with pytest.raises(NetworkError) as caught:
        connector.publish(request("Vidéo", recorder, media=[clip]))
    assert caught.value.kind is ErrorKind.PERMANENT and "INVALID_DURATION" in caught.value.message


def test_a_container_stuck_for_an_hour_is_given_up(threads, brand, threads_account):
    recorder = Recorder()
    connector = ThreadsConnector(threads_account)
    connector.publish(request("Coincée", recorder))
    threads.stick_container(recorder.progress["container"])
    recorder.progress["made_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    with pytest.raises(NetworkError) as caught:
        connector.publish(request("Coincée", recorder))
    assert caught.value.kind is ErrorKind.PERMANENT and "gave up" in caught.value.message


def test_a_spent_quota_waits_until_the_window_frees():
    with LocalThreads(limits=Limits(posts=1)) as threads:
        threads.advance(time.time() - 3600 - threads.now)  # the first post, an hour ago
        threads.polls_until_finished = 0
        with override_settings(PARVIS_THREADS_API_URL=threads.url):
            account = threads.add_user("brand")
            row = SocialAccount(network="threads", remote_id=account.id, handle="@brand",
                                credentials={"access_token": account.long_token})
            connector = ThreadsConnector(row)
            assert isinstance(connector.publish(request("Première", Recorder())), RemotePost)
            threads.advance(3600)
            recorder = Recorder()
            with pytest.raises(NetworkError) as caught:
                connector.publish(request("Deuxième", recorder))
    error = caught.value
    assert error.kind is ErrorKind.TRANSIENT and not error.uncertain
    # The first post leaves the moving 24 h window 23 hours from now.
    assert error.retry_after is not None and 22.9 * 3600 < error.retry_after < 24 * 3600 - 3500
    assert recorder.progress.get("publish_sent") is not True


def test_a_publish_refused_for_the_quota_waits_until_the_window_frees():
    with LocalThreads(limits=Limits(posts=20)) as threads:
        threads.advance(time.time() - 3600 - threads.now)  # the first post, an hour ago
        threads.polls_until_finished = 0
        with override_settings(PARVIS_THREADS_API_URL=threads.url):
            account = threads.add_user("brand")
            row = SocialAccount(network="threads", remote_id=account.id, handle="@brand",
                                credentials={"access_token": account.long_token})
            connector = ThreadsConnector(row)
            assert isinstance(connector.publish(request("Première", Recorder())), RemotePost)  # 19 left: trusted
            threads.use_quota(account.id, "posts", 19)  # spent elsewhere meanwhile
            threads.advance(3600)
            with pytest.raises(NetworkError) as caught:
                connector.publish(request("Deuxième", Recorder()))
            assert len(threads.requests_to("/v1.0/*/threads_publishing_limit")) == 2  # once, then on the refusal
    error = caught.value
    assert error.kind is ErrorKind.TRANSIENT and not error.uncertain
    assert error.retry_after is not None and 22.9 * 3600 < error.retry_after < 24 * 3600 - 3500
    assert len(threads.posts_of(account.id)) == 1


def test_a_reply_goes_under_the_post_it_answers_and_is_found_again(threads, brand, threads_account):
    threads.polls_until_finished = 0
    connector = ThreadsConnector(threads_account)
    root = connector.publish(request("Question ?", Recorder()))
    assert isinstance(root, RemotePost)
    question = threads.reply_as("alice", to=root.remote_id, text="Et le prix ?")
    target = ReplyTarget(remote_id=question, root_id=root.remote_id)
    recorder = Recorder()
    threads.lose_next(path="/v1.0/*/threads_publish")
    with pytest.raises(NetworkError):
        connector.publish(request("10 €", recorder, reply_to=target))
    lookup = connector.find_published(request("10 €", recorder, reply_to=target), since=timezone.now())
    assert lookup.presence is Presence.FOUND and lookup.post is not None
    reply = threads.media[lookup.post.remote_id]
    assert (reply.replied_to, reply.root_post, reply.text) == (question, root.remote_id, "10 €")


def test_options_set_who_may_reply_and_the_topic(threads, brand, threads_account):
    threads.polls_until_finished = 0
    remote = ThreadsConnector(threads_account).publish(request(
        "Nouveau", Recorder(), options={"reply_control": "mentioned_only", "topic_tag": "Boulangerie"}))
    assert isinstance(remote, RemotePost)
    media = threads.media[remote.remote_id]
    assert (media.reply_audience, media.topic_tag) == ("MENTIONED_ONLY", "Boulangerie")


def test_deleting_removes_the_post(threads, brand, threads_account):
    threads.polls_until_finished = 0
    connector = ThreadsConnector(threads_account)
    remote = connector.publish(request("Éphémère", Recorder()))
    assert isinstance(remote, RemotePost)
    connector.delete(remote.remote_id)
    assert threads.posts_of(brand.id) == []

"""Publishing on Instagram against the fake, exactly once: every container is recorded
before the next step, a lost answer is reconciled through the container's status, an
expired container is made again once, and the first comment goes out once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.base import (
    ErrorKind,
    MediaFile,
    NetworkError,
    Pending,
    Presence,
    PublishRequest,
    RemotePost,
)

pytestmark = pytest.mark.usefixtures("english")


class Steps:
    """A request's progress kept between attempts, as the engine keeps it."""

    def __init__(self) -> None:
        self.progress: dict[str, Any] = {}
        self.recorded: list[dict[str, Any]] = []

    def record(self, progress: dict[str, Any]) -> None:
        self.progress = dict(progress)
        self.recorded.append(dict(progress))

    def request(self, text: str = "Nouveau pain #levain", media: tuple[MediaFile, ...] = (), **options: Any,
                ) -> PublishRequest:
        return PublishRequest(text=text, idempotency_key="k1", media=media, options=options,
                              progress=dict(self.progress), record=self.record)


def image(files, name: str = "/a.jpg", alt: str = "") -> MediaFile:
    return MediaFile(path=Path("a.jpg"), mime_type="image/jpeg", alt_text=alt, url=files.url(name), width=80,
                     height=80)


def video(files) -> MediaFile:
    return MediaFile(path=Path("v.mp4"), mime_type="video/mp4", url=files.url("/v.mp4"), duration=12.0)


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def test_an_image_is_published_with_its_caption_and_alt_text(meta, files, connector):
    steps = Steps()
    post = connector.publish(steps.request(media=(image(files, alt="Une miche dorée"),)))
    assert isinstance(post, RemotePost) and post.url.startswith("https://www.instagram.com/p/")
    (media,) = meta.media.values()
    assert (media.id, media.caption, media.alt_text) == (post.remote_id, "Nouveau pain #levain", "Une miche dorée")
    container = steps.recorded[0]["container"]
    assert meta.container(container).media_id == post.remote_id
    assert steps.progress == {"container": container, "media_id": post.remote_id}


def test_several_images_make_a_carousel_whose_items_are_recorded_one_by_one(meta, files, connector):
    steps = Steps()
    post = connector.publish(steps.request(media=(image(files), image(files), image(files))))
    assert [len(p.get("children", [])) for p in steps.recorded[:3]] == [1, 2, 3]
    (album,) = [m for m in meta.media.values() if m.product_type != "CAROUSEL_ITEM"]
    assert album.id == post.remote_id and album.media_type == "CAROUSEL_ALBUM" and len(album.children) == 3


def test_a_video_waits_while_instagram_processes_it_then_is_published(meta, files, connector):
    meta.video_polls = 2
    steps = Steps()
    first = connector.publish(steps.request(media=(video(files),)))
    assert isinstance(first, Pending) and "processing" in str(first.note.render())
    assert meta.media == {}
    second = connector.publish(steps.request(media=(video(files),)))
    assert isinstance(second, Pending)
    post = connector.publish(steps.request(media=(video(files),)))
    assert isinstance(post, RemotePost)
    (media,) = meta.media.values()
    assert media.product_type == "REELS" and len(meta.containers) == 1


def test_a_lost_publish_answer_is_found_through_the_container_never_published_twice(meta, files, connector):
    steps = Steps()
    meta.lose_next(path="*/media_publish")
    error = refusal(lambda: connector.publish(steps.request(media=(image(files),))))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    lookup = connector.find_published(steps.request(media=(image(files),)), since=timezone.now())
    assert lookup.presence is Presence.FOUND
    assert lookup.post is not None and lookup.post.remote_id == next(iter(meta.media))
    # Even asked to publish again, the recorded container says it is out.
    again = connector.publish(steps.request(media=(image(files),)))
    assert isinstance(again, RemotePost) and again.remote_id == lookup.post.remote_id
    assert len(meta.media) == 1 and len(meta.requests_to("*/media_publish", "POST")) == 1


def test_nothing_recorded_or_an_unpublished_container_is_absent_for_sure(meta, files, connector):
    steps = Steps()
    assert connector.find_published(steps.request(), since=timezone.now()).presence is Presence.ABSENT
    meta.fail_next(503, path="*/media_publish")
    refusal(lambda: connector.publish(steps.request(media=(image(files),))))
    assert steps.progress["container"] and meta.media == {}
    assert connector.find_published(steps.request(), since=timezone.now()).presence is Presence.ABSENT


def test_an_expired_container_is_made_again_once_visibly(meta, files, connector):
    meta.video_polls = 5
    steps = Steps()
    assert isinstance(connector.publish(steps.request(media=(video(files),))), Pending)
    first = steps.progress["container"]
    meta.expire_container(first)
    remade = connector.publish(steps.request(media=(video(files),)))
    assert isinstance(remade, Pending) and "expired" in remade.note.render()
    assert steps.progress["remade"] is True and steps.progress["container"] != first
    meta.expire_container(steps.progress["container"])
    error = refusal(lambda: connector.publish(steps.request(media=(video(files),))))
    assert error.kind is ErrorKind.PERMANENT and "expired twice" in error.message
    assert meta.media == {}


def test_a_container_in_error_fails_for_good_with_instagrams_status(meta, files, connector):
    steps = Steps()
    assert isinstance(connector.publish(steps.request(media=(video(files),))), Pending)
    meta.fail_container(steps.progress["container"], 2207026, "Unsupported video format")
    error = refusal(lambda: connector.publish(steps.request(media=(video(files),))))
    assert error.kind is ErrorKind.PERMANENT and "Unsupported video format" in error.message


def test_a_used_up_daily_quota_waits_before_making_any_container(meta, files, ig, connector):
    meta.set_quota(ig, 0)
    error = refusal(lambda: connector.publish(Steps().request(media=(image(files),))))
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after == 3600
    assert "limit (0)" in error.message and meta.containers == {}


def test_an_image_instagram_cannot_download_is_refused_in_words(meta, files, connector):
    error = refusal(lambda: connector.publish(Steps().request(media=(image(files, "/gone.jpg"),))))
    assert error.kind is ErrorKind.PERMANENT and "could not download the media" in error.message


def test_a_file_without_a_public_address_is_refused_before_any_call(meta, connector):
    media = MediaFile(path=Path("a.jpg"), mime_type="image/jpeg")
    error = refusal(lambda: connector.publish(Steps().request(media=(media,))))
    assert error.field == "media" and "PARVIS_BASE_URL" in error.message and meta.containers == {}


def test_the_first_comment_is_posted_once_even_when_its_answer_was_lost(meta, files, connector):
    steps = Steps()
    meta.lose_next(path="*/comments")
    with pytest.raises(NetworkError):
        connector.publish(steps.request(media=(image(files),), first_comment="#pain #levain"))
    assert steps.progress["comment_sent"] is True and "media_id" in steps.progress
    post = connector.publish(steps.request(media=(image(files),), first_comment="#pain #levain"))
    comments = [c for c in meta.comments.values() if c.on == post.remote_id]
    assert [c.text for c in comments] == ["#pain #levain"] and len(meta.media) == 1
    assert steps.progress["comment_id"] == comments[0].id


def test_a_refused_first_comment_leaves_the_post_published(meta, files, connector, monkeypatch):
    steps = Steps()
    meta.fail_next(400, {"error": {"message": "(#100) Comments are turned off for this media", "code": 100,
                                   "type": "OAuthException"}}, path="*/comments")
    post = connector.publish(steps.request(media=(image(files),), first_comment="Hello"))
    assert isinstance(post, RemotePost) and "turned off" in steps.progress["comment_error"]


def test_a_story_and_a_reel_use_their_media_types(meta, files, connector):
    meta.video_polls = 0
    connector.publish(Steps().request(media=(image(files),), post_type="story"))
    connector.publish(Steps().request(media=(video(files),), post_type="reel"))
    assert sorted(c.media_type for c in meta.containers.values()) == ["REELS", "STORIES"]


def test_a_server_error_on_publish_is_uncertain_and_an_expired_token_asks_to_reconnect(meta, files, ig, connector):
    meta.fail_next(500, path="*/media_publish")
    error = refusal(lambda: connector.publish(Steps().request(media=(image(files),))))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    meta.expire_token(meta.pages[ig.page_id].token)
    assert refusal(lambda: connector.publish(Steps().request(media=(image(files),)))).kind is ErrorKind.RECONNECT


def test_throttling_waits_the_time_meta_gives(meta, files, ig, connector):
    meta.throttle_next(80002, path="*/media", owner=ig.id, minutes=7)
    error = refusal(lambda: connector.publish(Steps().request(media=(image(files),))))
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after == 420 and not error.uncertain


def test_find_published_stops_at_posts_older_than_the_first_attempt(meta, files, connector):
    steps = Steps()
    meta.lose_next(path="*/media_publish")
    refusal(lambda: connector.publish(steps.request(text="Ancien", media=(image(files),))))
    # A later attempt looks for a different caption: Instagram says published, no match.
    lookup = connector.find_published(steps.request(text="Autre", media=(image(files),)),
                                      since=timezone.now() - timedelta(minutes=1))
    assert lookup.presence is Presence.UNKNOWN


def test_a_published_container_without_caption_is_never_matched_by_guess(meta, files, connector):
    connector.publish(Steps().request(text="", media=(image(files),)))  # another post, no caption
    steps = Steps()
    meta.lose_next(path="*/media_publish")
    refusal(lambda: connector.publish(steps.request(text="", media=(image(files),))))
    lookup = connector.find_published(steps.request(text="", media=(image(files),)), since=timezone.now())
    assert lookup.presence is Presence.UNKNOWN


def test_a_carousel_with_a_video_waits_for_its_items_before_the_album_is_made(meta, files, connector):
    meta.video_polls = 1
    steps = Steps()
    first = connector.publish(steps.request(media=(image(files), video(files))))
    assert isinstance(first, Pending) and len(steps.progress["children"]) == 2
    assert "container" not in steps.progress
    post = connector.publish(steps.request(media=(image(files), video(files))))
    assert isinstance(post, RemotePost)
    (album,) = [m for m in meta.media.values() if m.product_type != "CAROUSEL_ITEM"]
    assert album.media_type == "CAROUSEL_ALBUM" and len(meta.containers) == 3


def test_an_account_connected_with_instagram_login_publishes_with_its_own_token(meta, files, solo, solo_connector):
    post = solo_connector.publish(Steps().request(media=(image(files),)))
    assert meta.media[post.remote_id].owner == solo.id
    assert all(r.header("Authorization") == f"Bearer {solo.token}" for r in meta.requests_to("*/media*"))

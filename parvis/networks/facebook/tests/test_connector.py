"""The Facebook Page connector against the fake: text, link, photos (one, several with
each upload recorded), video through processing; reconciling a lost answer from the
Page's posts; checks; comments (inbox, hide/unhide, reply); delete; metrics; errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks import graph
from parvis.networks.base import (
    Draft,
    ErrorKind,
    ItemKind,
    MediaFile,
    Moderation,
    NetworkError,
    Pending,
    Presence,
    PublishRequest,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.facebook import metrics

pytestmark = pytest.mark.usefixtures("english")


class Steps:
    def __init__(self) -> None:
        self.progress: dict[str, Any] = {}
        self.recorded: list[dict[str, Any]] = []

    def record(self, progress: dict[str, Any]) -> None:
        self.progress = dict(progress)
        self.recorded.append(dict(progress))

    def request(self, text: str = "Fournée du jour", media: tuple[MediaFile, ...] = (), **options: Any,
                ) -> PublishRequest:
        return PublishRequest(text=text, idempotency_key="k", media=media, options=options,
                              progress=dict(self.progress), record=self.record)


def photo(files) -> MediaFile:
    return MediaFile(path=Path("a.png"), mime_type="image/png", url=files.url("/a.png"))


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def test_identity_is_the_page(connector, page):
    me = connector.identity()
    assert (me.remote_id, me.handle) == (page.id, "Boulangerie Dupont")


def test_a_text_with_a_link_is_published(meta, connector):
    post = connector.publish(Steps().request(link="https://boulangerie.test/"))
    stored = meta.posts[post.remote_id]
    assert (stored.message, stored.link) == ("Fournée du jour", "https://boulangerie.test/")
    assert post.url.startswith("https://www.facebook.com/")


def test_one_photo_is_published_with_its_caption(meta, files, connector):
    post = connector.publish(Steps().request(media=(photo(files),)))
    stored = meta.posts[post.remote_id]
    assert stored.message == "Fournée du jour" and len(stored.photos) == 1


def test_several_photos_are_uploaded_one_by_one_then_attached_to_one_post(meta, files, connector):
    steps = Steps()
    post = connector.publish(steps.request(media=(photo(files), photo(files), photo(files))))
    assert [len(p["photos"]) for p in steps.recorded] == [1, 2, 3]
    assert meta.posts[post.remote_id].photos == steps.progress["photos"]
    assert len(meta.posts) == 1


def test_a_lost_photo_upload_resumes_without_uploading_the_recorded_ones_again(meta, files, connector):
    steps = Steps()
    meta.fail_next(503, path="*/feed")
    refusal(lambda: connector.publish(steps.request(media=(photo(files), photo(files)))))
    connector.publish(steps.request(media=(photo(files), photo(files))))
    assert len(meta.page_media) == 2 and len(meta.posts) == 1


def test_a_video_waits_while_facebook_processes_it(meta, files, connector):
    meta.video_polls = 1
    steps = Steps()
    video = MediaFile(path=Path("v.mp4"), mime_type="video/mp4", url=files.url("/v.mp4"))
    first = connector.publish(steps.request(media=(video,)))
    assert isinstance(first, Pending) and steps.progress["video"]
    post = connector.publish(steps.request(media=(video,)))
    assert isinstance(post, RemotePost) and post.remote_id == steps.progress["video"]
    assert len(meta.page_media) == 1


def test_a_lost_answer_is_found_among_the_pages_posts(meta, connector):
    meta.lose_next(path="*/feed")
    assert refusal(lambda: connector.publish(Steps().request())).uncertain
    lookup = connector.find_published(Steps().request(), since=timezone.now() - timedelta(minutes=1))
    assert lookup.presence is Presence.FOUND and lookup.post.remote_id == next(iter(meta.posts))


def test_a_post_not_there_is_absent_once_the_list_reaches_back_past_the_first_attempt(meta, connector):
    assert connector.find_published(Steps().request(), since=timezone.now()).presence is Presence.ABSENT
    connector.publish(Steps().request(text="Autre chose"))
    meta.posts[next(iter(meta.posts))].created -= 7200  # older than the first attempt
    lookup = connector.find_published(Steps().request(), since=timezone.now())
    assert lookup.presence is Presence.ABSENT


def test_checks_say_what_facebook_refuses(connector):
    media = (MediaFile(path=Path("a.png"), mime_type="image/png"),)
    assert [p.field for p in connector.checks(Draft(text=""))] == ["text"]
    assert [p.field for p in connector.checks(Draft(text="x", media=media, options={"link": "https://a.test"}))] \
        == ["options.link"]
    assert connector.checks(Draft(text="x")) == []


def test_comments_come_in_are_hidden_and_answered(meta, connector, page):
    post = connector.publish(Steps().request())
    comment = meta.comment_as("Alex Dupont", on=post.remote_id, text="Ouvert lundi ?")
    inbox = connector.fetch_inbox("comments", None)
    (item,) = inbox.items
    assert (item.remote_id, item.kind, item.author.display_name) == (comment.id, ItemKind.REPLY, "Alex Dupont")
    assert connector.fetch_inbox("comments", inbox.cursor).items == []
    connector.moderate(Moderation.HIDE, item, item.author)
    assert meta.comments[comment.id].hidden
    connector.moderate(Moderation.UNHIDE, item, item.author)
    assert not meta.comments[comment.id].hidden
    reply = PublishRequest(text="Oui, dès 7 h", idempotency_key="r", reply_to=ReplyTarget(comment.id, post.remote_id))
    assert connector.find_published(reply, since=timezone.now()).presence is Presence.ABSENT
    answer = connector.publish(reply)
    assert meta.comments[answer.remote_id].parent == comment.id
    assert connector.find_published(reply, since=timezone.now()).post.remote_id == answer.remote_id
    root, parent = connector.thread_context(answer.remote_id)
    assert (root.remote_id, parent.remote_id) == (post.remote_id, comment.id)
    assert connector.refresh_items([comment.id])[comment.id].text == "Ouvert lundi ?"


def test_a_post_is_deleted(meta, connector):
    post = connector.publish(Steps().request())
    connector.delete(post.remote_id)
    assert meta.posts == {}


def test_metrics_use_the_views_family(meta, connector):
    post = connector.publish(Steps().request())
    meta.set_insights(post.remote_id, post_total_media_view_unique=55, post_media_view=80)
    assert connector.fetch_metrics([post.remote_id])[post.remote_id]["post_total_media_view_unique"] == 55
    assert not any("impressions" in m for m in metrics.POST_METRICS)


def test_page_tokens_do_not_expire(connector, page):
    refreshed = connector.refresh_credentials()
    assert refreshed.values == {"access_token": page.token} and refreshed.expires_at is None


def test_errors_are_mapped(meta, connector, page):
    meta.fail_next(500, path="*/feed")
    error = refusal(lambda: connector.publish(Steps().request(text="a")))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    meta.throttle_next(32, path="*/feed", owner=page.id, minutes=3)
    assert refusal(lambda: connector.publish(Steps().request(text="b"))).retry_after == 180
    # The throttled answer reported full usage: the client holds back until Meta's time...
    assert refusal(lambda: connector.publish(Steps().request(text="b"))).kind is ErrorKind.TRANSIENT
    graph._held.clear()  # ...which a test does not wait for
    meta.invalidate_token(page.token, 492)
    error = refusal(lambda: connector.publish(Steps().request(text="c")))
    assert error.kind is ErrorKind.RECONNECT and "no longer has a role" in error.message


def test_a_post_without_text_is_never_guessed_among_others(meta, files, connector):
    assert connector.find_published(Steps().request(text=""), since=timezone.now()).presence is Presence.ABSENT
    connector.publish(Steps().request(text="", media=(photo(files),)))
    lookup = connector.find_published(Steps().request(text=""), since=timezone.now() - timedelta(minutes=1))
    assert lookup.presence is Presence.UNKNOWN and "without text" in lookup.reason.render()

"""The rest of the Instagram contract against the fake: identity, checks, tokens, the
inbox (comments, replies, hide/unhide), deleting, and metrics."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from parvis.networks.base import (
    Draft,
    ErrorKind,
    ItemKind,
    MediaFile,
    Moderation,
    NetworkError,
    Presence,
    PublishRequest,
    ReplyTarget,
)
from parvis.networks.instagram import metrics
from parvis.networks.instagram.connector import LIMITS

pytestmark = pytest.mark.usefixtures("english")


def published(meta, files, connector, caption: str = "Pain du jour") -> str:
    post = connector.publish(PublishRequest(text=caption, idempotency_key="k", media=(
        MediaFile(path=Path("a.jpg"), mime_type="image/jpeg", url=files.url("/a.jpg")),)))
    return post.remote_id


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def jpeg(width: int = 1080, height: int = 1080) -> MediaFile:
    return MediaFile(path=Path("a.jpg"), mime_type="image/jpeg", width=width, height=height)


def problems(connector, text: str = "Bonjour", media=(), **options) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in connector.checks(Draft(text=text, media=media, options=options))]


# -- identity and checks ------------------------------------------------------------------------
def test_identity_names_the_professional_account(meta, connector, ig):
    me = connector.identity()
    assert (me.remote_id, me.handle, me.url) == (ig.id, "@boulangerie", "https://www.instagram.com/boulangerie/")


def test_instagram_needs_media(connector):
    assert problems(connector) == [("media", "Instagram needs an image or a video.")]
    assert problems(connector, media=(jpeg(),)) == []


def test_feed_images_must_be_between_4_5_and_1_91_1(connector):
    assert problems(connector, media=(jpeg(1080, 1350), jpeg(1910, 1000))) == []
    (tall,) = problems(connector, media=(jpeg(1080, 1920),))
    assert tall[0] == "media" and "4:5" in tall[1]
    assert problems(connector, media=(jpeg(1080, 1920),), post_type="story") == []


def test_reels_have_one_video_within_the_duration_limits(connector):
    long_video = MediaFile(path=Path("v.mp4"), mime_type="video/mp4", duration=16 * 60)
    (too_long,) = problems(connector, media=(long_video,), post_type="reel")
    assert "960 s" in too_long[1]
    assert problems(connector, media=(jpeg(),), post_type="reel") == [("media", "A reel is a video.")]
    assert problems(connector, media=(jpeg(), jpeg()), post_type="story")[0][0] == "media"


def test_hashtags_mentions_and_carousel_size_are_checked(connector):
    tags = " ".join(f"#t{n}" for n in range(31))
    assert [f for f, _ in problems(connector, text=tags, media=(jpeg(),))] == ["text"]
    mentions = " ".join(f"@user{n}" for n in range(21))
    assert [f for f, _ in problems(connector, text=mentions, media=(jpeg(),))] == ["text"]
    assert "2 to 10" in problems(connector, media=(jpeg(),) * 11)[0][1]
    assert LIMITS.max_chars == 2200 and LIMITS.max_media == 10


def test_a_story_cannot_have_a_first_comment(connector):
    assert problems(connector, media=(jpeg(),), post_type="story", first_comment="x") == [
        ("options.first_comment", "A story cannot have a first comment.")]


# -- tokens --------------------------------------------------------------------------------------
def test_an_instagram_login_token_is_refreshed_once_a_day_old(meta, solo, solo_connector):
    assert refusal(solo_connector.refresh_credentials).kind is ErrorKind.PERMANENT  # too young: tried later
    meta.advance(24 * 3600)
    fresh = solo_connector.refresh_credentials()
    assert fresh.values["access_token"] != solo.token
    assert fresh.expires_at is not None and fresh.expires_at - timezone.now() > timedelta(days=59)


def test_a_revoked_instagram_login_token_asks_to_reconnect(meta, solo, solo_connector):
    meta.invalidate_token(solo.token, 460)
    assert refusal(solo_connector.refresh_credentials).kind is ErrorKind.RECONNECT


def test_a_page_token_through_facebook_login_does_not_expire(meta, connector, ig):
    same = connector.refresh_credentials()
    assert same.values == {"access_token": meta.pages[ig.page_id].token} and same.expires_at is None


# -- inbox ---------------------------------------------------------------------------------------
def test_comments_and_replies_on_recent_posts_come_in_once(meta, files, connector):
    media_id = published(meta, files, connector)
    question = meta.comment_as("cliente", on=media_id, text="Ouvert dimanche ?")
    page = connector.fetch_inbox("comments", None)
    (item,) = page.items
    assert (item.remote_id, item.kind, item.text, item.author.handle) == (question.id, ItemKind.REPLY,
                                                                          "Ouvert dimanche ?", "@cliente")
    assert item.thread_key == item.root_id == item.in_reply_to_id == media_id
    again = connector.fetch_inbox("comments", page.cursor)
    assert again.items == []
    answer = meta.comment_as("autre", on=media_id, text="Moi aussi", parent=question.id)
    (reply,) = connector.fetch_inbox("comments", again.cursor).items
    assert reply.remote_id == answer.id and reply.in_reply_to_id == question.id


def test_a_reply_from_the_inbox_goes_under_the_comment_and_is_found_after_a_lost_answer(meta, files, connector):
    media_id = published(meta, files, connector)
    question = meta.comment_as("cliente", on=media_id, text="Prix ?")
    target = ReplyTarget(remote_id=question.id, root_id=media_id)
    request = PublishRequest(text="3 €", idempotency_key="r1", reply_to=target)
    assert connector.find_published(request, since=timezone.now()).presence is Presence.ABSENT
    meta.lose_next(path="*/replies")
    assert refusal(lambda: connector.publish(request)).uncertain
    lookup = connector.find_published(request, since=timezone.now())
    assert lookup.presence is Presence.FOUND
    (reply,) = [c for c in meta.comments.values() if c.parent == question.id]
    assert lookup.post.remote_id == reply.id and reply.author_name == "boulangerie"


def test_comments_are_hidden_and_shown_again(meta, files, connector):
    media_id = published(meta, files, connector)
    comment = meta.comment_as("troll", on=media_id, text="spam")
    (item,) = connector.fetch_inbox("comments", None).items
    assert connector.moderations() == {Moderation.HIDE, Moderation.UNHIDE}
    connector.moderate(Moderation.HIDE, item, item.author)
    assert meta.comments[comment.id].hidden
    connector.moderate(Moderation.UNHIDE, item, item.author)
    assert not meta.comments[comment.id].hidden
    assert refusal(lambda: connector.moderate(Moderation.BLOCK, item, item.author)).kind is ErrorKind.PERMANENT


def test_refresh_and_context_of_a_comment(meta, files, connector):
    media_id = published(meta, files, connector, caption="Le pain")
    question = meta.comment_as("cliente", on=media_id, text="Prix ?")
    answer = meta.comment_as("autre", on=media_id, text="Cher", parent=question.id)
    root, parent = connector.thread_context(answer.id)
    assert (root.remote_id, root.kind, root.text) == (media_id, ItemKind.OWN, "Le pain")
    assert parent.remote_id == question.id
    meta.comments[question.id].text = "Prix du pain ?"
    del meta.comments[answer.id]
    assert {k: v and v.text for k, v in connector.refresh_items([question.id, answer.id]).items()} == {
        question.id: "Prix du pain ?", answer.id: None}


# -- delete and metrics ---------------------------------------------------------------------------
def test_a_post_is_deleted_through_facebook_login(meta, files, connector):
    media_id = published(meta, files, connector)
    connector.delete(media_id)
    assert media_id not in meta.media


def test_instagram_login_cannot_delete_a_post_and_says_why(meta, files, solo_connector):
    media_id = published(meta, files, solo_connector)
    error = refusal(lambda: solo_connector.delete(media_id))
    assert error.kind is ErrorKind.PERMANENT and "Facebook Login" in error.message
    assert media_id in meta.media


def test_metrics_use_the_current_names(meta, files, connector):
    media_id = published(meta, files, connector)
    meta.set_insights(media_id, views=340, reach=200, likes=12, saved=3, shares=1, total_interactions=16)
    assert connector.fetch_metrics([media_id, "424242"]) == {media_id: {
        "views": 340, "reach": 200, "likes": 12, "comments": 0, "saved": 3, "shares": 1, "total_interactions": 16}}
    assert "impressions" not in metrics.MEDIA_METRICS and metrics.API_VERSION == "v27.0"


def test_posts_the_account_is_tagged_in_come_in_as_mentions(meta, ig, connector):
    tagged = meta.tag_account(ig.id, by="cliente", caption="Au petit-déj avec @boulangerie")
    page = connector.fetch_inbox("tags", None)
    (item,) = page.items
    assert (item.remote_id, item.kind, item.author.handle, item.text) == (
        tagged, ItemKind.MENTION, "@cliente", "Au petit-déj avec @boulangerie")
    assert connector.fetch_inbox("tags", page.cursor).items == []


def test_a_post_the_account_is_tagged_in_stays_alive_on_refresh_while_deleted_comments_go(meta, ig, connector):
    # Another account's media cannot be read by its id with the brand's token: the tags list says it is there.
    tagged = meta.tag_account(ig.id, by="cliente", caption="Au petit-déj avec @boulangerie")
    fresh = connector.refresh_items([tagged, "17850000000000999"])
    assert fresh[tagged] is not None and fresh[tagged].text == "Au petit-déj avec @boulangerie"
    assert fresh["17850000000000999"] is None  # neither readable nor tagged: gone


def test_a_reply_to_a_post_the_account_is_only_tagged_in_is_refused_before_sending(meta, ig, connector):
    tagged = meta.tag_account(ig.id, by="cliente", caption="Au petit-déj avec @boulangerie")
    (item,) = connector.fetch_inbox("tags", None).items
    before = dict(meta.comments)
    with pytest.raises(NetworkError) as refused:
        connector.publish(PublishRequest(text="Merci !", idempotency_key="k-tag-reply", reply_to=ReplyTarget(
            remote_id=tagged, root_id=tagged, extra=item.extra)))
    assert refused.value.kind is ErrorKind.PERMANENT and "only tagged in" in str(refused.value.reason)
    assert meta.comments == before

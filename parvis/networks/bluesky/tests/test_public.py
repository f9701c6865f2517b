"""Bluesky post search for the monitors, against a loopback server answering as a PDS
does.

The shapes come from (repository bluesky-social/atproto at d6296a1, dual MIT/Apache-2.0):

* lexicons/app/bsky/feed/searchPosts.json (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/searchPosts.json):
  the parameters q, sort (top|latest), since, lang, limit (1–100), cursor, and the
  output {cursor, hitsTotal, posts: [postView]}; the error BadQueryString.
* lexicons/app/bsky/feed/defs.json#postView and a real PostView as the AppView renders
  it (packages/bsky/tests/views/__snapshots__/posts.test.ts.snap): uri, cid, author
  (did, handle, displayName, avatar, associated, labels, createdAt), record,
  bookmarkCount, replyCount, repostCount, likeCount, quoteCount, indexedAt, labels.
  The reply's record (reply.parent/root, langs) is a real record from Jetstream's
  golden file internal/subscribe/testdata/golden_v1.jsonl (bluesky-social/jetstream).
* The rate limit headers (RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset in unix
  seconds, RateLimit-Policy): packages/xrpc-server/src/rate-limiter-http.ts; the error
  `{"error": "ExpiredToken", "message": "Token has expired"}`, which the PDS answers
  with HTTP 400 (InvalidRequestError): packages/pds/src/auth-verifier.ts.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from parvis.networks.bluesky.public import search_posts
from parvis.networks.public import ReadError
from parvis.testing.scripted_server import ScriptedServer, json_answer

pytestmark = pytest.mark.usefixtures("english")

PATH = "/xrpc/app.bsky.feed.searchPosts"
ALICE = "did:plc:eygmaihciaxprqvxpfvl6flk"
BOB = "did:plc:q235v55g5unth4zjjdpacfdr"


def author(did: str, handle: str, display_name: str | None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "did": did, "handle": handle,
        "associated": {"activitySubscription": {"allowSubscriptions": "followers"}},
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreibjfgx2gprinfvicegelk5kosd6y2frmqpqzwqkg7usac74l3t2v4@jpeg",
        "labels": [], "createdAt": "2023-04-12T18:11:47.211Z",
    }
    if display_name is not None:
        shown["displayName"] = display_name
    return shown


FRENCH = {
    "uri": f"at://{ALICE}/app.bsky.feed.post/3l3qo2vuowo2b",
    "cid": "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
    "author": author(ALICE, "boulangerie-dupont.fr", "Boulangerie Dupont"),
    "record": {"$type": "app.bsky.feed.post", "createdAt": "2024-09-09T19:46:02.102Z", "langs": ["fr"],
               "text": "Nouvelle fournée de croissants 🥐 ce matin !"},
    "bookmarkCount": 0, "replyCount": 1, "repostCount": 4, "likeCount": 17, "quoteCount": 0,
    "indexedAt": "2024-09-09T19:46:02.559Z", "labels": [],
}
REPLY = {
    "uri": f"at://{BOB}/app.bsky.feed.post/3mmoojp4cd223",
    "cid": "bafyreicl7rzkxdrm4zz2ehbx52kuk3mvfow6p3gzfys72r5grvskxoswy4",
    "author": author(BOB, "handle.invalid", None),
    "record": {"$type": "app.bsky.feed.post", "createdAt": "2026-05-25T14:23:28.757Z", "langs": ["en"],
               "reply": {"parent": {"cid": "bafyreiainko5un5pbcdosvxpbisjnjzemojnry6nsgtdftdgslbu37kxai",
                                    "uri": "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"},
                         "root": {"cid": "bafyreiainko5un5pbcdosvxpbisjnjzemojnry6nsgtdftdgslbu37kxai",
                                  "uri": "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"}},
               "text": "Try the croissants at Dupont for a good time !!"},
    "bookmarkCount": 0, "replyCount": 0, "repostCount": 0, "likeCount": 2, "quoteCount": 0,
    "indexedAt": "2026-05-25T14:23:29.120Z", "labels": [],
}
LIMITS = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "2998", "RateLimit-Policy": "3000;w=300"}


@pytest.fixture
def server() -> Any:
    with ScriptedServer() as running:
        yield running


def test_search_results_become_public_posts(server: ScriptedServer) -> None:
    body = {"cursor": "25", "hitsTotal": 2, "posts": [REPLY, FRENCH]}
    server.answer(PATH, json_answer(json.dumps(body), **LIMITS, **{"RateLimit-Reset": str(int(time.time()) + 300)}))

    page = search_posts(server.url(), "access-jwt-1", "croissants", lang="fr",
                        since=datetime(2024, 9, 1, 8, 30, tzinfo=UTC))

    assert page.cursor == "25" and page.retry_after is None
    reply, french = page.posts
    assert french.network == "bluesky"
    assert french.remote_id == f"at://{ALICE}/app.bsky.feed.post/3l3qo2vuowo2b"
    assert french.url == "https://bsky.app/profile/boulangerie-dupont.fr/post/3l3qo2vuowo2b"
    assert (french.author_handle, french.author_name, french.author_id) == (
        "boulangerie-dupont.fr", "Boulangerie Dupont", ALICE)
    assert french.text == "Nouvelle fournée de croissants 🥐 ce matin !"
    assert french.created_at == datetime(2024, 9, 9, 19, 46, 2, 102000, tzinfo=UTC)
    assert (french.language, french.in_reply_to) == ("fr", "")
    assert french.counts == {"replies": 1, "reposts": 4, "likes": 17, "quotes": 0}
    # A handle that no longer resolves: the address goes by the DID.
    assert (reply.author_handle, reply.author_name) == ("", "")
    assert reply.url == f"https://bsky.app/profile/{BOB}/post/3mmoojp4cd223"
    assert reply.in_reply_to == "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"
    assert reply.language == "en"

    request = server.received[0]
    assert request["headers"]["Authorization"] == "Bearer access-jwt-1"
    assert parse_qs(urlsplit(request["path"]).query) == {
        "q": ["croissants"], "sort": ["latest"], "limit": ["25"], "since": ["2024-09-01T08:30:00.000Z"],
        "lang": ["fr"]}


def test_the_cursor_is_passed_through_and_the_last_page_has_none(server: ScriptedServer) -> None:
    server.answer(PATH, json_answer('{"posts": []}'))
    page = search_posts(server.url(), "jwt", "croissants", cursor="50", limit=500)
    assert (page.posts, page.cursor) == ([], "")
    assert parse_qs(urlsplit(server.received[0]["path"]).query) == {
        "q": ["croissants"], "sort": ["latest"], "limit": ["100"], "cursor": ["50"]}


def test_a_rate_limit_says_when_to_come_back(server: ScriptedServer) -> None:
    reset = int(time.time()) + 40
    server.answer(PATH, json_answer('{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}', status=429,
                                    **{**LIMITS, "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}))
    with pytest.raises(ReadError) as caught:
        search_posts(server.url(), "jwt", "croissants")
    assert caught.value.transient and 30 < (caught.value.retry_after or 0) <= 40
    assert "rate limit" in caught.value.message

    server.answer(PATH, json_answer('{"error":"RateLimitExceeded"}', status=429, **{"Retry-After": "12"}))
    with pytest.raises(ReadError) as caught:
        search_posts(server.url(), "jwt", "croissants")
    assert caught.value.retry_after == 12


def test_a_spent_window_on_a_good_answer_is_said_too(server: ScriptedServer) -> None:
    server.answer(PATH, json_answer(json.dumps({"posts": [FRENCH]}), **{
        **LIMITS, "RateLimit-Remaining": "0", "RateLimit-Reset": str(int(time.time()) + 20)}))
    page = search_posts(server.url(), "jwt", "croissants")
    assert len(page.posts) == 1 and 10 < (page.retry_after or 0) <= 20


@pytest.mark.parametrize("status", [400, 401])
def test_an_expired_session_asks_for_a_reconnection(server: ScriptedServer, status: int) -> None:
    # The PDS answers an expired access token with 400 (InvalidRequestError); some
    # servers in front of it with 401.
    server.answer(PATH, json_answer('{"error":"ExpiredToken","message":"Token has expired"}', status=status))
    with pytest.raises(ReadError) as caught:
        search_posts(server.url(), "old-jwt", "croissants")
    assert not caught.value.transient and caught.value.reconnect
    assert caught.value.message == ("Bluesky no longer accepts the account's session (ExpiredToken: Token has "
                                    "expired). Reconnect the account.")


def test_a_query_the_server_cannot_read_is_not_retried(server: ScriptedServer) -> None:
    server.answer(PATH, json_answer('{"error":"BadQueryString","message":"could not parse query"}', status=400))
    with pytest.raises(ReadError) as caught:
        search_posts(server.url(), "jwt", 'croissants "')
    assert not caught.value.transient and not caught.value.reconnect
    assert "BadQueryString: could not parse query" in caught.value.message

    server.answer(PATH, json_answer('{"error":"InternalServerError"}', status=500))
    with pytest.raises(ReadError) as caught:
        search_posts(server.url(), "jwt", "croissants")
    assert caught.value.transient


def test_what_is_not_a_post_view_is_left_out(server: ScriptedServer) -> None:
    odd = [
        "not an object",
        {**FRENCH, "uri": f"at://{ALICE}/app.bsky.feed.like/3l3qo2vuowo2b"},  # not a post
        {**FRENCH, "uri": f"at://{BOB}/app.bsky.feed.post/3l3qo2vuowo2b"},  # author and repository differ
        {**FRENCH, "uri": f"at://{ALICE}/app.bsky.feed.post/bad key"},  # not a record key
        {**FRENCH, "record": {"text": "no date"}, "indexedAt": "yesterday"},
        {**FRENCH, "record": {"text": "date from indexedAt", "createdAt": "2024-09-09 19:46"}},
    ]
    server.answer(PATH, json_answer(json.dumps({"posts": odd})))
    page = search_posts(server.url(), "jwt", "croissants")
    assert [post.text for post in page.posts] == ["date from indexedAt"]
    assert page.posts[0].created_at == datetime(2024, 9, 9, 19, 46, 2, 559000, tzinfo=UTC)

"""Following a competitor's public Bluesky account for la veille: its profile with its
public counts, and its latest own posts, read from the AppView without a login.

The happy path runs against the local Bluesky network (parvis/testing/bsky_network.py:
PDS and AppView from @atproto/dev-env). The errors, and the feed items the AppView sends
that are not the account's own words, come from a scripted server with the shapes of
(repository bluesky-social/atproto at d6296a1, dual MIT/Apache-2.0):

* lexicons/app/bsky/actor/getProfile.json and lexicons/app/bsky/actor/defs.json#profileViewDetailed:
  did, handle, displayName, description, avatar, associated, followersCount,
  followsCount, postsCount, indexedAt, createdAt, labels;
* lexicons/app/bsky/feed/getAuthorFeed.json: the parameters actor, limit (1–100), cursor,
  filter (posts_no_replies…), the output {cursor, feed: [feedViewPost]}, the errors
  BlockedActor and BlockedByActor;
* lexicons/app/bsky/feed/defs.json#feedViewPost (post, reply, reason) and #reasonRepost
  (by, uri, cid, indexedAt): `posts_no_replies` still brings the account's reposts;
* packages/bsky/src/api/app/bsky/actor/getProfile.ts and feed/getAuthorFeed.ts: an
  unknown actor is `{"error": "InvalidRequest", "message": "Profile not found"}` (HTTP
  400), a suspended one `AccountTakedown`, a deactivated one `AccountDeactivated`;
* the rate limit headers as in test_public.py (packages/xrpc-server/src/rate-limiter-http.ts).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import LazySettings

from parvis.networks import registry
from parvis.networks.bluesky.public import ProfileReader
from parvis.networks.bluesky.tests.test_public import ALICE, BOB, FRENCH, REPLY, author
from parvis.networks.public import ReadError
from parvis.testing.bsky_network import LocalBlueskyNetwork
from parvis.testing.scripted_server import ScriptedServer, json_answer

pytestmark = pytest.mark.usefixtures("english")

PROFILE_PATH = "/xrpc/app.bsky.actor.getProfile"
FEED_PATH = "/xrpc/app.bsky.feed.getAuthorFeed"
PROFILE = {
    **author(ALICE, "boulangerie-dupont.fr", "Boulangerie Dupont"),
    "description": "Pains et viennoiseries depuis 1952.", "indexedAt": "2024-01-10T09:00:00.000Z",
    "followersCount": 1520, "followsCount": 87, "postsCount": 342,
}
OWN_THREAD = {
    **FRENCH, "uri": f"at://{ALICE}/app.bsky.feed.post/3l3qo4aaaaa2b",
    "record": {"$type": "app.bsky.feed.post", "createdAt": "2024-09-09T19:48:00.000Z", "langs": ["fr"],
               "text": "(et des pains au chocolat)",
               "reply": {"parent": {"cid": FRENCH["cid"], "uri": FRENCH["uri"]},
                         "root": {"cid": FRENCH["cid"], "uri": FRENCH["uri"]}}},
    "replyCount": 0, "repostCount": 0, "likeCount": 3, "quoteCount": 0,
}
TO_SOMEONE = {
    **REPLY, "uri": f"at://{ALICE}/app.bsky.feed.post/3l3qo5bbbbb2b",
    "author": author(ALICE, "boulangerie-dupont.fr", "Boulangerie Dupont"),
}
REPOST = {
    "post": {**FRENCH, "uri": f"at://{BOB}/app.bsky.feed.post/3l3qo6aaaaa2b", "author": author(BOB, "bob.test", "Bob")},
    "reason": {"$type": "app.bsky.feed.defs#reasonRepost",
               "by": author(ALICE, "boulangerie-dupont.fr", "Boulangerie Dupont"),
               "uri": f"at://{ALICE}/app.bsky.feed.repost/3l3qo6ccccc2b",
               "cid": "bafyreihwqqmu6o4rbfq3wb6jzxmkhuq6f7ndhkasvu5ie5jvdcuqpz6x2y",
               "indexedAt": "2024-09-10T08:00:00.000Z"},
}


@pytest.fixture
def appview(settings: LazySettings) -> Any:
    with ScriptedServer() as running:
        settings.PARVIS_BLUESKY_APPVIEW = running.url()
        yield running


def _query(server: ScriptedServer, index: int) -> dict[str, list[str]]:
    return parse_qs(urlsplit(server.received[index]["path"]).query)


@pytest.mark.parametrize(("typed", "stored"), [
    ("@Boulangerie.bsky.social", "@boulangerie.bsky.social"),
    ("boulangerie-dupont.fr", "@boulangerie-dupont.fr"),
    (f" {ALICE} ", ALICE),
    ("https://bsky.app/profile/boulangerie-dupont.fr", "@boulangerie-dupont.fr"),
    (f"https://bsky.app/profile/{ALICE}/", ALICE),
])
def test_a_handle_a_did_or_a_profile_address_is_stored_as_the_account(typed: str, stored: str) -> None:
    assert ProfileReader().normalise(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "boulangerie", "@boulangerie@piaille.fr", "https://piaille.fr/@boulangerie", "handle.invalid",
    "https://bsky.app/profile/boulangerie.bsky.social/post/3l3qo2vuowo2b", "boulangerie.123", "did:plc:",
])
def test_what_is_not_a_bluesky_account_is_refused(typed: str) -> None:
    assert ProfileReader().normalise(typed) is None


def test_the_registry_offers_the_reader_and_it_needs_no_account() -> None:
    reader = registry.profile_reader("bluesky")
    assert isinstance(reader, ProfileReader) and reader.needs_account is False


def test_a_followed_account_brings_its_counts_and_only_its_own_posts(
        bsky_network: LocalBlueskyNetwork, settings: LazySettings) -> None:
    suffix = str(int(time.time() * 1000))[-8:]
    rival = bsky_network.create_account(f"rival{suffix}", "pw-rival-123", display_name="Boulangerie Martin")
    fan = bsky_network.create_account(f"fan{suffix}", "pw-fan-12345")
    first = bsky_network.post_as(rival["handle"], "Ouverture lundi !")
    fans_post = bsky_network.post_as(fan["handle"], "Vivement lundi")
    bsky_network.post_as(rival["handle"], "merci !", reply_to=fans_post.uri)
    latest = bsky_network.post_as(rival["handle"], "Nouvelle fournée de croissants")
    bsky_network.create_record(rival["handle"], "app.bsky.feed.repost", {
        "$type": "app.bsky.feed.repost", "subject": fans_post.as_ref(), "createdAt": "2026-01-01T00:00:00.000Z"})
    bsky_network.create_record(fan["handle"], "app.bsky.graph.follow", {
        "$type": "app.bsky.graph.follow", "subject": rival["did"], "createdAt": "2026-01-01T00:00:00.000Z"})
    bsky_network.like_as(fan["handle"], latest.uri)
    bsky_network.process_all()
    settings.PARVIS_BLUESKY_APPVIEW = bsky_network.appview_url

    timeline = ProfileReader().read(f"https://bsky.app/profile/{rival['handle']}", limit=10)

    profile = timeline.profile
    assert (profile.network, profile.remote_id, profile.handle) == ("bluesky", rival["did"], f"@{rival['handle']}")
    assert profile.name == "Boulangerie Martin"
    assert profile.url == f"https://bsky.app/profile/{rival['handle']}"
    assert (profile.followers, profile.following, profile.posts) == (1, 0, 3)
    assert [post.remote_id for post in timeline.posts] == [latest.uri, first.uri]
    newest = timeline.posts[0]
    assert (newest.text, newest.author_id) == ("Nouvelle fournée de croissants", rival["did"])
    assert newest.counts == {"replies": 0, "reposts": 0, "likes": 1, "quotes": 0}


def test_the_appview_is_asked_for_the_profile_then_its_posts_without_replies(appview: ScriptedServer) -> None:
    appview.answer(PROFILE_PATH, json_answer(json.dumps(PROFILE)))
    appview.answer(FEED_PATH, json_answer(json.dumps({"cursor": "2024-09-09T19:46:02.102Z", "feed": [
        REPOST, {"post": TO_SOMEONE}, {"post": FRENCH}, {"post": OWN_THREAD}]})))

    timeline = ProfileReader().read("@Boulangerie-Dupont.fr", limit=500)

    assert appview.paths() == [PROFILE_PATH, FEED_PATH]
    assert _query(appview, 0) == {"actor": ["boulangerie-dupont.fr"]}
    assert _query(appview, 1) == {"actor": [ALICE], "filter": ["posts_no_replies"], "limit": ["100"]}
    assert all("Authorization" not in request["headers"] for request in appview.received)
    profile = timeline.profile
    assert (profile.remote_id, profile.handle, profile.name) == (ALICE, "@boulangerie-dupont.fr",
                                                                 "Boulangerie Dupont")
    assert (profile.followers, profile.following, profile.posts) == (1520, 87, 342)
    # No repost (it has a reason), no reply to someone else; a reply to itself is a
    # thread of its own words. Newest first, whatever order the AppView used.
    assert [post.text for post in timeline.posts] == ["(et des pains au chocolat)",
                                                      "Nouvelle fournée de croissants 🥐 ce matin !"]
    assert timeline.posts[1].counts == {"replies": 1, "reposts": 4, "likes": 17, "quotes": 0}
    assert timeline.retry_after is None


def test_an_unknown_account_is_said_plainly_and_not_asked_again(appview: ScriptedServer) -> None:
    appview.answer(PROFILE_PATH, json_answer('{"error":"InvalidRequest","message":"Profile not found"}', status=400))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("personne.bsky.social")
    assert not caught.value.transient and not caught.value.reconnect
    assert caught.value.message == ("No Bluesky account has the name @personne.bsky.social. Check the spelling: "
                                    "the account may also have been deleted, or have changed its name.")

    appview.answer(PROFILE_PATH, json_answer('{"error":"ActorNotFound","message":"Actor not found"}', status=400))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read(BOB)
    assert not caught.value.transient and f"No Bluesky account has the name {BOB}." in caught.value.message


def test_a_suspended_or_blocking_account_says_why_and_is_not_worth_retrying(appview: ScriptedServer) -> None:
    appview.answer(PROFILE_PATH, json_answer('{"error":"AccountTakedown","message":"Account has been suspended"}',
                                             status=400))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie-dupont.fr")
    assert not caught.value.transient and not caught.value.reconnect
    assert caught.value.message == ("The Bluesky account @boulangerie-dupont.fr is suspended or deactivated "
                                    "(AccountTakedown: Account has been suspended).")

    appview.answer(PROFILE_PATH, json_answer(json.dumps(PROFILE)))
    appview.answer(FEED_PATH, json_answer(json.dumps({"error": "BlockedByActor",
                                                      "message": f"Requester is blocked by actor: {ALICE}"}),
                                          status=400))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie-dupont.fr")
    assert not caught.value.transient
    assert caught.value.message.startswith("Bluesky refused to show the account @boulangerie-dupont.fr "
                                           "(BlockedByActor: ")

    appview.answer(FEED_PATH, json_answer('{"posts": []}'))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie-dupont.fr")
    assert caught.value.message == f"The server 127.0.0.1:{appview.port} did not answer as a Bluesky AppView does."


def test_a_rate_limit_says_when_to_come_back(appview: ScriptedServer) -> None:
    reset = int(time.time()) + 40
    appview.answer(PROFILE_PATH, json_answer('{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
                                             status=429, **{"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
                                                            "RateLimit-Reset": str(reset)}))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie-dupont.fr")
    assert caught.value.transient and 30 < (caught.value.retry_after or 0) <= 40
    assert "rate limit" in caught.value.message

    appview.answer(PROFILE_PATH, json_answer(json.dumps(PROFILE)))
    appview.answer(FEED_PATH, json_answer('{"feed": []}', **{"RateLimit-Remaining": "0",
                                                             "RateLimit-Reset": str(reset)}))
    timeline = ProfileReader().read("boulangerie-dupont.fr")
    assert timeline.posts == [] and 30 < (timeline.retry_after or 0) <= 40

    appview.answer(FEED_PATH, json_answer("<html>Bad gateway</html>", status=502))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie-dupont.fr")
    assert caught.value.transient and "HTTP 502" in caught.value.message


def test_a_redirect_is_not_followed(appview: ScriptedServer) -> None:
    appview.answer(PROFILE_PATH, json_answer("", status=302, Location="http://169.254.169.254/latest/meta-data/"))
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie-dupont.fr")
    assert not caught.value.transient and "does not follow redirects" in caught.value.message
    assert len(appview.received) == 1


def test_what_is_not_an_account_is_refused_before_asking(appview: ScriptedServer) -> None:
    with pytest.raises(ReadError) as caught:
        ProfileReader().read("@boulangerie@piaille.fr")
    assert not caught.value.transient
    assert caught.value.message == ("Enter the account as @name.bsky.social, its DID, or the address of its "
                                    "profile on bsky.app.")
    assert appview.received == []

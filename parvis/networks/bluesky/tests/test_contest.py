"""Who took part in a brand's post, for a contest, against the local Bluesky network
(@atproto/dev-env: PLC, PDS, AppView on loopback), and a rate limit at the HTTP level.

One post and its crowd are made once for the module (the network is the session's): fans
reply (one twice, one below another reply), repost, like and follow as the apps would,
by writing records in their own repositories.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from atproto import Client
from atproto_client.request import Request

from parvis.networks.base import ErrorKind, NetworkError, Participant
from parvis.networks.bluesky import contest
from parvis.networks.bluesky.connector import BlueskyConnector
from parvis.networks.models import SocialAccount

PASSWORD = "main-password-123"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class World:
    net: Any
    account: SocialAccount
    brand: str  # handle
    fans: dict[str, dict[str, Any]]  # name -> {did, handle}
    post: str
    replies: dict[str, str]  # name -> uri

    def connector(self) -> BlueskyConnector:
        return BlueskyConnector(self.account)


@pytest.fixture(scope="module")
def world(bsky_network: Any) -> World:
    from parvis.networks.bluesky.views import verify

    net, tag = bsky_network, uuid.uuid4().hex[:6]
    brand = net.create_account(f"brand{tag}", PASSWORD, display_name="La Marque")["handle"]
    fans = {}
    for name in ("ann", "bob", "cid", "dan", "eve"):
        created = net.create_account(f"{name}{tag}", PASSWORD)
        fans[name] = {"did": created["did"], "handle": created["handle"]}
        # The profile as the apps write it at sign-up (with its createdAt); Dan says he is
        # a bot, with the self-label Bluesky asks automated accounts to set.
        profile: dict[str, Any] = {"$type": "app.bsky.actor.profile", "displayName": f"{name.title()} <b>Fan</b>",
                                   "createdAt": _now()}
        if name == "dan":
            profile["labels"] = {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "bot"}]}
        net.put_record(created["handle"], "app.bsky.actor.profile", "self", profile)
    post = net.post_as(brand, "Concours ! Répondez, partagez, aimez.")
    replies = {
        "ann1": net.post_as(fans["ann"]["handle"], "Je participe", reply_to=post.uri).uri,
        "bob": net.post_as(fans["bob"]["handle"], "<b>moi</b> & toi", reply_to=post.uri).uri,
        "cid": net.post_as(fans["cid"]["handle"], "Moi aussi", reply_to=post.uri).uri,
        "ann2": net.post_as(fans["ann"]["handle"], "Encore moi", reply_to=post.uri).uri,
    }
    replies["eve_nested"] = net.post_as(fans["eve"]["handle"], "Bravo Ann", reply_to=replies["ann1"]).uri
    replies["brand_own"] = net.post_as(brand, "Merci à tous", reply_to=post.uri).uri
    subject = post.as_ref()
    for name in ("bob", "cid"):
        net.create_record(fans[name]["handle"], "app.bsky.feed.repost",
                          {"$type": "app.bsky.feed.repost", "subject": subject, "createdAt": _now()})
    for name in ("ann", "dan", "eve"):
        net.like_as(fans[name]["handle"], post.uri)
    net.like_as(brand, post.uri)  # the brand's own: never an entrant
    brand_did = net.account(brand)["did"]
    for name in ("ann", "cid"):
        net.create_record(fans[name]["handle"], "app.bsky.graph.follow",
                          {"$type": "app.bsky.graph.follow", "subject": brand_did, "createdAt": _now()})
    net.process_all()
    app_password = net.create_app_password(brand, PASSWORD, "parvis")
    account, identity = verify(net.url, brand, app_password)  # not saved: the connector is under test
    account.remote_id, account.handle = identity.remote_id, identity.handle
    return World(net, account, brand, fans, post.uri, replies)


def collect(connector: BlueskyConnector, post: str, way: str) -> tuple[list[Participant], int]:
    found: list[Participant] = []
    cursor: str | None = None
    for pages in range(1, 100):
        page = connector.participants(post, way, cursor)
        found += page.participants
        cursor = page.cursor
        if cursor is None:
            return found, pages
    raise AssertionError("the pages never end")


@pytest.mark.slow
def test_every_direct_reply_comes_once_over_several_pages(world, monkeypatch):
    monkeypatch.setattr(contest, "PAGE_LIMIT", 2)

    found, pages = collect(world.connector(), world.post, "reply")

    assert sorted(p.remote_id for p in found) == sorted(world.replies[k] for k in ("ann1", "bob", "cid", "ann2"))
    assert pages >= 2
    ann = world.fans["ann"]
    assert [p.stable_id for p in found].count(ann["did"]) == 2  # two entries, one person
    first = next(p for p in found if p.remote_id == world.replies["ann1"])
    assert (first.stable_id, first.handle, first.display_name, first.way) == (
        ann["did"], f"@{ann['handle']}", "Ann <b>Fan</b>", "reply")
    assert first.text == "Je participe" and first.at is not None and first.at.tzinfo is not None
    assert first.created_at is not None and not first.bot
    assert next(p for p in found if p.remote_id == world.replies["bob"]).text == "<b>moi</b> & toi"


@pytest.mark.slow
def test_reposts_and_likes_name_each_person_with_age_and_bot_flag(world, monkeypatch):
    monkeypatch.setattr(contest, "PAGE_LIMIT", 2)
    connector = world.connector()

    reposts, _ = collect(connector, world.post, "repost")
    likes, like_pages = collect(connector, world.post, "like")

    fans = world.fans
    assert sorted(p.stable_id for p in reposts) == sorted(fans[n]["did"] for n in ("bob", "cid"))
    assert sorted(p.stable_id for p in likes) == sorted(fans[n]["did"] for n in ("ann", "dan", "eve"))
    assert like_pages >= 2  # four likes (the brand's own among them), two a page
    assert {p.stable_id: p.bot for p in likes} == {fans["ann"]["did"]: False, fans["dan"]["did"]: True,
                                                   fans["eve"]["did"]: False}
    assert all(p.at is not None for p in likes) and all(p.at is None for p in reposts)
    assert all(p.created_at is not None for p in reposts + likes)
    assert connector.contest_ways() == frozenset({"reply", "repost", "like", "follow"})
    assert connector.send_direct(fans["ann"]["did"], f"@{fans['ann']['handle']}", "Bravo") is None


@pytest.mark.slow
def test_followers_among_says_who_follows_the_brand_in_batches(world, monkeypatch):
    monkeypatch.setattr(contest, "RELATIONSHIPS_BATCH", 2)
    fans = world.fans
    ids = [fans[n]["did"] for n in ("ann", "bob", "cid", "dan")] + ["did:plc:nobodyhereatall0000000", "ann"]

    assert world.connector().followers_among(ids) == {
        fans["ann"]["did"]: True, fans["bob"]["did"]: False, fans["cid"]["did"]: True, fans["dan"]["did"]: False,
        "did:plc:nobodyhereatall0000000": False, "ann": False,
    }


def test_a_rate_limited_page_raises_transient_with_the_wait(people):
    """The PDS's answer past its limit (3,000 requests per 5 minutes), as bsky.social sends
    it: no Retry-After, the window's end in RateLimit-Reset (unix seconds)."""
    reset = int(time.time()) + 120
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(429, json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers={
            "ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset),
            "ratelimit-policy": "3000;w=300"})

    from parvis.testing.factories import make_account

    connector = BlueskyConnector(make_account(people["workspace"], "bluesky"))
    connector.client = Client(base_url="https://pds.example", request=Request(transport=httpx.MockTransport(answer)))
    connector._logged_in = True  # noqa: SLF001 - no login: the first request is the one refused
    cursor = json.dumps({"page": "abc", "since": "2030-01-01T00:00:00.000Z"})

    for way, saved in (("like", "abc"), ("reply", cursor)):
        with pytest.raises(NetworkError) as limited:
            connector.participants("at://did:plc:brand/app.bsky.feed.post/3k", way, saved)
        assert limited.value.kind is ErrorKind.TRANSIENT
        assert limited.value.retry_after is not None and 100 < limited.value.retry_after <= 120
    assert seen == ["/xrpc/app.bsky.feed.getLikes", "/xrpc/app.bsky.notification.listNotifications"]


@pytest.mark.slow
def test_follows_come_from_the_follow_notifications_with_their_time(world, monkeypatch):
    monkeypatch.setattr(contest, "PAGE_LIMIT", 1)

    found, pages = collect(world.connector(), world.post, "follow")

    fans = world.fans
    assert sorted(p.stable_id for p in found) == sorted(fans[n]["did"] for n in ("ann", "cid"))
    assert pages >= 2
    assert all(p.way == "follow" and p.at is not None and p.remote_id.startswith(f"at://{p.stable_id}/app.bsky."
                                                                                   "graph.follow/") for p in found)
    assert {p.text for p in found} == {""}

"""The figures analytics reads from a Bluesky account: each post's counters (getPosts)
and the account's (getProfile).

The counts come from the local Bluesky network (parvis/testing/bsky_network.py: PDS and
AppView from @atproto/dev-env; slow, so few tests). The errors come from a scripted PDS
with the shapes of (repository bluesky-social/atproto, dual MIT/Apache-2.0):
lexicons/com/atproto/server/createSession.json for the login, and the rate limit answer
of packages/xrpc-server/src/rate-limiter-http.ts (HTTP 429, `RateLimitExceeded`,
RateLimit-Limit/Remaining/Reset with Reset in unix seconds).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from parvis.networks.base import ErrorKind, NetworkError, PublishRequest
from parvis.networks.bluesky.connector import BlueskyConnector
from parvis.networks.bluesky.info import INFO
from parvis.testing.bsky_network import LocalBlueskyNetwork
from parvis.testing.factories import make_account
from parvis.testing.scripted_server import ScriptedServer, json_answer

pytestmark = pytest.mark.django_db

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
GET_PROFILE = "/xrpc/app.bsky.actor.getProfile"


def _person(network: LocalBlueskyNetwork, name: str) -> str:
    return str(network.create_account(f"{name}{uuid.uuid4().hex[:8]}", "pw-person-123")["handle"])


def test_a_post_counts_the_likes_reposts_replies_and_quotes_of_others_and_a_deleted_one_is_left_out(
        bsky_network: LocalBlueskyNetwork, bluesky_inbox_account: Any) -> None:
    account, _ = bluesky_inbox_account
    connector = BlueskyConnector(account)
    post = connector.publish(PublishRequest(text="Nouvelle fournée", idempotency_key="metrics-1"))
    quiet = connector.publish(PublishRequest(text="Fermé lundi", idempotency_key="metrics-2"))
    gone = connector.publish(PublishRequest(text="Bientôt effacé", idempotency_key="metrics-3"))
    fan, critic = _person(bsky_network, "fan"), _person(bsky_network, "critic")
    for person in (fan, critic):
        bsky_network.like_as(person, post.remote_id)
    bsky_network.create_record(fan, "app.bsky.feed.repost", {
        "$type": "app.bsky.feed.repost", "subject": {"uri": post.remote_id, "cid": post.extra["cid"]},
        "createdAt": "2026-01-01T00:00:00.000Z"})
    bsky_network.post_as(critic, "Miam !", reply_to=post.remote_id)
    bsky_network.quote_as(fan, post.remote_id, "Regardez ça")
    connector.delete(gone.remote_id)
    bsky_network.process_all()

    metrics = connector.fetch_metrics([post.remote_id, gone.remote_id, quiet.remote_id])

    assert metrics == {
        post.remote_id: {"likeCount": 2, "repostCount": 1, "replyCount": 1, "quoteCount": 1},
        quiet.remote_id: {"likeCount": 0, "repostCount": 0, "replyCount": 0, "quoteCount": 0},
    }
    assert {INFO.metric_names[name] for name in metrics[post.remote_id]} == {"likes", "reposts", "replies", "quotes"}


def test_the_account_counts_its_followers_follows_and_posts(
        bsky_network: LocalBlueskyNetwork, bluesky_inbox_account: Any) -> None:
    account, _ = bluesky_inbox_account
    connector = BlueskyConnector(account)
    connector.publish(PublishRequest(text="Bonjour", idempotency_key="metrics-account"))
    fan = _person(bsky_network, "fan")
    bsky_network.create_record(fan, "app.bsky.graph.follow", {
        "$type": "app.bsky.graph.follow", "subject": account.remote_id, "createdAt": "2026-01-01T00:00:00.000Z"})
    bsky_network.process_all()

    counts = connector.fetch_account_metrics()

    assert counts == {"followersCount": 1, "followsCount": 0, "postsCount": 1}
    assert {INFO.metric_names[name] for name in counts} == {"followers", "following", "posts"}


def _jwt(**claims: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def pds() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        expires = int(time.time()) + 7200
        running.answer(CREATE_SESSION, json_answer(json.dumps({
            "accessJwt": _jwt(scope="com.atproto.appPass", sub=DID, exp=expires, iat=expires - 7200),
            "refreshJwt": _jwt(scope="com.atproto.refresh", sub=DID, exp=expires + 86400, jti="r1"),
            "handle": "brand.pds.example", "did": DID, "active": True})))
        yield running


@pytest.fixture
def connector(people: dict[str, Any], pds: ScriptedServer) -> BlueskyConnector:
    return BlueskyConnector(make_account(people["workspace"], "bluesky", server_url=pds.url(), remote_id=DID))


def test_a_rate_limit_is_transient_until_the_reset_the_pds_said(pds: ScriptedServer, connector) -> None:
    reset = str(int(time.time()) + 30)
    limited = json_answer(json.dumps({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}), 429,
                          **{"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset,
                             "RateLimit-Policy": "3000;w=300"})
    pds.answer(GET_POSTS, limited)
    pds.answer(GET_PROFILE, limited)

    for read in (lambda: connector.fetch_metrics([f"at://{DID}/app.bsky.feed.post/3l3qo2vuowo2b"]),
                 connector.fetch_account_metrics):
        with pytest.raises(NetworkError) as caught:
            read()
        assert caught.value.kind is ErrorKind.TRANSIENT and not caught.value.uncertain
        assert 28 <= caught.value.retry_after <= 30


def test_a_server_error_is_transient(pds: ScriptedServer, connector) -> None:
    pds.answer(GET_POSTS, json_answer(json.dumps({"error": "InternalServerError"}), 500))

    with pytest.raises(NetworkError) as caught:
        connector.fetch_metrics([f"at://{DID}/app.bsky.feed.post/3l3qo2vuowo2b"])

    assert caught.value.kind is ErrorKind.TRANSIENT and not caught.value.uncertain

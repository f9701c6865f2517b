"""Scratch tests for ``parvis.testing.mastodon_server``: drive the harness with Mastodon.py.

They document what the mastodon-mock backed server does (and does not) do, so that the
connector's own tests can rely on it. No Django database is involved.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServiceUnavailableError,
    MastodonUnauthorizedError,
)

from parvis.testing.mastodon_server import LocalMastodon, LocalUser

# Smallest valid PNG (1x1 transparent), so media tests need no fixture files.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

_usernames = (f"user{n}" for n in itertools.count(1))


pytestmark = pytest.mark.slow  # mastodon-mock in its own thread


@pytest.fixture(scope="module")
def server() -> Iterator[LocalMastodon]:
    with LocalMastodon() as local:
        yield local


@pytest.fixture
def user(server: LocalMastodon) -> Iterator[LocalUser]:
    """A fresh account per test (cheaper than reset(), and isolates statuses_of)."""
    yield server.create_user(next(_usernames))
    server.clear_faults()
    server.set_rate_limits(False)


def api(server: LocalMastodon, user: LocalUser, **kwargs: Any) -> Mastodon:
    # Plain http:// base URLs are accepted as-is; version_check_mode="none" is already
    # Mastodon.py 2.x's default. "throw" keeps a 429 from sleeping inside Mastodon.py.
    options: dict[str, Any] = {"ratelimit_method": "throw", "request_timeout": 10}
    options.update(kwargs)
    return Mastodon(access_token=user["access_token"], api_base_url=server.url, **options)


def test_verify_credentials(server: LocalMastodon, user: LocalUser) -> None:
    me = api(server, user).account_verify_credentials()
    assert (str(me.id), me.username) == (user["id"], user["username"])


def test_instance_limits(server: LocalMastodon, user: LocalUser) -> None:
    v2 = api(server, user).instance_v2()
    assert v2.configuration.statuses.max_characters == 500
    assert v2.configuration.statuses.max_media_attachments == 4
    assert v2.configuration.statuses.characters_reserved_per_url == 23
    assert "image/png" in v2.configuration.media_attachments.supported_mime_types
    v1 = server.instance(1)
    assert v1["configuration"]["statuses"] == {
        "max_characters": 500,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }


def test_idempotency_key_returns_the_same_status(server: LocalMastodon, user: LocalUser) -> None:
    client = api(server, user)
    first = client.status_post("hello", idempotency_key="post-1")
    second = client.status_post("hello (retry)", idempotency_key="post-1")
    assert second.id == first.id
    assert second.content == "<p>hello</p>"  # the original, not the retry's body
    assert [s["id"] for s in server.statuses_of(user)] == [str(first.id)]


def test_too_long_is_422(server: LocalMastodon, user: LocalUser) -> None:
    with pytest.raises(MastodonAPIError) as caught:
        api(server, user).status_post("a" * 501)
    assert caught.value.args[1] == 422
    assert caught.value.args[3] == "Validation failed: Text is too long (maximum is 500 characters)"


def test_media_with_alt_text(server: LocalMastodon, user: LocalUser) -> None:
    client = api(server, user)
    media = client.media_post(PNG_1X1, mime_type="image/png", description="A tiny square")
    assert media.url  # synchronous in the mock: never a 202 with url=None
    status = client.status_post("with picture", media_ids=[media])
    [attachment] = status.media_attachments
    assert (attachment.type, attachment.description) == ("image", "A tiny square")
    [stored] = server.statuses_of(user)
    assert stored["media_attachments"][0]["description"] == "A tiny square"


def test_503_creates_nothing(server: LocalMastodon, user: LocalUser) -> None:
    client = api(server, user)
    server.fail_next(503)
    with pytest.raises(MastodonServiceUnavailableError) as caught:
        client.status_post("first try")
    assert caught.value.args[3] == "Service temporarily unavailable"
    assert server.statuses_of(user) == []
    client.status_post("second try")  # the rule fired once
    assert len(server.statuses_of(user)) == 1


def test_429_throw(server: LocalMastodon, user: LocalUser) -> None:
    server.rate_limit_next(retry_after=30)
    with pytest.raises(MastodonRatelimitError):
        api(server, user).status_post("throttled")
    assert server.statuses_of(user) == []


def test_429_wait_honours_reset_header(server: LocalMastodon, user: LocalUser) -> None:
    # Mastodon.py ignores Retry-After and sleeps until X-RateLimit-Reset (ISO 8601 here,
    # as on a real server), then retries.
    server.rate_limit_next(retry_after=2, send_retry_after=False)
    started = time.monotonic()
    api(server, user, ratelimit_method="wait").status_post("eventually")
    assert 1.0 < time.monotonic() - started < 10
    assert len(server.statuses_of(user)) == 1


def test_accept_then_timeout_then_retry_with_same_key(
    server: LocalMastodon, user: LocalUser
) -> None:
    client = api(server, user, request_timeout=1)
    server.accept_then_timeout()
    with pytest.raises(MastodonNetworkError):
        client.status_post("did it post?", idempotency_key="k-timeout")
    [created] = server.statuses_of(user)  # it did
    retried = client.status_post("did it post?", idempotency_key="k-timeout")
    assert str(retried.id) == created["id"]
    assert len(server.statuses_of(user)) == 1


def test_accept_then_drop(server: LocalMastodon, user: LocalUser) -> None:
    server.accept_then_drop()
    with pytest.raises(MastodonNetworkError):
        api(server, user).status_post("cut off")
    assert len(server.statuses_of(user)) == 1


def test_hang_before_processing_creates_nothing(server: LocalMastodon, user: LocalUser) -> None:
    server.hang_next()
    with pytest.raises(MastodonNetworkError):
        api(server, user, request_timeout=1).status_post("never handled")
    server.clear_faults()
    assert server.statuses_of(user) == []


def test_edit_and_delete(server: LocalMastodon, user: LocalUser) -> None:
    client = api(server, user)
    status = client.status_post("v1")
    edited = client.status_update(status, "v2")
    assert edited.content == "<p>v2</p>"
    assert edited.edited_at is not None
    client.status_delete(status)
    assert server.statuses_of(user) == []


def test_revoked_token_is_401(server: LocalMastodon, user: LocalUser) -> None:
    client_id, client_secret = Mastodon.create_app("parvis-test", api_base_url=server.url)
    client = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        access_token=server.issue_token(user["username"]),
        api_base_url=server.url,
    )
    token = client.access_token
    client.revoke_access_token(allow_http=True)
    with pytest.raises(MastodonUnauthorizedError) as caught:
        Mastodon(access_token=token, api_base_url=server.url).status_post("after revoke")
    assert caught.value.args[1:] == (
        401,
        "Unauthorized",
        "This method requires an authenticated user",
    )


def test_oauth_code_flow(server: LocalMastodon, user: LocalUser) -> None:
    redirect_uri = "http://127.0.0.1:9/callback"
    client_id, client_secret = Mastodon.create_app(
        "parvis-test", redirect_uris=redirect_uri, api_base_url=server.url
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server.url)
    url = app.auth_request_url(redirect_uris=redirect_uri, state="s1", allow_http=True)
    assert url.startswith(f"{server.url}/oauth/authorize?")
    location = server.approve_authorization(
        user["username"], client_id=client_id, redirect_uri=redirect_uri, state="s1"
    )
    assert location == f"{redirect_uri}?code=mockcode_{user['username']}&state=s1"
    app.log_in(code=f"mockcode_{user['username']}", redirect_uri=redirect_uri, allow_http=True)
    assert app.account_verify_credentials().username == user["username"]


def test_rate_limit_toggle_keeps_data(server: LocalMastodon, user: LocalUser) -> None:
    client = api(server, user)
    client.status_post("before")
    server.set_rate_limits(True, limit=2, window_seconds=60)
    client.status_post("one")
    client.status_post("two")
    with pytest.raises(MastodonRatelimitError):
        client.status_post("three")
    server.set_rate_limits(False)
    assert len(server.statuses_of(user)) == 3


def test_max_characters_override() -> None:
    with LocalMastodon(max_characters=1000) as local:
        user = local.create_user("long")
        client = api(local, user)
        assert client.instance_v2().configuration.statuses.max_characters == 1000
        client.status_post("a" * 1000)
        with pytest.raises(MastodonAPIError):
            client.status_post("a" * 1001)


def test_conversation_id_follows_the_newest_message(server: LocalMastodon, user: LocalUser) -> None:
    # Unlike Mastodon (a stable id per thread and participants), the mock derives the
    # conversation id from its newest status: parvis keys private threads by their root.
    other = server.create_user(next(_usernames))
    first = server.post_as(other, f"@{user['username']} bonjour", visibility="direct")
    [before] = api(server, user).conversations()
    second = server.post_as(other, f"@{user['username']} encore", visibility="direct",
                            in_reply_to_id=first["id"])
    [after] = api(server, user).conversations()
    assert (str(before.id), str(after.id)) == (first["id"], second["id"])


def test_a_quote_notifies_only_through_a_mention(server: LocalMastodon, user: LocalUser) -> None:
    # Mastodon 4.5 sends a "quote" notification; the mock sends none, only the
    # "mention" of a quote that names the quoted account.
    other = server.create_user(next(_usernames))
    post = server.post_as(user, "à citer")
    server.post_as(other, "sans mention", quoted_status_id=post["id"])
    quoting = server.post_as(other, f"@{user['username']} avec mention", quoted_status_id=post["id"])
    notes = api(server, user).notifications()
    assert [(n.type, str(n.status.id)) for n in notes] == [("mention", quoting["id"])]
    assert str(notes[0].status.quote.quoted_status.id) == post["id"]


def test_edit_delete_and_relationships_as_other_users(server: LocalMastodon, user: LocalUser) -> None:
    other = server.create_user(next(_usernames))
    status = server.post_as(other, "v1")
    server.edit_as(other, status["id"], "v2")
    edited = server.status(status["id"])
    assert edited is not None and edited["content"] == "<p>v2</p>" and edited["edited_at"]
    server.delete_as(other, status["id"])
    assert server.status(status["id"]) is None
    client = api(server, user)
    client.account_mute(other["id"])
    client.account_block(other["id"])
    assert (server.mutes_of(user), server.blocks_of(user)) == ([other["id"]], [other["id"]])

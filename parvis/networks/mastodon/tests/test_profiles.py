"""Following a competitor's public Mastodon account for la veille: its profile with its
public counts, and its latest own statuses.

The happy path runs against the local mastodon-mock server (parvis/testing/mastodon_server.py):
its `GET /api/v1/accounts/lookup` and `GET /api/v1/accounts/:id/statuses` with
`exclude_replies` and `exclude_reblogs`. Error shapes and what the mock cannot show (a
server that ignores those filters, a self-reply Mastodon keeps in a thread) come from a
scripted server with the shapes of https://docs.joinmastodon.org/methods/accounts/#lookup
and #statuses (repository mastodon/documentation, content/en/methods/accounts.md; GNU FDL
1.3): the 404 `{"error": "Record not found"}` of an unknown acct, the 410 of a suspended
account's statuses, and the 401 `{"error": "This API requires an authenticated user"}` of
an instance in limited federation mode (app/controllers/api/base_controller.rb,
mastodon/mastodon, AGPL-3.0, read, not copied). The statuses are test_public.py's.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from parvis.networks import registry
from parvis.networks.mastodon import public
from parvis.networks.mastodon.public import ProfileReader, account_timeline
from parvis.networks.mastodon.tests.test_public import NEWER, OLDER, account, status
from parvis.networks.public import ReadError, Timeline
from parvis.testing.mastodon_server import LocalMastodon, LocalUser
from parvis.testing.scripted_server import ScriptedServer, json_answer

pytestmark = pytest.mark.usefixtures("english")

LOOKUP = "/api/v1/accounts/lookup"
BRAND = account(id="109440137734600341", followers_count=1520, following_count=87, statuses_count=342)
STATUSES = f"/api/v1/accounts/{BRAND['id']}/statuses"


@pytest.fixture
def server() -> Any:
    with ScriptedServer() as running:
        yield running


def _act(mastodon: LocalMastodon, user: LocalUser, path: str) -> None:
    response = httpx.post(mastodon.url + path, headers={"Authorization": f"Bearer {user['access_token']}"})
    response.raise_for_status()


@pytest.mark.parametrize(("typed", "stored"), [
    ("@Boulangerie@Piaille.FR", "@Boulangerie@piaille.fr"),
    ("boulangerie@piaille.fr", "@boulangerie@piaille.fr"),
    (" https://piaille.fr/@boulangerie ", "@boulangerie@piaille.fr"),
    ("https://Piaille.fr/@boulangerie/", "@boulangerie@piaille.fr"),
])
def test_a_handle_or_a_profile_address_is_stored_as_the_full_handle(typed: str, stored: str) -> None:
    assert ProfileReader().normalise(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "@boulangerie", "boulangerie.bsky.social", "https://piaille.fr/users/boulangerie",
    "http://piaille.fr/@boulangerie", "https://piaille.fr/@boulangerie/1234", "did:plc:eygmaihciaxprqvxpfvl6flk",
])
def test_what_is_not_a_mastodon_account_is_refused(typed: str) -> None:
    assert ProfileReader().normalise(typed) is None


def test_the_registry_offers_the_reader_and_it_needs_no_account() -> None:
    reader = registry.profile_reader("mastodon")
    assert isinstance(reader, ProfileReader) and reader.needs_account is False


def test_a_followed_account_brings_its_counts_and_only_its_own_public_posts(mastodon_server: LocalMastodon) -> None:
    name = f"rival{secrets.token_hex(3)}"
    rival = mastodon_server.create_user(name, display_name="Boulangerie Martin")
    fan = mastodon_server.create_user(f"fan{secrets.token_hex(3)}")
    first = mastodon_server.post_as(rival, "Ouverture lundi !")
    fans_post = mastodon_server.post_as(fan, "Vivement lundi")
    mastodon_server.post_as(rival, "@" + fan["username"] + " merci !", in_reply_to_id=fans_post["id"])
    _act(mastodon_server, rival, f"/api/v1/statuses/{fans_post['id']}/reblog")
    mastodon_server.post_as(rival, "Réservé aux abonnés", visibility="private")
    latest = mastodon_server.post_as(rival, "Nouvelle fournée de croissants", language="fr")
    _act(mastodon_server, fan, f"/api/v1/accounts/{rival['id']}/follow")
    _act(mastodon_server, fan, f"/api/v1/statuses/{latest['id']}/favourite")
    _act(mastodon_server, fan, f"/api/v1/statuses/{latest['id']}/reblog")

    timeline = account_timeline(mastodon_server.url, name, limit=10)

    host = urlsplit(mastodon_server.url).hostname
    profile = timeline.profile
    assert (profile.network, profile.handle, profile.name) == ("mastodon", f"@{name}@{host}", "Boulangerie Martin")
    assert profile.remote_id and profile.url
    assert (profile.followers, profile.following) == (1, 0)
    assert profile.posts is not None and profile.posts >= 3
    assert [post.text for post in timeline.posts] == ["Nouvelle fournée de croissants", "Ouverture lundi !"]
    newest, oldest = timeline.posts
    assert newest.remote_id == latest["uri"] and oldest.remote_id == first["uri"]
    assert newest.author_id == profile.remote_id and newest.author_handle == f"{name}@{host}"
    assert newest.counts["likes"] == 1 and newest.counts["reposts"] == 1 and newest.counts["replies"] == 0
    assert newest.created_at >= oldest.created_at


def test_an_unknown_account_is_said_plainly_and_not_asked_again(mastodon_server: LocalMastodon) -> None:
    with pytest.raises(ReadError) as caught:
        account_timeline(mastodon_server.url, "personne_ici")
    host = urlsplit(mastodon_server.url).netloc
    assert not caught.value.transient
    assert caught.value.message == (f"No account has the name @personne_ici on {host}. Check the spelling: the "
                                    "account may also have been deleted or moved.")


def test_the_lookup_and_the_statuses_ask_what_the_api_documents(server: ScriptedServer) -> None:
    server.answer(LOOKUP, json_answer(json.dumps(BRAND)))
    server.answer(STATUSES, json_answer(json.dumps([NEWER, OLDER])))

    timeline = account_timeline(server.url(), "mastodonpy_test", limit=100)

    assert parse_qs(urlsplit(server.received[0]["path"]).query) == {"acct": ["mastodonpy_test"]}
    assert parse_qs(urlsplit(server.received[1]["path"]).query) == {
        "exclude_replies": ["true"], "exclude_reblogs": ["true"], "limit": ["40"]}
    assert all("Authorization" not in request["headers"] for request in server.received)
    profile = timeline.profile
    assert profile.remote_id == "https://social.example/users/mastodonpy_test"
    assert profile.handle == "@mastodonpy_test@127.0.0.1"
    assert (profile.name, profile.url) == ("John Lennon", "https://social.example/@mastodonpy_test")
    assert (profile.followers, profile.following, profile.posts) == (1520, 87, 342)
    # NEWER is a stranger's status; a real server would not send it, but it is no reply.
    assert timeline.posts[0].counts == {"replies": 2, "reposts": 5, "likes": 11, "quotes": 1}


def test_boosts_and_replies_to_others_are_left_out_even_when_the_server_sends_them(server: ScriptedServer) -> None:
    mine = account(id=BRAND["id"])
    own = status("110000000000000003", "<p>Nos horaires d'été</p>", created_at="2024-06-02T08:00:00.000Z",
                 account=mine)
    thread = status("110000000000000004", "<p>(suite)</p>", created_at="2024-06-02T08:01:00.000Z", account=mine,
                    in_reply_to_id="110000000000000003", in_reply_to_account_id=BRAND["id"])
    to_someone = status("110000000000000005", "<p>@client merci !</p>", created_at="2024-06-02T09:00:00.000Z",
                        account=mine, in_reply_to_id="1", in_reply_to_account_id="14715")
    boost = status("110000000000000006", "", created_at="2024-06-02T10:00:00.000Z", account=mine, reblog=NEWER)
    server.answer(LOOKUP, json_answer(json.dumps(BRAND)))
    server.answer(STATUSES, json_answer(json.dumps([boost, to_someone, own, thread])))

    timeline = account_timeline(server.url(), "mastodonpy_test")

    # A reply to itself is a thread of its own words, as Mastodon's exclude_replies keeps it;
    # and newest first, whatever order the server used.
    assert [post.text for post in timeline.posts] == ["(suite)", "Nos horaires d'été"]
    assert timeline.posts[0].created_at == datetime(2024, 6, 2, 8, 1, tzinfo=UTC)


def test_a_suspended_or_hidden_account_says_why_and_is_not_worth_retrying(server: ScriptedServer) -> None:
    server.answer(LOOKUP, json_answer(json.dumps(BRAND)))
    server.answer(STATUSES, json_answer('{"error":"Record not found"}', status=410))
    with pytest.raises(ReadError) as caught:
        account_timeline(server.url(), "mastodonpy_test")
    assert not caught.value.transient and "No account has the name @mastodonpy_test" in caught.value.message

    server.answer(LOOKUP, json_answer('{"error":"This API requires an authenticated user"}', status=401))
    with pytest.raises(ReadError) as caught:
        account_timeline(server.url(), "mastodonpy_test")
    assert not caught.value.transient and not caught.value.reconnect
    assert caught.value.message == (f"The instance 127.0.0.1:{server.port} shows its accounts only to its "
                                    "signed-in users (This API requires an authenticated user).")

    server.answer(LOOKUP, json_answer("<html>Welcome to nginx</html>"))
    with pytest.raises(ReadError) as caught:
        account_timeline(server.url(), "mastodonpy_test")
    assert not caught.value.transient and "did not answer as a Mastodon instance does" in caught.value.message


def test_a_rate_limit_or_a_server_error_is_worth_another_try(server: ScriptedServer) -> None:
    server.answer(LOOKUP, json_answer('{"error":"Too many requests"}', status=429, **{"Retry-After": "30"}))
    with pytest.raises(ReadError) as caught:
        account_timeline(server.url(), "mastodonpy_test")
    assert caught.value.transient and caught.value.retry_after == 30

    server.answer(LOOKUP, json_answer(json.dumps(BRAND)))
    server.answer(STATUSES, json_answer("<html>Bad gateway</html>", status=502))
    with pytest.raises(ReadError) as caught:
        account_timeline(server.url(), "mastodonpy_test")
    assert caught.value.transient and "HTTP 502" in caught.value.message


def test_the_last_request_of_a_window_says_when_the_next_may_go(server: ScriptedServer) -> None:
    server.answer(LOOKUP, json_answer(json.dumps(BRAND)))
    server.answer(STATUSES, json_answer("[]", **{"X-RateLimit-Remaining": "0", "Retry-After": "45"}))
    timeline = account_timeline(server.url(), "mastodonpy_test")
    assert (timeline.posts, timeline.retry_after) == ([], 45)


def test_reading_a_handle_asks_its_server_over_https(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str, int]] = []

    def timeline(instance_url: str, username: str, *, limit: int = 40) -> Timeline:
        asked.append((instance_url, username, limit))
        raise ReadError("stop", transient=False)

    monkeypatch.setattr(public, "account_timeline", timeline)
    with pytest.raises(ReadError):
        ProfileReader().read("https://Piaille.fr/@boulangerie", limit=5)
    assert asked == [("https://piaille.fr", "boulangerie", 5)]

    with pytest.raises(ReadError) as caught:
        ProfileReader().read("boulangerie")
    assert not caught.value.transient
    assert caught.value.message == "Enter the account as @name@server, or the address of its profile."

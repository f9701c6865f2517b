"""Who took part in a brand's status, for a contest, against mastodon-mock on loopback.

One post and its crowd are made once for the module (the server is the session's): fans
reply (one twice, one without @mentioning the brand, one below another reply), reblog,
favourite and follow through the mock's HTTP API with their own tokens. What the mock does
not do as Mastodon does (a capped context, ``Link`` pages on favourited_by) is given to
it as real-shaped answers through its fault injection.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from parvis.networks.base import ErrorKind, NetworkError, Participant
from parvis.networks.mastodon import contest
from parvis.networks.mastodon.client import make_client
from parvis.networks.mastodon.connector import MastodonConnector
from parvis.networks.mastodon.inbox import fetch_local_domain
from parvis.networks.models import SocialAccount
from parvis.testing.mastodon_server import LocalMastodon, LocalUser

pytestmark = pytest.mark.slow  # mastodon-mock


@dataclass
class World:
    server: LocalMastodon
    account: SocialAccount
    brand: LocalUser
    fans: dict[str, LocalUser]
    post: str
    replies: dict[str, str]  # name -> status id

    def connector(self) -> MastodonConnector:
        return MastodonConnector(self.account)


def _as(server: LocalMastodon, user: LocalUser, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{server.url}{path}", headers={"Authorization": f"Bearer {user['access_token']}"},
                             timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def world(mastodon_server: LocalMastodon) -> World:
    server = mastodon_server
    tag = uuid.uuid4().hex[:6]
    brand = server.create_user(f"brand{tag}", display_name="La Marque")
    fans = {name: server.create_user(f"{name}{tag}", display_name=f"{name.title()} <b>Fan</b>")
            for name in ("ann", "bob", "cid", "dan", "eve")}
    _as(server, fans["dan"], "PATCH", "/api/v1/accounts/update_credentials", data={"bot": "true"})
    post = server.post_as(brand, "Concours ! Répondez, partagez, aimez.")["id"]
    at_brand = f"@{brand['username']}"
    replies = {
        "ann1": server.post_as(fans["ann"], f"{at_brand} je participe", in_reply_to_id=post)["id"],
        "cid": server.post_as(fans["cid"], "moi aussi, sans mention", in_reply_to_id=post)["id"],
        "bob": server.post_as(fans["bob"], f"{at_brand} <b>moi</b> & toi", in_reply_to_id=post)["id"],
        "ann2": server.post_as(fans["ann"], f"{at_brand} encore moi", in_reply_to_id=post)["id"],
    }
    nested = server.post_as(fans["eve"], f"@{fans['ann']['username']} bravo", in_reply_to_id=replies["ann1"])
    replies["eve_nested"] = nested["id"]
    replies["brand_own"] = server.post_as(brand, f"@{fans['ann']['username']} merci", in_reply_to_id=post)["id"]
    for name in ("bob", "cid"):
        _as(server, fans[name], "POST", f"/api/v1/statuses/{post}/reblog")
    for name in ("ann", "dan", "eve"):
        _as(server, fans[name], "POST", f"/api/v1/statuses/{post}/favourite")
    _as(server, brand, "POST", f"/api/v1/statuses/{post}/favourite")  # the brand's own: never an entrant
    for name in ("ann", "cid"):
        _as(server, fans[name], "POST", f"/api/v1/accounts/{brand['id']}/follow")
    client = make_client(server.url, brand["access_token"])
    # Not saved: the connector is what is under test. Its local domain is given so that it
    # never writes to the database (a module's fixture has none).
    account = SocialAccount(network="mastodon", server_url=server.url, remote_id=brand["id"],
                            handle=f"@{brand['username']}", credentials={"access_token": brand["access_token"]},
                            config={"local_domain": fetch_local_domain(client, server.url)})
    return World(server, account, brand, fans, post, replies)


@pytest.fixture(autouse=True)
def _no_faults_left(world: World) -> Any:
    yield
    world.server.clear_faults()


def collect(connector: MastodonConnector, post: str, way: str) -> tuple[list[Participant], int]:
    """Every participant, page after page, and the number of pages."""
    found: list[Participant] = []
    cursor: str | None = None
    for pages in range(1, 100):
        page = connector.participants(post, way, cursor)
        found += page.participants
        cursor = page.cursor
        if cursor is None:
            return found, pages
    raise AssertionError("the pages never end")


def test_every_direct_reply_comes_once_with_its_author_and_plain_text(world):
    found, _pages = collect(world.connector(), world.post, "reply")

    assert sorted(p.remote_id for p in found) == sorted(world.replies[k] for k in ("ann1", "cid", "bob", "ann2"))
    by_reply = {p.remote_id: p for p in found}
    ann = world.fans["ann"]
    first = by_reply[world.replies["ann1"]]
    assert (first.stable_id, first.way, first.display_name) == (ann["id"], "reply", "Ann <b>Fan</b>")
    assert first.handle.startswith(f"@{ann['username']}@") and first.at is not None
    assert first.created_at is not None and first.created_at.tzinfo is not None and not first.bot
    # Ann replied twice: two entries, one person (the contest counts people).
    assert [p.stable_id for p in found].count(ann["id"]) == 2
    assert by_reply[world.replies["bob"]].text.endswith("<b>moi</b> & toi")  # plain text, kept as typed


def test_replies_past_a_capped_context_come_from_the_notifications_page_by_page(world, monkeypatch):
    """A server caps the context (Mastodon: 4,096 descendants, depth-first in id order):
    here it stops after the first two direct replies and the sub-thread between them."""
    context = _as(world.server, world.brand, "GET", f"/api/v1/statuses/{world.post}/context")
    by_id = {s["id"]: s for s in context["descendants"]}  # the mock walks breadth-first
    capped = {"ancestors": [], "descendants": [by_id[world.replies[k]] for k in ("ann1", "eve_nested", "cid")]}
    world.server.fail_next(200, body=capped, method="GET", path=f"/api/v1/statuses/{world.post}/context")
    monkeypatch.setattr(contest, "PAGE_LIMIT", 1)

    found, pages = collect(world.connector(), world.post, "reply")

    # Every reply once: the mention-less one from the context, the later ones from the
    # notifications (one a page here), none twice.
    assert sorted(p.remote_id for p in found) == sorted(world.replies[k] for k in ("ann1", "cid", "bob", "ann2"))
    assert pages >= 3


def test_reposts_and_likes_name_each_person_once_and_never_the_brand(world):
    connector = world.connector()
    reposts, _ = collect(connector, world.post, "repost")
    likes, _ = collect(connector, world.post, "like")

    fans = world.fans
    assert sorted(p.stable_id for p in reposts) == sorted(fans[n]["id"] for n in ("bob", "cid"))
    assert sorted(p.stable_id for p in likes) == sorted(fans[n]["id"] for n in ("ann", "dan", "eve"))
    assert {p.way for p in reposts} == {"repost"} and {p.way for p in likes} == {"like"}
    assert {p.stable_id: p.bot for p in likes} == {fans["ann"]["id"]: False, fans["dan"]["id"]: True,
                                                   fans["eve"]["id"]: False}
    assert all(p.at is None and p.text == "" and p.remote_id == "" for p in reposts + likes)
    assert connector.contest_ways() == frozenset({"reply", "repost", "like", "follow"})
    with pytest.raises(NetworkError) as refused:
        connector.participants(world.post, "quote", None)
    assert refused.value.kind is ErrorKind.PERMANENT


def test_likes_follow_the_link_header_from_page_to_page(world):
    """Mastodon pages favourited_by with a Link header whose max_id is the favourite's own id."""
    accounts = _as(world.server, world.brand, "GET", f"/api/v1/statuses/{world.post}/favourited_by")
    fans = [a for a in accounts if a["id"] != world.brand["id"]]
    path = f"/api/v1/statuses/{world.post}/favourited_by"
    link = f'<{world.server.url}{path}?max_id=9041>; rel="next", <{world.server.url}{path}?min_id=9077>; rel="prev"'
    world.server.fail_next(200, body=fans[:2], headers={"Link": link}, method="GET", path=path)
    world.server.fail_next(200, body=fans[2:], method="GET", path=path)
    connector = world.connector()

    first = connector.participants(world.post, "like", None)
    assert first.cursor == "9041" and len(first.participants) == 2
    second = connector.participants(world.post, "like", first.cursor)
    assert second.cursor is None
    assert [p.stable_id for p in first.participants + second.participants] == [a["id"] for a in fans]


def test_followers_among_says_who_follows_the_brand_in_batches(world, monkeypatch):
    monkeypatch.setattr(contest, "RELATIONSHIP_BATCH", 2)
    fans = world.fans
    ids = [fans[n]["id"] for n in ("ann", "bob", "cid", "dan")] + ["999999", "not-an-id"]

    assert world.connector().followers_among(ids) == {
        fans["ann"]["id"]: True, fans["bob"]["id"]: False, fans["cid"]["id"]: True, fans["dan"]["id"]: False,
        "999999": False, "not-an-id": False,
    }


def test_a_rate_limit_raises_transient_with_the_wait_and_the_cursor_resumes(world, monkeypatch):
    monkeypatch.setattr(contest, "PAGE_LIMIT", 1)
    capped = {"ancestors": [], "descendants": []}  # every reply then comes from the notifications
    world.server.fail_next(200, body=capped, method="GET", path=f"/api/v1/statuses/{world.post}/context")
    connector = world.connector()
    first = connector.participants(world.post, "reply", None)
    assert first.participants == [] and first.cursor

    world.server.rate_limit_next(30, send_retry_after=False, method="GET", path="/api/v1/notifications")
    with pytest.raises(NetworkError) as limited:
        connector.participants(world.post, "reply", first.cursor)
    assert limited.value.kind is ErrorKind.TRANSIENT
    assert limited.value.retry_after is not None and 20 < limited.value.retry_after <= 30

    again = connector.participants(world.post, "reply", first.cursor)  # the same cursor, later
    assert [p.remote_id for p in again.participants] == [world.replies["ann2"]]  # the newest first
    assert json.loads(again.cursor or "{}")["max_id"]


def test_a_private_message_reaches_only_the_winner(world):
    ann = world.fans["ann"]
    handle = f"@{ann['username']}@{world.account.config['local_domain']}"

    sent = world.connector().send_direct(ann["id"], handle, "Bravo, vous avez gagné !")

    assert sent is not None
    seen = world.server.status(sent, as_user=ann)
    assert seen is not None and seen["visibility"] == "direct"
    assert [m["id"] for m in seen["mentions"]] == [ann["id"]]
    assert "Bravo, vous avez gagné !" in seen["content"]


def test_a_context_too_large_to_read_leaves_every_reply_to_the_notifications(world, monkeypatch, settings):
    """Thousands of replies weigh more than parvis reads in one answer: not retried forever."""
    context = httpx.get(f"{world.server.url}/api/v1/statuses/{world.post}/context", timeout=10,
                        headers={"Authorization": f"Bearer {world.brand['access_token']}"})
    settings.PARVIS_HTTP_MAX_BYTES = len(context.content) - 1  # one status, one notification still fit
    monkeypatch.setattr(contest, "PAGE_LIMIT", 1)

    found, _pages = collect(world.connector(), world.post, "reply")

    # The one reply that does not @mention the brand never notified it: out of reach then.
    assert sorted(p.remote_id for p in found) == sorted(world.replies[k] for k in ("ann1", "bob", "ann2"))


def test_a_server_answering_shorter_pages_than_asked_is_read_to_the_end(world, monkeypatch):
    """mastodon-mock answers 40 notifications when 80 are asked, and a server may cap
    `limit` lower still: a short page is not the last one (the bench found replies left
    out when it was taken for one)."""
    context = _as(world.server, world.brand, "GET", f"/api/v1/statuses/{world.post}/context")
    by_id = {s["id"]: s for s in context["descendants"]}
    capped = {"ancestors": [], "descendants": [by_id[world.replies["ann1"]]]}
    world.server.fail_next(200, body=capped, method="GET", path=f"/api/v1/statuses/{world.post}/context")
    real = contest.api_get

    def one_a_page(client, path, params=None):
        page = real(client, path, params)
        return page[:1] if path.endswith("/notifications") else page

    monkeypatch.setattr(contest, "api_get", one_a_page)
    found, pages = collect(world.connector(), world.post, "reply")

    assert {world.replies[k] for k in ("ann1", "bob", "ann2")} <= {p.remote_id for p in found}
    assert pages >= 3


def test_follows_come_from_the_follow_notifications_one_a_page_with_their_time(world, monkeypatch):
    monkeypatch.setattr(contest, "PAGE_LIMIT", 1)  # and a page shorter than that is not the last

    found, pages = collect(world.connector(), world.post, "follow")

    fans = world.fans
    assert sorted(p.stable_id for p in found) == sorted(fans[n]["id"] for n in ("ann", "cid"))
    assert pages >= 3  # one follow a page, then the empty page that ends the reading
    ann = next(p for p in found if p.stable_id == fans["ann"]["id"])
    assert ann.way == "follow" and ann.remote_id and ann.text == "" and not ann.bot
    assert ann.at is not None and ann.at.tzinfo is not None and ann.handle.startswith(f"@{fans['ann']['username']}@")


def test_follows_stop_at_the_first_notification_older_than_the_post(world):
    """A brand's followers from before the post are not read: their notifications end it."""
    path = "/api/v1/notifications"
    newest, *_ = _as(world.server, world.brand, "GET", path, params={"types[]": "follow"})
    older = {**newest, "id": str(int(newest["id"]) - 1), "created_at": "2020-01-01T00:00:00.000Z"}
    world.server.fail_next(200, body=[newest, older], method="GET", path=path)

    page = world.connector().participants(world.post, "follow", None)

    assert [p.remote_id for p in page.participants] == [newest["id"]] and page.cursor is None

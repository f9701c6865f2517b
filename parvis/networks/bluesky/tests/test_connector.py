"""The Bluesky connector against the reference PDS (@atproto/pds from npm) on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from parvis.networks.base import ErrorKind, MediaFile, NetworkError, Presence, PublishRequest
from parvis.networks.bluesky.connector import BlueskyConnector
from parvis.networks.bluesky.richtext import build_facets
from parvis.networks.bluesky.tid import decode, deterministic_tid, encode

pytestmark = pytest.mark.django_db


def request(text: str, key: str, **kwargs) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=key, created_at=datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
                          **kwargs)


def test_links_mentions_and_hashtags_become_facets_with_byte_offsets():
    text = "Héllo @bob.test! Lire https://example.com/page?x=1. #parvis ✨"
    facets = build_facets(text, lambda handle: "did:plc:bob" if handle == "bob.test" else None)
    encoded = text.encode()
    slices = {f["features"][0]["$type"].rsplit("#")[-1]:
              encoded[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in facets}
    assert slices == {"mention": "@bob.test", "link": "https://example.com/page?x=1", "tag": "#parvis"}


def test_unknown_mention_stays_text():
    assert build_facets("Merci @nobody.example", lambda handle: None) == []


def test_tid_is_deterministic_and_valid():
    when = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    tid = deterministic_tid(when, "key")
    assert tid == deterministic_tid(when, "key") != deterministic_tid(when, "other")
    assert len(tid) == 13 and tid[0] in "234567abcdefghij"
    assert encode(decode(tid)) == tid


def test_counts_graphemes():
    connector = BlueskyConnector.__new__(BlueskyConnector)
    assert connector.count("👩‍👩‍👧 é") == 3


@pytest.mark.parametrize(("text", "graphemes"), [
    ("👨\u200d👩\u200d👧\u200d👦", 1),  # a family: four people joined by zero-width joiners
    ("🏳️\u200d🌈", 1),  # a flag with a variation selector inside its ZWJ sequence
    ("🧑🏽\u200d🚀", 1),  # a skin tone inside a ZWJ sequence
    ("🫱🏼\u200d🫲🏿", 1),  # Unicode 14 handshake with two tones
    ("🇫🇷🇨🇦", 2),  # regional indicators pair up: two flags, not one and not four
    ("🇫🇷🇨", 2),  # a lone indicator left over is a grapheme of its own
    ("e\u0301", 1),  # e + combining acute
    ("\u0915\u094d\u0937", 1),  # Devanagari kṣa: one cluster since Unicode 15.1 (GB9c)
])
def test_graphemes_are_counted_as_current_unicode_and_bluesky_count_them(text: str, graphemes: int) -> None:
    """Bluesky's 300 is in graphemes (Unicode's extended clusters): counting more than the
    app would refuses a post it takes, counting fewer lets the server refuse it."""
    connector = BlueskyConnector.__new__(BlueskyConnector)
    assert connector.count(text) == graphemes


def test_publish_with_facets_and_image(pds_server, bluesky_account, tmp_path: Path, png):
    account, created = bluesky_account
    image = tmp_path / "a.png"
    image.write_bytes(png)
    text = f"Bonjour @{created['handle']} https://example.com #boulangerie"
    remote = BlueskyConnector(account).publish(request(text, "k1", media=[MediaFile(image, "image/png", "Du pain")]))
    posts = pds_server.list_posts(account.remote_id)
    assert [p["uri"] for p in posts] == [remote.remote_id]
    value = posts[0]["value"]
    assert value["embed"]["images"][0]["alt"] == "Du pain"
    kinds = sorted(f["features"][0]["$type"] for f in value["facets"])
    assert kinds == ["app.bsky.richtext.facet#link", "app.bsky.richtext.facet#mention", "app.bsky.richtext.facet#tag"]
    assert remote.url.startswith("https://bsky.app/profile/")


def test_publishing_the_same_request_twice_creates_one_record(pds_server, bluesky_account):
    account, _ = bluesky_account
    connector = BlueskyConnector(account)
    first = connector.publish(request("Une seule fois", "same-key"))
    second = BlueskyConnector(account).publish(request("Une seule fois", "same-key"))
    assert first.remote_id == second.remote_id
    assert len(pds_server.list_posts(account.remote_id)) == 1


def test_find_published_answers_absent_then_the_post(bluesky_account):
    account, _ = bluesky_account
    connector = BlueskyConnector(account)
    req = request("Cherche-moi", "find-key")
    assert connector.find_published(req, since=datetime.now(UTC)).presence is Presence.ABSENT
    posted = connector.publish(req)
    found = connector.find_published(req, since=datetime.now(UTC))
    assert found.presence is Presence.FOUND and found.post.remote_id == posted.remote_id


def test_session_is_kept_and_reused(bluesky_account):
    account, _ = bluesky_account
    account.refresh_from_db()
    assert account.credentials.get("session")
    BlueskyConnector(account).publish(request("Avec la session gardée", "session-key"))


def test_wrong_app_password_asks_for_reconnection(pds_server, bluesky_account):
    account, _ = bluesky_account
    account.credentials = {"identifier": account.handle.lstrip("@"), "app_password": "wrong-wrong-wrong"}
    with pytest.raises(NetworkError) as caught:
        BlueskyConnector(account).publish(request("refusé", "wrong"))
    assert caught.value.kind is ErrorKind.RECONNECT


def test_too_long_text_is_refused_by_the_server_as_permanent(bluesky_account):
    account, _ = bluesky_account
    with pytest.raises(NetworkError) as caught:
        BlueskyConnector(account).publish(request("é" * 301, "long"))
    assert caught.value.kind is ErrorKind.PERMANENT
    assert "300" in caught.value.message

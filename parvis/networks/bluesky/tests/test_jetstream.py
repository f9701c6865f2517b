"""Reading Bluesky's Jetstream for the monitors, against a loopback websocket server
speaking Jetstream's `/subscribe` protocol.

The protocol and shapes come from bluesky-social/jetstream (dual MIT/Apache-2.0, at
9a30def): docs/README.md, section 5.1 "Legacy v1 JSON Payload (`/subscribe`)" (the
endpoint, `wantedCollections`/`wantedDids`, `cursor` in unix microseconds, the event
`{did, time_us, kind, commit: {rev, operation, collection, rkey, record, cid}}`, identity
and account events delivered whatever `wantedCollections` says), and the events
themselves from internal/subscribe/testdata/golden_v1.jsonl (real events: a post reply
with langs, a like, a delete without record, an identity event). Compression (zstd, on
request only) is not asked for, so every message is a JSON text.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from parvis.core.http import override_policy
from parvis.networks.bluesky import public
from parvis.networks.bluesky.public import Cursor, read_jetstream
from parvis.networks.public import PublicPost, ReadError
from parvis.testing.scripted_server import LoopbackPorts, ScriptedServer, redirect

pytestmark = pytest.mark.usefixtures("english")

T0 = 1779719009132431  # time_us of the golden file's first event
POSTER = "did:plc:q235v55g5unth4zjjdpacfdr"
DROP = "drop"  # in a script: cut the connection without a closing handshake
WAIT = "wait"  # in a script: say nothing more until the client leaves


def post_event(rkey: str, time_us: int, text: str, *, created_at: str | None = "2026-05-25T14:23:28.757Z",
               did: str = POSTER) -> str:
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post", "langs": ["en"], "text": text,
        "reply": {"parent": {"cid": "bafyreiainko5un5pbcdosvxpbisjnjzemojnry6nsgtdftdgslbu37kxai",
                             "uri": "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"},
                  "root": {"cid": "bafyreiainko5un5pbcdosvxpbisjnjzemojnry6nsgtdftdgslbu37kxai",
                           "uri": "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"}},
    }
    if created_at is not None:
        record["createdAt"] = created_at
    return json.dumps({"did": did, "time_us": time_us, "kind": "commit", "commit": {
        "rev": "3mmoojpaqkn2z", "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
        "record": record, "cid": "bafyreicl7rzkxdrm4zz2ehbx52kuk3mvfow6p3gzfys72r5grvskxoswy4"}})


LIKE = json.dumps({"did": "did:plc:mcc5yghbk7tixqryac2yxku7", "time_us": T0 + 10, "kind": "commit", "commit": {
    "rev": "3mmoojp7vgo2g", "operation": "create", "collection": "app.bsky.feed.like", "rkey": "3mmoojp7etg2g",
    "record": {"$type": "app.bsky.feed.like", "createdAt": "2026-05-25T14:23:28.778Z",
               "subject": {"cid": "bafyreiaxf7tgbfydx3465sckitq6v564thxe2wwydbi7cwxbxvgssje3em",
                           "uri": "at://did:plc:vfnmgxg2yscfliemmcxzyfyh/app.bsky.feed.post/3mmoodizfwc2j"}},
    "cid": "bafyreidqpc7si3dbimffi64lz3xsx2qt45ip7rpna2qpslcddp23itjjzm"}})
DELETE = json.dumps({"did": "did:plc:3xnadku4kemqnycbweqnvgzx", "time_us": T0 + 20, "kind": "commit", "commit": {
    "rev": "3mmoojpae7c2e", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3mmontn3gnc2e"}})
IDENTITY = json.dumps({"did": "did:plc:g4ut2w5755qxi3fe7mfs72p4", "time_us": T0 + 30, "kind": "identity",
                       "identity": {"did": "did:plc:g4ut2w5755qxi3fe7mfs72p4", "seq": 30340180350,
                                    "time": "2026-05-25T14:23:29.950Z"}})


class Jetstream:
    """A loopback Jetstream: each connection plays the next script (messages, then a
    normal close, or a DROP), and every request's path and query are kept."""

    def __init__(self, *scripts: list[str], refuse: int | None = None) -> None:
        self.scripts = list(scripts)
        self.requests: list[str] = []
        self.refuse = refuse
        self.server: Server = serve(self._handle, "127.0.0.1", 0, process_request=self._check)
        self.port = self.server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="jetstream")

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request.path)
        if self.refuse is not None:
            return connection.respond(HTTPStatus(self.refuse), "wantedCollections: invalid NSID\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        index = len(self.requests) - 1
        script = self.scripts[index] if index < len(self.scripts) else []
        for message in script:
            if message == DROP:
                connection.socket.shutdown(socket.SHUT_RDWR)
                return
            if message == WAIT:
                for _ignored in connection:  # until the client closes
                    pass
                return
            connection.send(message)
        connection.close()

    def query(self, index: int) -> dict[str, list[str]]:
        parts = urlsplit(self.requests[index])
        assert parts.path == "/subscribe"
        return parse_qs(parts.query)

    def __enter__(self) -> Jetstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self._thread.join(5)


@pytest.fixture(autouse=True)
def _quick_reconnections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public, "RECONNECT_DELAYS", (0.01, 0.01))


def test_only_new_posts_come_out_and_then_where_to_resume() -> None:
    post = post_event("3mmoojp4cd223", T0, "Try RSV for a good time !!")
    with Jetstream([post, LIKE, DELETE, IDENTITY, "{not json"]) as jetstream:
        read = list(read_jetstream(jetstream.url, cursor_us=T0 - 5_000_000, max_events=5, timeout=5))

    assert jetstream.query(0) == {"wantedCollections": ["app.bsky.feed.post"], "cursor": [str(T0 - 5_000_000)],
                                  "maxMessageSizeBytes": ["1000000"]}
    assert len(read) == 2
    first, cursor = read
    assert cursor == Cursor(T0 + 30)  # the identity event was the last with a time
    assert isinstance(first, PublicPost)
    assert first.network == "bluesky"
    assert first.remote_id == f"at://{POSTER}/app.bsky.feed.post/3mmoojp4cd223"
    assert first.url == f"https://bsky.app/profile/{POSTER}/post/3mmoojp4cd223"
    assert (first.author_id, first.author_handle, first.author_name) == (POSTER, "", "")
    assert first.text == "Try RSV for a good time !!"
    assert first.created_at == datetime(2026, 5, 25, 14, 23, 28, 757000, tzinfo=UTC)
    assert first.language == "en"
    assert first.in_reply_to == "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"
    assert first.counts == {}


def test_a_dropped_connection_resumes_before_the_cursor_without_repeating_posts() -> None:
    one = post_event("3aaaaaaaaaaa1", T0, "one")
    two = post_event("3aaaaaaaaaaa2", T0 + 1_000_000, "two")
    three = post_event("3aaaaaaaaaaa3", T0 + 2_000_000, "three", created_at=None)
    with Jetstream([one, two, DROP], [two, three]) as jetstream:
        read = list(read_jetstream(jetstream.url, max_events=4, timeout=5))

    assert [item.text if isinstance(item, PublicPost) else item for item in read] == [
        "one", "two", Cursor(T0 + 1_000_000), "three", Cursor(T0 + 2_000_000)]
    assert "cursor" not in jetstream.query(0)  # no cursor given: the live tail
    assert jetstream.query(1)["cursor"] == [str(T0 + 1_000_000 - public.REWIND_US)]
    # A post whose record has no date takes the event's time.
    assert read[3].created_at == datetime.fromtimestamp((T0 + 2_000_000) / 1e6, UTC)  # type: ignore[union-attr]


def test_a_resume_cursor_and_did_filter_are_asked_of_the_server() -> None:
    with Jetstream([post_event("3aaaaaaaaaaa1", T0, "one")]) as jetstream:
        read = list(read_jetstream(f"{jetstream.url}/subscribe/", dids=[POSTER, "did:plc:other"],
                                   cursor_us=T0 - 1, max_events=1, timeout=5))
    assert [type(item) for item in read] == [PublicPost, Cursor]
    assert jetstream.query(0)["wantedDids"] == [POSTER, "did:plc:other"]
    assert jetstream.query(0)["cursor"] == [str(T0 - 1)]


def test_a_cursor_that_did_not_move_is_not_given_again() -> None:
    with Jetstream([IDENTITY]) as jetstream:
        assert list(read_jetstream(jetstream.url, cursor_us=T0 + 30, max_events=1, timeout=5)) == []


def test_stop_ends_a_quiet_stream() -> None:
    stop = threading.Event()
    with Jetstream([post_event("3aaaaaaaaaaa1", T0, "one"), WAIT]) as jetstream:
        stream = read_jetstream(jetstream.url, stop=stop, timeout=30)
        first = next(stream)
        stop.set()
        rest = list(stream)
    assert isinstance(first, PublicPost) and rest == [Cursor(T0)]


def test_a_refused_subscription_is_not_retried() -> None:
    with Jetstream(refuse=400) as jetstream, pytest.raises(ReadError) as caught:
        list(read_jetstream(jetstream.url, max_events=1, timeout=5))
    assert not caught.value.transient
    assert "refused the subscription (HTTP 400)" in caught.value.message
    assert len(jetstream.requests) == 1


def test_a_redirect_is_not_followed() -> None:
    with ScriptedServer() as server:
        server.answer("/subscribe", redirect("ws://169.254.169.254/subscribe"))
        with pytest.raises(ReadError) as caught:
            list(read_jetstream(server.url().replace("http", "ws", 1), max_events=1, timeout=5))
    assert not caught.value.transient and "answered with a redirect" in caught.value.message
    assert server.paths() == ["/subscribe"]


def test_an_address_the_policy_refuses_is_never_connected_to() -> None:
    with Jetstream([]) as jetstream:
        with override_policy(LoopbackPorts()), pytest.raises(ReadError) as caught:
            list(read_jetstream(jetstream.url, max_events=1))
        assert not caught.value.transient and "parvis does not connect there" in caught.value.message
        with pytest.raises(ReadError) as caught:
            list(read_jetstream(f"ftp://127.0.0.1:{jetstream.port}", max_events=1))
        assert caught.value.message == "Enter the Jetstream server's wss:// address."
    assert jetstream.requests == []


def test_a_server_out_of_reach_ends_in_an_error_worth_retrying_later() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the block ends
    with pytest.raises(ReadError) as caught:
        list(read_jetstream(f"ws://127.0.0.1:{port}", max_events=1, timeout=2))
    assert caught.value.transient and "could not be reached" in caught.value.message

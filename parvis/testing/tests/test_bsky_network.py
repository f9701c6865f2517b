"""The local Bluesky network harness (@atproto/dev-env's TestNetwork on loopback)."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from parvis.testing.bsky_network import LocalBlueskyNetwork, bsky_network_available, postgres_url


def _require_network() -> None:
    available, reason = bsky_network_available()
    if not available:
        pytest.skip(reason)


pytestmark = pytest.mark.slow  # the npm Bluesky network


@pytest.fixture(scope="module")
def net() -> Iterator[LocalBlueskyNetwork]:
    _require_network()
    with LocalBlueskyNetwork() as network:
        yield network


def _schemas(suffix: str) -> set[str]:
    with psycopg.connect(postgres_url(), connect_timeout=5) as conn:
        rows = conn.execute("select nspname from pg_namespace where nspname like %s", (f"%\\_{suffix}",))
        return {row[0] for row in rows}


def _port_open(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
    except OSError:
        return False
    return True


def test_unreachable_postgresql_is_a_skip_reason(monkeypatch):
    _require_network()  # installed, PostgreSQL and Redis up: now take PostgreSQL away
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    monkeypatch.setenv("PARVIS_TEST_POSTGRES_URL", f"postgres://postgres@127.0.0.1:{port}/test")
    available, reason = bsky_network_available()
    assert not available
    assert reason.startswith("PostgreSQL is not reachable at") and str(port) in reason


def test_every_service_listens_on_loopback_and_answers(net):
    for url in (net.url, net.appview_url, net.ozone_url):
        assert urllib.parse.urlsplit(url).hostname == "127.0.0.1"
        assert httpx.get(f"{url}/xrpc/_health", timeout=10).status_code == 200
    assert urllib.parse.urlsplit(net.plc_url).hostname == "127.0.0.1"
    assert httpx.get(f"{net.plc_url}/_health", timeout=10).status_code == 200
    assert net.startup_ms > 0


def test_the_appview_serves_notifications_and_threads_once_indexed(net):
    net.create_account("alice", "alice-password-1", display_name="Alice")
    net.create_account("bob", "bob-password-12")
    post = net.post_as("alice", "Salut @bob.test")
    reply = net.post_as("bob", "Salut Alice", reply_to=post.uri)
    net.process_all()

    reasons = {(n["reason"], n["uri"]) for n in net.list_notifications("alice")}
    assert ("reply", reply.uri) in reasons
    assert ("mention", post.uri) in {(n["reason"], n["uri"]) for n in net.list_notifications("bob")}
    thread = net.get_post_thread("alice", reply.uri)["thread"]
    assert thread["parent"]["post"]["uri"] == post.uri
    assert thread["parent"]["post"]["author"]["displayName"] == "Alice"


def test_edit_and_delete_are_seen_by_the_appview(net):
    net.create_account("carol", "carol-password-1")
    post = net.post_as("carol", "Premier jet")
    net.process_all()
    net.edit_as("carol", post.uri, "Version finale")
    net.process_all()
    assert net.get_posts("carol", [post.uri])[0]["record"]["text"] == "Version finale"
    net.delete_as("carol", post.uri)
    net.process_all()
    assert net.get_posts("carol", [post.uri]) == []


def test_stop_drops_the_schemas_and_closes_the_servers():
    _require_network()
    network = LocalBlueskyNetwork().start()
    schema = network._ready_info()["schema"]  # noqa: SLF001 - what the launcher reported
    urls = [network.url, network.appview_url, network.ozone_url, network.plc_url]
    assert _schemas(schema) == {f"appview_{schema}", f"bsync_{schema}", f"ozone_{schema}"}
    network.stop()
    assert _schemas(schema) == set()
    assert not any(_port_open(url) for url in urls)


def test_the_launcher_exits_when_the_test_process_goes_away():
    _require_network()
    network = LocalBlueskyNetwork().start()
    proc = network._proc  # noqa: SLF001 - stand in for a killed test run: its pipe closes
    assert proc is not None and proc.stdin is not None
    schema = network._ready_info()["schema"]  # noqa: SLF001
    try:
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert _schemas(schema) == set()
    finally:
        network.stop()

"""The guarded HTTP layer, through both of its stacks (httpx for webhooks, media and the
atproto SDK; requests for Mastodon.py), against real loopback servers: it connects to
the address it checked, checks every redirect hop (or refuses redirects), keeps TLS on
the name, and stops at its size and time limits."""

from __future__ import annotations

import gzip
import socket

import httpx
import pytest
import requests

from parvis.core.http import (
    AddressRefused,
    Budget,
    RedirectRefused,
    ResponseTooLarge,
    TooSlow,
    client,
    guard_session,
    override_policy,
)
from parvis.testing.resolver import PUBLIC, rebinding
from parvis.testing.scripted_server import Answer, LoopbackPorts, ScriptedServer, json_answer, redirect
from parvis.testing.tls import make_certificates

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def server():
    with ScriptedServer() as running:
        yield running


@pytest.fixture
def other():
    with ScriptedServer() as running:
        yield running


def session(**kwargs) -> requests.Session:
    return guard_session(requests.Session(), **kwargs)


def small(**changes) -> Budget:
    return Budget.default(**{"timeout": 5.0, "total": 0.5, "max_bytes": 100_000, **changes})


# -- one resolution: the address checked is the address connected to ---------------------

def test_httpx_connects_to_the_address_it_checked_not_to_a_second_answer(server, monkeypatch, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    resolver = rebinding(monkeypatch, "rebind.example")  # public first, 127.0.0.1 after
    attempts = []
    real_connect = socket.socket.connect  # conftest's: loopback only

    def record(sock, address):
        attempts.append(address[0])
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", record)
    with client() as http, pytest.raises(httpx.ConnectError):
        http.get(server.url("/hook", host="rebind.example"))
    assert attempts == [PUBLIC] and resolver.asked == 1
    assert server.received == []


def test_requests_connects_to_the_address_it_checked_not_to_a_second_answer(server, monkeypatch, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    resolver = rebinding(monkeypatch, "rebind.example")
    with pytest.raises(requests.ConnectionError):
        session().get(server.url("/api/v1/instance", host="rebind.example"), timeout=5)
    assert resolver.asked == 1 and server.received == []


def test_a_name_resolving_to_a_private_address_is_refused_at_connection(server, monkeypatch, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    rebinding(monkeypatch, "inside.example", first=["127.0.0.1"])
    with client() as http, pytest.raises(AddressRefused) as caught:
        http.get(server.url("/", host="inside.example"))
    assert "PARVIS_ALLOW_PRIVATE_URLS" in caught.value.message
    with pytest.raises(AddressRefused):
        session().get(server.url("/", host="inside.example"))
    assert server.received == []


def test_the_host_header_stays_the_name(server, monkeypatch):
    rebinding(monkeypatch, "shop.example", first=["127.0.0.1"], then=["127.0.0.1"])
    server.answer("/", json_answer("{}"))
    with client() as http:
        assert http.get(server.url("/", host="shop.example")).status_code == 200
    session().get(server.url("/", host="shop.example"))
    assert [r["headers"]["Host"] for r in server.received] == [f"shop.example:{server.port}"] * 2


def test_tls_is_verified_for_the_name_on_the_pinned_connection(tmp_path, monkeypatch):
    certs = make_certificates(tmp_path, "shop.example")
    rebinding(monkeypatch, "shop.example", first=["127.0.0.1"], then=["127.0.0.1"])
    with ScriptedServer(tls=certs.server_context()) as tls_server:
        tls_server.answer("/", json_answer('{"ok": true}'))
        with client(verify=certs.client_context()) as http:
            assert http.get(tls_server.url("/", host="shop.example")).json() == {"ok": True}
            # The same address under a name the certificate does not carry: refused.
            with pytest.raises(httpx.ConnectError, match="certificate"):
                http.get(tls_server.url("/", host="127.0.0.1"))
        secure = session()
        secure.verify = str(certs.ca_file)
        assert secure.get(tls_server.url("/", host="shop.example")).json() == {"ok": True}
        with pytest.raises(requests.exceptions.SSLError):
            secure.get(tls_server.url("/", host="127.0.0.1"))


# -- redirects -------------------------------------------------------------------------------

def test_each_redirect_hop_is_checked_against_the_policy(server, other):
    server.answer("/image.png", redirect(other.url("/image.png")))
    other.answer("/image.png", Answer(200, {"Content-Type": "image/png"}, b"png"))
    with (override_policy(LoopbackPorts(server.port)), client(redirects="follow") as http,
          pytest.raises(AddressRefused)):
        http.get(server.url("/image.png"))
    assert server.paths() == ["/image.png"] and other.received == []
    # Allowed on both ports, the same redirect is followed.
    with override_policy(LoopbackPorts(server.port, other.port)), client(redirects="follow") as http:
        assert http.get(server.url("/image.png")).content == b"png"


@pytest.mark.parametrize("status", [302, 307])
def test_refused_redirects_never_resend_the_request(server, other, status):
    server.answer("/xrpc/com.atproto.server.createSession", redirect(other.url("/steal"), status))
    with client(redirects="refuse") as http, pytest.raises(RedirectRefused) as caught:
        http.post(server.url("/xrpc/com.atproto.server.createSession"), json={"password": "app-pw"})
    assert other.url("/steal") in caught.value.message
    server.answer("/api/v1/apps", redirect(other.url("/api/v1/apps"), status))
    with pytest.raises(RedirectRefused):
        session().post(server.url("/api/v1/apps"), data={"client_name": "parvis"})
    assert other.received == []


def test_returned_redirects_are_not_followed(server, other):
    server.answer("/hook", redirect(other.url("/hook"), 307))
    with client() as http:
        assert http.post(server.url("/hook"), json={}).status_code == 307
    assert other.received == []


# -- time ------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["httpx", "requests"])
def test_a_body_trickled_byte_by_byte_stops_at_the_total_limit(server, stack):
    # Each byte comes well within the 5 s read timeout: only a total limit stops it.
    server.answer("/slow", Answer(200, body=b"x" * 400, trickle=0.02))
    with pytest.raises(TooSlow) as caught:
        if stack == "httpx":
            with client(budget=small()) as http:
                http.get(server.url("/slow"))
        else:
            session(budget=small()).get(server.url("/slow"))
    assert "within 0.5 s" in caught.value.message


@pytest.mark.parametrize("stack", ["httpx", "requests"])
def test_headers_trickled_byte_by_byte_stop_at_the_total_limit(server, stack):
    server.answer("/slow", Answer(200, {f"X-Pad-{n}": "y" * 20 for n in range(10)}, b"{}", trickle=0.01))
    with pytest.raises(TooSlow):
        if stack == "httpx":
            with client(budget=small()) as http:
                http.get(server.url("/slow"))
        else:
            session(budget=small()).get(server.url("/slow"))


def test_data_that_keeps_coming_earns_time(server):
    body = b"z" * 600_000  # more than 0.5 s of budget at the floor rate, sent at once
    server.answer("/big", Answer(200, {"Content-Type": "application/octet-stream"}, body))
    with client(budget=small(max_bytes=1_000_000)) as http:
        assert len(http.get(server.url("/big")).content) == len(body)


# -- size ------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["httpx", "requests"])
@pytest.mark.parametrize("shape", ["declared", "chunked", "gzip bomb"])
def test_answers_larger_than_the_limit_are_not_read(server, stack, shape):
    big = b"0" * 5_000_000
    if shape == "declared":
        answer = Answer(200, {}, big)
    elif shape == "chunked":  # no length given: read until the server closes
        answer = Answer(200, {"Content-Length": ""}, big)
    else:  # 5 MB of zeros in 5 KB of gzip
        answer = Answer(200, {"Content-Encoding": "gzip"}, gzip.compress(big))
    server.answer("/big", answer)
    with pytest.raises(ResponseTooLarge) as caught:
        if stack == "httpx":
            with client(budget=small(total=10.0)) as http:
                http.get(server.url("/big"))
        else:
            session(budget=small(total=10.0)).get(server.url("/big"))
    assert "larger than" in caught.value.message


@pytest.mark.parametrize("stack", ["httpx", "requests"])
def test_compressed_answers_within_the_limit_are_read(server, stack):
    body = b'{"statuses": "' + b"a" * 50_000 + b'"}'
    server.answer("/api", Answer(200, {"Content-Encoding": "gzip"}, gzip.compress(body)))
    if stack == "httpx":
        with client(budget=small(total=10.0)) as http:
            response = http.get(server.url("/api"))
        assert response.content == body
    else:
        assert session(budget=small(total=10.0)).get(server.url("/api")).content == body


def test_brotli_answers_are_read_and_counted(server):
    import brotli

    body = b"<rss>" + "é".encode() * 40_000 + b"</rss>"
    server.answer("/feed", Answer(200, {"Content-Encoding": "br"}, brotli.compress(body)))
    with client(budget=small(total=10.0)) as http:
        response = http.get(server.url("/feed"))
    assert response.content == body
    bomb = brotli.compress(b"0" * 5_000_000)  # a few hundred bytes that hold 5 MB
    server.answer("/bomb", Answer(200, {"Content-Encoding": "br"}, bomb))
    with pytest.raises(ResponseTooLarge), client(budget=small(total=10.0)) as http:
        http.get(server.url("/bomb"))
    server.answer("/cut", Answer(200, {"Content-Encoding": "br"}, brotli.compress(body)[:-8]))
    with pytest.raises(httpx.DecodingError), client(budget=small(total=10.0)) as http:
        http.get(server.url("/cut"))

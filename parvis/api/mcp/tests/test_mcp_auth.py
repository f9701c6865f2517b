"""The gate in front of /mcp answers like the REST API's authentication: 401 with
WWW-Authenticate without a token or with a wrong one, 429 with Retry-After past the
limit of wrong tokens from one address, and the caller (with their language) otherwise.
Refusals are answered before the MCP transport is started or reads the body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory

from parvis.api.mcp.auth import ENVIRON_KEY, Caller, authenticate_http
from parvis.api.mcp.http import McpApp, with_mcp
from parvis.api.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate drops stale connections around each request, as Django's handler does;
    Django's test client skips that inside a test's transaction, and so do these tests."""
    monkeypatch.setattr("parvis.api.mcp.http.close_old_connections", lambda: None)


def environ(token: str | None = None, address: str = "198.51.100.20", **headers: str) -> dict[str, Any]:
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return RequestFactory().post("/mcp", data="{}", content_type="application/json", REMOTE_ADDR=address,
                                 HTTP_ACCEPT_LANGUAGE="en", **headers).environ


def answer(env: dict[str, Any]) -> tuple[str, dict[str, str], Any]:
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        got.update(status=status, headers=dict(headers))

    app = McpApp()
    body = b"".join(app(env, start_response))
    assert app._bridge is None  # refused before the transport started
    return got["status"], got["headers"], json.loads(body)


def test_no_token_is_401_with_www_authenticate(world):
    status, headers, body = answer(environ())
    assert status == "401 Unauthorized" and headers["WWW-Authenticate"] == 'Bearer realm="parvis"'
    assert body == {"detail": "Authentication credentials were not provided."}


def test_wrong_tokens_are_401_then_429_past_the_limit(world, settings):
    settings.PARVIS_API_TOKEN_FAILURES = 3
    statuses = [answer(environ("pvs_guess"))[0] for _ in range(4)]
    assert statuses[:2] == ["401 Unauthorized"] * 2 and set(statuses[2:]) == {"429 Too Many Requests"}
    status, headers, body = answer(environ("pvs_guess"))
    assert int(headers["Retry-After"]) > 0 and "wrong API token" in body["detail"]


def test_a_good_token_gives_its_owner_in_the_asked_language(world):
    _token, raw = ApiToken.issue(world.editor, "assistant")
    assert authenticate_http(environ(raw)) == Caller(world.editor.pk, "en")
    world.editor.language = "fr"
    world.editor.save(update_fields=["language"])
    quiet = environ(raw)
    del quiet["HTTP_ACCEPT_LANGUAGE"]
    assert authenticate_http(quiet) == Caller(world.editor.pk, "fr")


def test_only_mcp_paths_go_to_the_transport(world):
    seen: list[str] = []

    def django_app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(env["PATH_INFO"])
        return [b""]

    app = with_mcp(django_app)
    for path in ("/mcpx", "/api/v1/mcp", "/"):
        app({**environ(), "PATH_INFO": path}, lambda *a: None)
    refused = {**environ(), "PATH_INFO": "/mcp"}
    app(refused, lambda *a: None)
    assert seen == ["/mcpx", "/api/v1/mcp", "/"] and ENVIRON_KEY not in refused

"""The two ways an assistant connects, end to end with the SDK's own client: `parvis mcp`
as a subprocess over stdio (token in PARVIS_TOKEN), and streamable HTTP at /mcp on the
web server (waitress, as `parvis up` serves it) with the REST API's Bearer tokens."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from django.db import connection
from django.utils import timezone
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from waitress import create_server, wasyncore

import parvis
from parvis.api.models import ApiToken
from parvis.publishing.models import Post

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(parvis.__file__).resolve().parent.parent
WHEN = f"{timezone.now().year + 1}-12-24T18:30"


def parvis_env(**extra: str) -> dict[str, str]:
    """This test database and data folder, for a `parvis` subprocess."""
    env = {k: v for k, v in os.environ.items() if k != "PARVIS_TOKEN"}
    env["DJANGO_SETTINGS_MODULE"] = "parvis.settings"
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env.update(PARVIS_LOG_LEVEL="WARNING", **extra)
    return env


def schedule_arguments(world: Any) -> dict[str, Any]:
    return {"workspace": world.workspace.pk, "text": "Joyeux Noël", "scheduled_at": WHEN,
            "accounts": [world.mastodon.pk], "timezone": "Europe/Paris"}


# -- stdio ---------------------------------------------------------------------------------

@pytest.mark.slow  # a `parvis mcp` subprocess
def test_parvis_mcp_over_stdio_acts_as_the_tokens_owner(world):
    _token, raw = ApiToken.issue(world.editor, "Claude Desktop")
    params = StdioServerParameters(command=sys.executable, args=["-m", "parvis", "mcp"], cwd=ROOT,
                                   env=parvis_env(PARVIS_TOKEN=raw))

    async def session() -> tuple[Any, ...]:
        async with Client(params, read_timeout_seconds=60) as client:
            listed = await client.list_tools()
            workspaces = await client.call_tool("list_workspaces", {})
            scheduled = await client.call_tool("schedule_post", schedule_arguments(world))
            elsewhere = await client.call_tool("list_accounts", {"workspace": world.other_workspace.pk})
            return listed, workspaces, scheduled, elsewhere

    listed, workspaces, scheduled, elsewhere = anyio.run(session)
    assert "schedule_post" in {tool.name for tool in listed.tools}
    assert [(w["id"], w["role"]) for w in workspaces.structured_content["workspaces"]] == [
        (world.workspace.pk, "editor")]
    assert not scheduled.is_error and Post.objects.get().author == world.editor
    assert elsewhere.is_error


@pytest.mark.slow  # a `parvis mcp` subprocess
def test_parvis_mcp_refuses_to_start_without_a_valid_token(world):
    token, raw = ApiToken.issue(world.owner, "old")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    for env in (parvis_env(), parvis_env(PARVIS_TOKEN=raw)):  # missing; revoked (like an unknown one)
        done = subprocess.run([sys.executable, "-m", "parvis", "mcp"], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and done.stdout == ""
        assert "PARVIS_TOKEN" in done.stderr and "Settings → API tokens" in done.stderr
        assert raw not in done.stderr


# -- streamable HTTP -----------------------------------------------------------------------

@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """parvis's WSGI application on waitress, on a free loopback port."""
    from parvis.wsgi import application

    # The web threads close their connections after each request, so that the test
    # database (PostgreSQL) can be dropped at the end.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    server = create_server(application, host="127.0.0.1", port=0, threads=4, ident="parvis")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    # Closed from the server's own loop thread, so that its loop ends between two polls.
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[union-attr]
    except OSError:
        # Its wake-up pipe is already closed (seen once among parallel test runs, when a
        # descriptor number was closed twice elsewhere in the process): close from here,
        # the loop sees an empty map at its next poll (close_all ignores EBADF).
        wasyncore.close_all(server._map)  # type: ignore[union-attr]
    thread.join(timeout=10)
    server.task_dispatcher.shutdown()  # type: ignore[union-attr]


def over_http(url: str, token: str, mode: str = "auto") -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode)  # type: ignore[arg-type]


def test_mcp_over_http_with_the_apis_bearer_tokens(world, web, caplog):
    caplog.set_level(logging.DEBUG)
    _token, raw = ApiToken.issue(world.owner, "assistant")

    async def session(mode: str) -> tuple[Any, Any]:
        async with over_http(web, raw, mode) as client:
            workspaces = await client.call_tool("list_workspaces", {})
            scheduled = await client.call_tool("schedule_post", schedule_arguments(world))
            return workspaces, scheduled

    for mode in ("auto", "legacy"):  # the current protocol, and the initialize handshake of earlier clients
        workspaces, scheduled = anyio.run(session, mode)
        assert [w["id"] for w in workspaces.structured_content["workspaces"]] == [world.workspace.pk]
        assert not scheduled.is_error, scheduled.content
    # What the assistant did is the REST API's, on the same server, with the same token.
    posts = httpx.get(f"{web}/api/v1/workspaces/{world.workspace.pk}/posts/",
                      headers={"Authorization": f"Bearer {raw}"}).json()["results"]
    assert [p["text"] for p in posts] == ["Joyeux Noël", "Joyeux Noël"]
    # Stateless: no server-initiated stream to hold a web thread open.
    stream = httpx.get(f"{web}/mcp", headers={"Authorization": f"Bearer {raw}", "Accept": "text/event-stream"})
    assert stream.status_code == 405 and stream.headers["Allow"] == "POST"
    assert raw not in caplog.text


def test_mcp_over_http_without_a_valid_token_is_401(world, web):
    token, raw = ApiToken.issue(world.owner, "revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Accept-Language": "en"}
    missing = httpx.post(f"{web}/mcp", json=body, headers=headers)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    for wrong in (raw, "pvs_unknown"):
        refused = httpx.post(f"{web}/mcp", json=body, headers={**headers, "Authorization": f"Bearer {wrong}"})
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert refused.json() == {"detail": "This API token is unknown or revoked."}

    async def listed() -> Any:
        async with over_http(web, raw) as client:
            return await client.list_tools()

    with pytest.raises(Exception):  # noqa: B017 - the SDK's own error for a refused connection
        anyio.run(listed)

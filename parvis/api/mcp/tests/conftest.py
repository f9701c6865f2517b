"""The REST API tests' world (owner, editor, viewer, outsider; Mastodon and Bluesky
accounts) and a helper calling a tool in-process, as one of them."""

from __future__ import annotations

from typing import Any

import anyio
from mcp import Client

from parvis.accounts.models import User
from parvis.api.mcp.auth import Caller
from parvis.api.mcp.server import build_server
from parvis.api.tests.conftest import client_for, world  # noqa: F401 - fixtures


def call(user: User, tool: str, arguments: dict[str, Any] | None = None, language: str = "en") -> Any:
    """The result of one tool call by `user`, through the SDK's in-process client."""
    async def go() -> Any:
        async with Client(build_server(lambda ctx: Caller(user.pk, language))) as client:
            return await client.call_tool(tool, arguments or {})
    return anyio.run(go)


def tools() -> list[Any]:
    async def go() -> Any:
        async with Client(build_server(lambda ctx: Caller(0, "en"))) as client:
            return (await client.list_tools()).tools
    return anyio.run(go)  # type: ignore[no-any-return]

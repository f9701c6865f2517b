"""The MCP streamable HTTP transport at /mcp, on the same WSGI server as the web app.

The SDK's transport is an ASGI (Starlette) app; parvis serves WSGI (waitress). `with_mcp`
puts a path dispatcher in front of Django: a request for /mcp is first authenticated in
the WSGI thread, synchronously, by the REST API's Bearer token authentication (auth.py),
then handed to the SDK's app through a2wsgi, on one event loop thread started at the
first such request. The transport runs stateless with JSON responses: every POST is a
complete exchange, so nothing is kept between requests and any web thread (or node of a
scale-out setup) can answer the next one; there is no server-initiated stream to keep
open through WSGI.

Tools run in the SDK's worker threads; tooling.run manages their database connections.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import close_old_connections

from parvis.api.mcp.auth import ENVIRON_KEY, Refused, authenticate_http, http_caller

log = logging.getLogger(__name__)
PATH = "/mcp"
STARTUP_TIMEOUT = 30.0

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


async def _run_lifespan(app: Any, started: threading.Event, failure: list[BaseException]) -> None:
    """Drive the ASGI lifespan of `app` (it starts the SDK's session manager) and keep it
    running for the life of the process: a2wsgi does not speak lifespan."""
    messages: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.failed":
            failure.append(RuntimeError(message.get("message", "MCP startup failed")))
        if message["type"].startswith("lifespan.startup."):
            started.set()

    try:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, messages.get, send)
    except BaseException as exc:  # noqa: BLE001 - reported to the thread waiting for startup
        failure.append(exc)
        started.set()
        raise


class McpApp:
    """The WSGI app answering /mcp. Started lazily: importing parvis.wsgi (management
    commands, tests) starts no thread, and a server nobody asks for MCP does not load
    the SDK."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bridge: WsgiApp | None = None

    def _start(self) -> WsgiApp:
        from a2wsgi import ASGIMiddleware
        from mcp.server.transport_security import TransportSecuritySettings

        from parvis.api.mcp.server import build_server

        # Bearer tokens, not cookies, authenticate every request: a rebound DNS name gives
        # a web page nothing to send. Django's ALLOWED_HOSTS is for the web app's links.
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
        asgi = build_server(http_caller).streamable_http_app(
            streamable_http_path=PATH, json_response=True, stateless_http=True, transport_security=security)
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="parvis-mcp", daemon=True).start()
        started, failure = threading.Event(), []  # type: ignore[var-annotated]
        asyncio.run_coroutine_threadsafe(_run_lifespan(asgi, started, failure), loop)
        if not started.wait(STARTUP_TIMEOUT) or failure:
            raise RuntimeError(f"The MCP transport did not start: {failure[:1]}")
        return ASGIMiddleware(asgi, loop=loop)  # type: ignore[arg-type,return-value]

    def bridge(self) -> WsgiApp:
        with self._lock:
            if self._bridge is None:
                self._bridge = self._start()
            return self._bridge

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        close_old_connections()
        try:
            environ[ENVIRON_KEY] = authenticate_http(environ)
        except Refused as refused:
            return _answer(start_response, refused.status, {"detail": refused.detail}, refused.headers)
        finally:
            close_old_connections()
        if environ.get("REQUEST_METHOD") == "GET":
            # No server-initiated stream in stateless mode: the spec's answer is a 405 (and a
            # stream held open would tie up a web thread).
            return _answer(start_response, 405, {"jsonrpc": "2.0", "id": None, "error": {
                "code": -32600, "message": "Method Not Allowed: this server sends no stream; POST requests."}},
                [("Allow", "POST")])
        return self.bridge()(environ, start_response)


REASONS = {401: "Unauthorized", 405: "Method Not Allowed", 429: "Too Many Requests"}


def _answer(start_response: StartResponse, status: int, data: dict[str, Any],
            headers: list[tuple[str, str]]) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(f"{status} {REASONS[status]}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
    return [body]


def with_mcp(django_app: WsgiApp) -> WsgiApp:
    """`django_app`, with /mcp answered by the MCP transport."""
    mcp = McpApp()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PATH or path.startswith(PATH + "/"):
            return mcp(environ, start_response)
        return django_app(environ, start_response)

    return application

"""The guarded layer for requests (Mastodon.py takes a requests session).

`guard_session` mounts `GuardedAdapter` on a session. Its urllib3 connections open
their socket through `guard.connect_checked` (resolve once, check, connect to that
address; TLS still verifies the name), and read through a file object that cuts every
wait to the request's deadline, headers included. The adapter reads the whole answer
itself, under the guard and within `max_bytes` once decompressed, and refuses every
redirect: the APIs it serves have none, and requests would otherwise re-send a POST
(an app registration, a token exchange) to wherever a 307 points.
"""

from __future__ import annotations

import http.client
import io
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from parvis.core.http.addresses import AddressPolicy
from parvis.core.http.errors import RedirectRefused, ResponseTooLarge
from parvis.core.http.guard import Budget, RequestGuard, connect_checked, current

CHUNK = 64 * 1024


class _DeadlineReader(io.RawIOBase):
    """The socket's own reader (which keeps the socket open while http.client reads a
    response it was handed), with every wait cut to the active request's deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        guard = current()
        if guard is None:
            return self._raw.readinto(buffer) or 0
        before = self._sock.gettimeout()
        try:
            self._sock.settimeout(guard.wait(before))
            count = self._raw.readinto(buffer) or 0
        except TimeoutError as exc:
            if guard.expired():
                raise guard.too_slow() from exc
            raise
        finally:
            if self._sock.fileno() >= 0:
                self._sock.settimeout(before)
        guard.moved_bytes(count)
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


class _SocketView:
    """What http.client's response reads from: the socket, through the deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock))


class _Response(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(_SocketView(sock), *args, **kwargs)  # type: ignore[arg-type]


def _timeout(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _connect(conn: HTTPConnection) -> socket.socket:
    try:
        return connect_checked(conn.host, conn.port, _timeout(conn.timeout), conn.socket_options,
                               conn.source_address)
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out.") from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc


class _GuardedHTTPConnection(HTTPConnection):
    response_class = _Response

    def _new_conn(self) -> socket.socket:
        return _connect(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    response_class = _Response

    def _new_conn(self) -> socket.socket:
        return _connect(self)  # then TLS against self.host, the name


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def __init__(self, *, policy: AddressPolicy | None = None, budget: Budget | None = None) -> None:
        self._policy = policy
        self._budget = budget
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise requests.exceptions.InvalidProxyURL("parvis does not reach user-given addresses through a proxy")

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        budget = self._budget or Budget.default()
        body = request.body
        sent = len(body) if isinstance(body, bytes | str) else int(request.headers.get("Content-Length") or 0)
        guard = RequestGuard(urlsplit(request.url or "").hostname or "", self._policy, budget, sent=sent)
        request.headers["Accept-Encoding"] = "gzip, deflate"
        with guard.active():
            response = super().send(request, stream=True, timeout=budget.timeout if timeout is None else timeout,
                                    verify=verify, cert=cert, proxies=proxies)
            try:
                if response.is_redirect:
                    location = urljoin(request.url or "", response.headers["location"])
                    raise RedirectRefused(guard.host, response.status_code, location)
                response._content = self._read(response, guard)
            except BaseException:
                response.close()
                raise
        response._content_consumed = True
        response.raw.release_conn()
        return response

    @staticmethod
    def _read(response: requests.Response, guard: RequestGuard) -> bytes:
        limit = guard.budget.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and not response.headers.get("Content-Encoding"):
            raise ResponseTooLarge(guard.host, limit)
        parts, size = [], 0
        for chunk in response.raw.stream(CHUNK, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(guard.host, limit)
            parts.append(chunk)
        return b"".join(parts)


def guard_session(session: requests.Session, *, policy: AddressPolicy | None = None,
                  budget: Budget | None = None) -> requests.Session:
    """`session`, with every request through the guard. Proxies and .netrc from the
    environment are ignored: a proxy resolves names out of the guard's sight."""
    from parvis.core.http import USER_AGENT

    adapter = GuardedAdapter(policy=policy, budget=budget)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    return session

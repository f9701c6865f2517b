"""The guarded layer for httpx (and so for the atproto SDK, which takes a transport).

`GuardedTransport` is an httpx transport over an httpcore connection pool whose network
backend connects through `guard.connect_checked`. Per request it:

* opens connections only to addresses the policy allows (every redirect hop is a new
  request through it, so each hop is checked the same way);
* refuses redirects outright with `redirects="refuse"` (APIs and logins have none), or
  hands them back to the client (`"return"`, or `"follow"` for the client to follow);
* stops the whole exchange at the budget's deadline, and reads at most `max_bytes` of
  the answer once decompressed (it decompresses gzip, deflate and brotli itself to
  count, and asks for nothing else).
"""

from __future__ import annotations

import select
import socket
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, Literal

import brotli
import httpcore
import httpx

from parvis.core.http.addresses import AddressPolicy
from parvis.core.http.errors import RedirectRefused, ResponseTooLarge, UnsupportedEncoding
from parvis.core.http.guard import Budget, RequestGuard, connect_checked, current

Redirects = Literal["refuse", "return", "follow"]
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = "gzip, deflate, br"  # what the transport can decompress while counting
CHUNK = 64 * 1024


def _readable(sock: socket.socket) -> bool:
    """Whether recv() would return at once: on an idle kept-alive connection, that the
    server closed it (the pool then opens a new one)."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


@cache
def _verifying_context() -> ssl.SSLContext:
    """One certificate-checking context for every transport (building one reads the CA
    bundle: 15 ms, once per connector otherwise)."""
    return httpx.create_ssl_context(trust_env=False)


class _Stream(httpcore.NetworkStream):
    """A socket whose every wait is cut to the active request's deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def _timeout(self, timeout: float | None) -> float | None:
        guard = current()
        return guard.wait(timeout) if guard else timeout

    def _timed_out(self, kind: type[Exception], exc: Exception) -> Exception:
        guard = current()
        return guard.too_slow() if guard is not None and guard.expired() else kind(str(exc))

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(self._timeout(timeout))
            data = self._sock.recv(max_bytes)
        except TimeoutError as exc:
            raise self._timed_out(httpcore.ReadTimeout, exc) from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc
        if (guard := current()) is not None:
            guard.moved_bytes(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            while buffer:
                self._sock.settimeout(self._timeout(timeout))
                sent = self._sock.send(buffer)
                buffer = buffer[sent:]
        except TimeoutError as exc:
            raise self._timed_out(httpcore.WriteTimeout, exc) from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    def close(self) -> None:
        self._sock.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # server_hostname is the name typed, not the address connected to: SNI and the
        # certificate check are about the name.
        try:
            self._sock.settimeout(self._timeout(timeout))
            wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except TimeoutError as exc:
            self.close()
            raise self._timed_out(httpcore.ConnectTimeout, exc) from exc
        except OSError as exc:  # ssl.SSLError included: a certificate that does not match
            self.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return _Stream(wrapped)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock._sslobj  # type: ignore[attr-defined] # what httpcore's own stream gives
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return _readable(self._sock)
        return None


class _Backend(httpcore.NetworkBackend):
    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        options = [*(socket_options or ()), (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        source = None if local_address is None else (local_address, 0)
        try:
            return _Stream(connect_checked(host, port, timeout, options, source))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("parvis connects to addresses, not to local sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Brotli:
    """brotli's decompressor behind zlib's interface, as `_Body` uses it: at most `room`
    bytes out per call, the rest kept (`unconsumed_tail` says whether some is)."""

    def __init__(self) -> None:
        self._inner = brotli.Decompressor()
        self.unconsumed_tail = b""

    def decompress(self, chunk: bytes, room: int) -> bytes:
        try:
            if not self._inner.can_accept_more_data():
                data = self._inner.process(b"", output_buffer_limit=room)
            else:
                data = self._inner.process(chunk, output_buffer_limit=room)
                chunk = b""
        except brotli.error as exc:
            raise zlib.error(str(exc)) from exc
        # More output waiting past `room` (or input not taken yet) means the cap is hit.
        self.unconsumed_tail = chunk or (b"" if self._inner.can_accept_more_data() else b"\0")
        return data

    def flush(self) -> bytes:
        if not self._inner.is_finished():
            raise zlib.error("the brotli stream is truncated")
        return b""


class _Body(httpx.SyncByteStream):
    """The answer's body, read under its request's guard: deadline, size cap, and
    decompression counted as it happens (a small gzip can hold gigabytes)."""

    def __init__(self, inner: httpx.SyncByteStream, guard: RequestGuard, encoding: str) -> None:
        self._inner = inner
        self._guard = guard
        self._count = 0
        self._inflater: Any = None
        if encoding == "br":
            self._inflater = _Brotli()
        elif encoding:
            self._inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)

    def _take(self, data: bytes) -> bytes:
        self._count += len(data)
        if self._count > self._guard.budget.max_bytes:
            raise ResponseTooLarge(self._guard.host, self._guard.budget.max_bytes)
        return data

    def _inflate(self, chunk: bytes, final: bool = False) -> bytes:
        assert self._inflater is not None
        room = self._guard.budget.max_bytes - self._count + 1
        try:
            data = self._inflater.flush() if final else self._inflater.decompress(chunk, room)
        except zlib.error as exc:
            raise httpx.DecodingError(f"the answer is not valid {self._kind()}: {exc}") from exc
        if self._inflater.unconsumed_tail:
            raise ResponseTooLarge(self._guard.host, self._guard.budget.max_bytes)
        return self._take(data)

    def _kind(self) -> str:
        return "brotli" if isinstance(self._inflater, _Brotli) else "gzip/deflate"

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        raw = 0
        while True:
            with self._guard.active():
                chunk = next(chunks, None)
            if chunk is None:
                break
            raw += len(chunk)
            if raw > self._guard.budget.max_bytes:
                raise ResponseTooLarge(self._guard.host, self._guard.budget.max_bytes)
            data = self._inflate(chunk) if self._inflater else self._take(chunk)
            if data:
                yield data
        if self._inflater and (tail := self._inflate(b"", final=True)):
            yield tail

    def close(self) -> None:
        with self._guard.active():
            self._inner.close()


class GuardedTransport(httpx.BaseTransport):
    def __init__(self, *, policy: AddressPolicy | None = None, budget: Budget | None = None,
                 redirects: Redirects = "return", verify: ssl.SSLContext | bool = True) -> None:
        self._policy = policy
        self._budget = budget
        self._refuse_redirects = redirects == "refuse"
        # HTTP/1.1 only, no proxy from the environment: a proxy would resolve the name
        # itself, out of the guard's sight.
        context = _verifying_context() if verify is True else httpx.create_ssl_context(verify=verify)
        self._inner = httpx.HTTPTransport(verify=context, trust_env=False)
        # httpx builds its pool without a way to pass a network backend: replace it with
        # the same pool over ours (the core tests prove it is the one used).
        self._inner._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,
            http1=True, http2=False, network_backend=_Backend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        budget = self._budget or Budget.default()
        sent = int(request.headers.get("content-length") or 0)
        guard = RequestGuard(request.url.host, self._policy, budget, sent=sent)
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        with guard.active():
            response = self._inner.handle_request(request)
            try:
                encoding = self._check(response, request, guard)
            except BaseException:
                response.close()
                raise
        response.stream = _Body(response.stream, guard, encoding)  # type: ignore[arg-type]
        return response

    def _check(self, response: httpx.Response, request: httpx.Request, guard: RequestGuard) -> str:
        """Refuse what must not be read; the content encoding left to decompress."""
        if self._refuse_redirects and response.status_code in REDIRECT_STATUSES:
            location = response.headers.get("location", "")
            raise RedirectRefused(guard.host, response.status_code, str(request.url.join(location)))
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > guard.budget.max_bytes:
                raise ResponseTooLarge(guard.host, guard.budget.max_bytes)
            return ""
        if encoding not in ("gzip", "x-gzip", "deflate", "br"):
            raise UnsupportedEncoding(guard.host, encoding)
        # Decompressed here, so that httpx does not decompress again, uncounted.
        del response.headers["content-encoding"]
        response.headers.pop("content-length", None)
        return encoding

    def close(self) -> None:
        self._inner.close()


def client(*, policy: AddressPolicy | None = None, budget: Budget | None = None,
           redirects: Redirects = "return", max_redirects: int = 5, verify: ssl.SSLContext | bool = True,
           **kwargs: Any) -> httpx.Client:
    """An httpx client for user-given addresses. `redirects`: "return" hands a 3xx back
    as it is (webhooks: a redirect is a failure to deliver), "follow" follows up to
    `max_redirects` hops (each one checked), "refuse" raises RedirectRefused."""
    from parvis.core.http import USER_AGENT

    budget = budget or Budget.default()
    headers = {"User-Agent": USER_AGENT, **dict(kwargs.pop("headers", None) or {})}
    return httpx.Client(
        transport=GuardedTransport(policy=policy, budget=budget, redirects=redirects, verify=verify),
        timeout=budget.timeout, headers=headers, follow_redirects=redirects == "follow",
        max_redirects=max_redirects, trust_env=False, **kwargs,
    )

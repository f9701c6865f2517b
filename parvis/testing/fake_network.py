"""The shared machinery of parvis's stateful loopback fakes of networks that cannot be
installed here (Meta's Graph API, Threads, LinkedIn).

A fake is a `FakeNetwork` subclass: it keeps the network's state in plain Python objects
(the test reads them directly) and declares its routes with `route`. The harness serves
them on 127.0.0.1 (a free port, HTTP/1.1 with keep-alive, one thread per connection),
logs every request, and injects faults as tests ask, before or after the route runs:

    with LocalMeta() as meta:
        meta.fail_next(503, path="/v27.0/*/media_publish")         # refused, nothing done
        meta.lose_next(path="/v27.0/*/media_publish")              # done, answer never sent
        meta.fail_next(429, body=..., headers=...)                 # the network's 429 shape

Routes are ``(method, regex)``; named groups become keyword arguments of the handler,
which gets the `Request` and returns a `Response` (or raises `Refusal`, the network's
error shape built by the subclass's `error_body`).
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

FaultMode = Literal["refuse", "lose", "hang"]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")

    @property
    def form(self) -> dict[str, str]:
        """The query string and a form or JSON body, merged (Graph API takes both)."""
        values = dict(self.query)
        kind = self.header("Content-Type")
        if self.body and "json" in kind:
            loaded = json.loads(self.body)
            if isinstance(loaded, dict):
                values.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()})
        elif self.body and "x-www-form-urlencoded" in kind:
            values.update({k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()})
        return values

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def bearer(self) -> str:
        auth = self.header("Authorization")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return self.query.get("access_token", "")


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def raw_body(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode()


class Refusal(Exception):  # noqa: N818 - it is the network's answer, not our error
    """Raised by a route: answer with this status and body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.response = Response(status, body, headers or {})


@dataclass
class Fault:
    mode: FaultMode
    method: str
    path: str  # fnmatch pattern on the path
    count: int
    response: Response | None = None

    def matches(self, request: Request) -> bool:
        return (self.method in ("*", request.method)) and fnmatch.fnmatchcase(request.path, self.path)


Handler = Callable[..., Response]


class _HTTPHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for
    # the client's delayed ACK (~40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(self.command, split.path, {k: v[-1] for k, v in parse_qs(split.query).items()},
                          dict(self.headers), self.rfile.read(length) if length else b"")
        fake = self.server.fake
        if fake.latency:
            fake.stopping.wait(fake.latency)  # the network's own time to answer (benchmarks)
        fault = fake.take_fault(request)
        if fault is not None and fault.mode == "hang":
            fake.stopping.wait(60)
            self.close_connection = True
            return
        response = fault.response if fault is not None and fault.mode == "refuse" else fake.handle(request)
        if fault is not None and fault.mode == "lose":
            self.close_connection = True  # done on the network, the answer never arrives
            return
        assert response is not None
        body = response.raw_body()
        self.send_response(response.status)
        headers = {"Content-Type": "application/json", **fake.common_headers(request), **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if self.command != "HEAD":  # a HEAD answer says the length, sends no body
                self.wfile.write(body)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeNetwork


class FakeNetwork:
    """Base of the fakes: routes, request log, faults, start/stop."""

    name = "fake"

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self.received: list[Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()  # held by every route: the state changes as one
        self.stopping = threading.Event()
        # Seconds every answer waits, outside the lock, as a real network's do (0: answer
        # at once; benchmarks set it so they do not measure a network faster than any is).
        self.latency = 0.0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- serving -------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler, *, locked: bool = True) -> None:
        """`locked=False`: the handler takes `self.lock` itself, around its state changes
        only (a route that waits on something else, such as a media download, must not
        hold every other request up meanwhile)."""
        self.routes.append((method, re.compile(pattern), handler, locked))

    def handle(self, request: Request) -> Response:
        for method, pattern, handler, locked in self.routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                try:
                    if not locked:
                        return handler(request, **match.groupdict())
                    with self.lock:
                        return handler(request, **match.groupdict())
                except Refusal as refusal:
                    return refusal.response
        return self.not_found(request)

    def not_found(self, request: Request) -> Response:
        return Response(404, {"error": f"no route {request.method} {request.path}"})

    def common_headers(self, request: Request) -> dict[str, str]:
        """Headers on every answer (the networks' usage headers)."""
        return {}

    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _HTTPHandler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True,
                                        name=f"fake-{self.name}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- faults --------------------------------------------------------------------------
    def take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            self.received.append(request)
            for fault in self.faults:
                if fault.count > 0 and fault.matches(request):
                    fault.count -= 1
                    return fault
        return None

    def add_fault(self, mode: FaultMode, *, method: str = "*", path: str = "*", count: int = 1,
                  response: Response | None = None) -> Fault:
        fault = Fault(mode, method, path, count, response)
        with self.lock:
            self.faults.append(fault)
        return fault

    def fail_next(self, status: int = 503, body: Any = None, *, method: str = "POST", path: str = "*",
                  count: int = 1, headers: dict[str, str] | None = None) -> Fault:
        """The next matching request is refused with `status`; nothing happens on the network."""
        body = body if body is not None else self.error_body(status)
        return self.add_fault("refuse", method=method, path=path, count=count,
                              response=Response(status, body, headers or {}))

    def lose_next(self, *, method: str = "POST", path: str = "*", count: int = 1) -> Fault:
        """The next matching request is carried out, then the connection is cut before the
        answer: the client cannot know that it worked."""
        return self.add_fault("lose", method=method, path=path, count=count)

    def hang_next(self, *, method: str = "POST", path: str = "*", count: int = 1) -> Fault:
        """The next matching request is never answered (nor carried out)."""
        return self.add_fault("hang", method=method, path=path, count=count)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def error_body(self, status: int) -> Any:
        """The network's error shape for a bare status (subclasses say theirs)."""
        return {"error": {"status": status}}

    def requests_to(self, pattern: str, method: str = "*") -> list[Request]:
        return [r for r in self.received if method in ("*", r.method) and fnmatch.fnmatchcase(r.path, pattern)]

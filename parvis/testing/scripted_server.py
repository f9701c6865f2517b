"""A loopback HTTP server that answers each path as a test scripts it, including the
way hostile or broken servers answer: redirects, a trickle of bytes (headers included),
no answer at all, huge or compressed bodies. It records every request it receives, so
a test can prove that something never arrived.

    with ScriptedServer() as server:
        server.answer("/api/v1/apps", Answer(307, {"Location": other.url("/api/v1/apps")}))
        ...
        assert other.received == []
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address, IPv6Address
from typing import Any

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
           308: "Permanent Redirect", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error",
           502: "Bad Gateway"}


class LoopbackPorts:
    """An address policy for tests (`parvis.core.http.override_policy`): only these
    loopback ports count as allowed, so one loopback server can stand for a public
    server and another for an internal one."""

    private_allowed = False

    def __init__(self, *ports: int) -> None:
        self.ports = set(ports)

    def allows(self, address: IPv4Address | IPv6Address, port: int) -> bool:
        return address.is_loopback and port in self.ports


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    trickle: float = 0.0  # seconds between two bytes of the whole answer, status line included
    hang: bool = False  # accept the request, never answer (until the server stops)

    def raw(self) -> bytes:
        headers = {"Content-Type": "application/json", "Content-Length": str(len(self.body)),
                   "Connection": "close", **self.headers}
        head = f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Status')}\r\n"
        # A header given as "" is left out (no Content-Length: read until the server closes).
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items() if value) + "\r\n"
        return head.encode("latin-1") + self.body


def json_answer(body: str, status: int = 200, **headers: str) -> Answer:
    return Answer(status, dict(headers), body.encode())


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, {"Location": location}, b"")


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        self.server.received.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                     "body": body})
        answer = self.server.answers.get(path) or self.server.answers.get("*") or Answer(404, body=b"{}")
        self.close_connection = True
        stopping = self.server.stopping
        if answer.hang:
            stopping.wait(30)
            return
        raw = answer.raw()
        try:
            if not answer.trickle:
                self.wfile.write(raw)
                return
            for index in range(len(raw)):
                if stopping.wait(answer.trickle):
                    return
                self.wfile.write(raw[index:index + 1])
                self.wfile.flush()
        except OSError:
            pass  # the client gave up: what the test expects of it

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, *args: Any) -> None:
        pass


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.answers: dict[str, Answer] = {}
        self.received: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True,
                                        name="scripted-http")

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str = "", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def answer(self, path: str, answer: Answer) -> None:
        """How to answer `path` ("*": every path not scripted otherwise)."""
        self.answers[path] = answer

    def paths(self) -> list[str]:
        return [r["path"].split("?", 1)[0] for r in self.received]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(5)

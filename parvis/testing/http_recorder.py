"""A real HTTP server on 127.0.0.1 that records every request and answers with a chosen
status: the other end of outgoing webhooks in tests (Slack, Mattermost, Matrix, ntfy)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.arrived:
            self.server.received.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
            self.server.arrived.notify_all()
        self.send_response(self.server.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PUT = _record

    def log_message(self, *args: Any) -> None:
        pass  # the test reads `received`; nothing on stderr


class RecordingServer(ThreadingHTTPServer):
    """`received`: one dict per request (method, path, headers, body bytes), in order.
    `status`: what every request is answered with (change it to simulate a refusal).
    `wait_for(n)`: block until n requests have arrived (another process sends them)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.arrived = threading.Condition()
        # A short poll interval: shutdown() waits for serve_forever's next poll (0.5 s by default).
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True,
                                        name="http-recorder")

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The first `count` requests, once they have arrived; AssertionError after `timeout` s."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} request(s) in {timeout} s, expected {count}")
            return self.received[:count]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

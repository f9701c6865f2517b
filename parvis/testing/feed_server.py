"""A loopback server of feed documents that behaves like the web's feed servers: ETag and
Last-Modified validators with 304 answers, gzip and brotli when asked, Cache-Control,
permanent and temporary redirects, 410, 429 with Retry-After, and whatever a test puts
in a document (wrong declared encodings, broken XML, huge entries). It counts what it
receives, so a test (or `bench/feeds_refresh`) can prove an unchanged feed cost one
conditional request.

    with FeedServer() as server:
        server.put("/blog.xml", rss_bytes, etag='"v1"')
        url = server.url("/blog.xml")
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli


@dataclass
class Document:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str = ""
    last_modified: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # extra: Cache-Control, Retry-After, Location…
    compress: str = ""  # "gzip" or "br": sent compressed when the client accepts it


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        with self.server.lock:
            self.server.requests.append((self.path, dict(self.headers)))
            document = self.server.documents.get(self.path)
        if document is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        headers = {"Content-Type": document.content_type, **document.headers}
        if document.etag:
            headers["ETag"] = document.etag
        if document.last_modified:
            headers["Last-Modified"] = document.last_modified
        if document.status == 200 and self._unchanged(document):
            with self.server.lock:
                self.server.not_modified += 1
            self._send(304, {k: v for k, v in headers.items() if k != "Content-Type"}, b"")
            return
        body = document.body
        accepted = self.headers.get("Accept-Encoding", "")
        if document.compress == "gzip" and "gzip" in accepted:
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        elif document.compress == "br" and "br" in accepted:
            body, headers["Content-Encoding"] = brotli.compress(body), "br"
        self._send(document.status, headers, body)

    def _unchanged(self, document: Document) -> bool:
        tag = self.headers.get("If-None-Match")
        if tag is not None and document.etag:
            return tag == document.etag
        since = self.headers.get("If-Modified-Since")
        return since is not None and bool(document.last_modified) and since == document.last_modified

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.documents: dict[str, Document] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.not_modified = 0
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True, name="feed-server")

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes, **fields: Any) -> Document:
        document = Document(body=body, **fields)
        with self.lock:
            self.documents[path] = document
        return document

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for requested, _headers in self.requests if requested == path)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)

"""Calling the API in-process through Django's WSGI handler and checking answers against
the published OpenAPI schema (schemathesis), for the contract tests and the fuzz run.

The requests run in the test's own thread and database transaction: what a test seeded
is visible without a commit, and everything is rolled back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from werkzeug.test import Client, TestResponse

SCHEMA_PATH = "/api/v1/openapi.json"


@contextmanager
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI handler, minus the end-of-request connection check: in a test it
    would close the connection that holds the test's transaction (Django's own test
    client disconnects it the same way; open it after any use of that client, which
    connects it again when its request ends)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def load_schema(app: Any, config: dict[str, Any] | None = None) -> Any:
    """The schema the server publishes, read from the server itself."""
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=schemathesis.Config.from_dict(config or {}))


_loaded: list[Any] = []


def shared_schema(app: Any) -> Any:
    """The published schema, loaded once per test process: it does not depend on what a
    test seeded, and each fresh copy costs a generation and a crawl of its references
    (seconds) before its first check. Only used to validate answers, never to send."""
    if not _loaded:
        _loaded.append(load_schema(app))
    return _loaded[0]


class ApiCaller:
    """Requests with a token, answers checked against the schema."""

    def __init__(self, app: Any, token: str) -> None:
        self.client = Client(app)
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        self.schema = shared_schema(app)

    def call(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        return self.client.open(path, method=method, headers=self.headers, **kwargs)

    def conforming(self, method: str, template: str, path: str, **kwargs: Any) -> TestResponse:
        """Call `path` and check the answer against the operation `method template`: its
        status code is documented, its body matches that code's schema (or raise)."""
        response = self.call(method, path, **kwargs)
        documented = self.schema.raw_schema["paths"][template][method.lower()]["responses"]
        assert str(response.status_code) in documented, f"{method} {template}: {response.status_code} not documented"
        self.schema[template][method].validate_response(response)
        return response

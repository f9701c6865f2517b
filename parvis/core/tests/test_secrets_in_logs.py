"""No secret reaches a log line: links that let anyone in, API tokens, Authorization
headers and `token=` parameters are masked on the root handler, which every logger
(Django's request warnings, waitress, huey, parvis's own) writes through."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from parvis.core.redact import RedactSecrets, redact

TOKEN = "Zx9-QwErTy_uIoP1234567890abcdefGHIJKLMNOPq"


@pytest.mark.parametrize("line", [
    f"Not Found: /portal/{TOKEN}/",
    f"Not Found: /portal/{TOKEN}/posts/12/",
    f"Not Found: /ics/{TOKEN}.ics",
    f"GET /invitations/{TOKEN}/ HTTP/1.1",
    f"redirect to /login/?next=%2Finvitations%2F{TOKEN}%2F",
    f"Forbidden: /password/reset/MQ/{TOKEN}/",
    f"headers: {{'HTTP_AUTHORIZATION': 'Bearer {TOKEN}'}}",
    f"Authorization: Token {TOKEN}",
    f"calling https://example.social/api?access_token={TOKEN}&x=1",
    f"created pvs_{TOKEN} for a script",
])
def test_each_kind_of_secret_is_masked(line):
    masked = redact(line)
    assert TOKEN not in masked and "[redacted]" in masked


def test_ordinary_lines_are_left_alone():
    line = "Not Found: /w/12/publications/3/ (GET) 404 in 12 ms, /password/reset/sent/"
    assert redact(line) == line


@pytest.fixture
def root_output() -> Iterator[io.StringIO]:
    """What the root handler configured by the settings writes, captured."""
    handlers = [h for h in logging.getLogger().handlers
                if any(isinstance(f, RedactSecrets) for f in h.filters)]
    assert handlers, "the root logger has no handler with the redacting filter"
    sink = io.StringIO()
    old = [h.setStream(sink) for h in handlers if isinstance(h, logging.StreamHandler)]
    yield sink
    for handler, stream in zip(handlers, old, strict=False):
        if stream is not None:
            handler.setStream(stream)


@pytest.mark.django_db
def test_request_warnings_for_portal_and_calendar_links_carry_no_token(root_output):
    client = Client(raise_request_exception=False)
    client.get(f"/portal/{TOKEN}/")
    client.get(f"/ics/{TOKEN}.ics?token={TOKEN}")
    client.get("/api/v1/workspaces/", headers={"authorization": f"Bearer pvs_{TOKEN}"})
    written = root_output.getvalue()
    assert "/portal/[redacted]/" in written and "/ics/[redacted]" in written
    assert TOKEN not in written


def test_a_traceback_is_masked_too(root_output):
    try:
        raise ValueError(f"could not open /portal/{TOKEN}/")
    except ValueError:
        logging.getLogger("parvis.test").exception("failed")
    assert "failed" in root_output.getvalue() and TOKEN not in root_output.getvalue()

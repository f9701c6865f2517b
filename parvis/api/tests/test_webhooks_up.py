"""Webhooks in the real process: `parvis up` (web, dispatcher thread and huey workers) on
loopback. A manager adds an endpoint in the workspace settings and pauses publishing; the
background work delivers the signed `pause.started` to a loopback receiver, with nothing
called by hand."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator

import pytest
from standardwebhooks.webhooks import Webhook

from parvis.core.tests.test_up_links_and_secrets import Session
from parvis.testing.parvis_server import ParvisUp
from parvis.testing.scripted_server import Answer, ScriptedServer


@pytest.fixture(scope="module")
def parvis() -> Iterator[ParvisUp]:  # named so: conftest marks its tests slow and e2e
    with ParvisUp() as up:
        yield up


def test_a_pause_reaches_the_receiver_through_the_background_work(parvis):
    with ScriptedServer() as receiver:
        receiver.answer("/hook", Answer(204, body=b""))
        admin = Session(parvis.url)
        assert admin.post("/login/", {"username": parvis.admin_email, "password": parvis.admin_password}
                          ).status_code == 302
        created = admin.post("/workspaces/new/", {"name": "Boulangerie", "timezone": "Europe/Paris",
                                                  "language": "fr"})
        workspace = re.search(r"/w/(\d+)/", created.headers["location"]).group(1)
        page = admin.post(f"/w/{workspace}/webhooks/", {"url": receiver.url("/hook"),
                                                        "event_types": "pause.started", "active": "on"})
        assert page.status_code == 200
        secret = re.search(r"whsec_[A-Za-z0-9+/=]+", html.unescape(page.text)).group(0)
        assert admin.post(f"/w/{workspace}/pause/", {"reason": "Bad buzz", "confirm": "on"}).status_code == 302
        deadline = time.monotonic() + 30
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert receiver.received, parvis.log.read_text()[-2000:]
        request = receiver.received[0]
        headers = {k.lower(): v for k, v in request["headers"].items()}
        message = Webhook(secret).verify(request["body"], headers)
        assert message["type"] == "pause.started" and message["data"]["reason"] == "Bad buzz"
        assert message["data"]["link"].startswith(parvis.url)

"""A Facebook Page on the loopback fake of Meta's Graph API (`LocalMeta`), and a loopback
server serving the media Facebook downloads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from parvis.networks import graph
from parvis.networks.facebook.connector import SERVER_URL, FacebookConnector
from parvis.networks.models import SocialAccount
from parvis.testing.images import png_bytes
from parvis.testing.meta_server import LocalMeta
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.videos import mp4_bytes


@pytest.fixture
def meta(settings: Any) -> Iterator[LocalMeta]:
    with LocalMeta() as server:
        settings.PARVIS_META_GRAPH_URL = server.url
        settings.PARVIS_META_LOGIN_URL = server.url
        yield server
    graph._held.clear()  # usage holds are per process: none may reach the next test


@pytest.fixture
def files() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        server.answer("/a.png", Answer(200, {"Content-Type": "image/png"}, png_bytes()))
        server.answer("/v.mp4", Answer(200, {"Content-Type": "video/mp4"}, mp4_bytes()))
        yield server


@pytest.fixture
def page(meta: LocalMeta) -> Any:
    return meta.add_page("Boulangerie Dupont")


@pytest.fixture
def connector(page: Any) -> FacebookConnector:
    return FacebookConnector(SocialAccount(network="facebook", server_url=SERVER_URL, remote_id=page.id,
                                           handle=page.name, credentials={"access_token": page.token}))


@pytest.fixture
def wall_clock(meta: LocalMeta) -> Iterator[None]:
    """The fake's clock follows the real one (it moves only when told): for tests that run
    for minutes, whose posts' times are compared with real attempt times."""
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.1):
            meta.advance(time.time() - meta.now)

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()

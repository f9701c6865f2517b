"""An Instagram account on the loopback fake of Meta's Graph API (`LocalMeta`), and a
loopback server serving the media Instagram downloads (standing for the signed media
addresses the engine gives connectors that declare `media_by_url`)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from parvis.networks import graph
from parvis.networks.instagram.connector import SERVER_URL, InstagramConnector
from parvis.networks.models import SocialAccount
from parvis.testing.meta_server import LocalMeta
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.videos import mp4_bytes


def jpeg_bytes(size: tuple[int, int] = (80, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def meta(settings: Any) -> Iterator[LocalMeta]:
    with LocalMeta() as server:
        settings.PARVIS_META_GRAPH_URL = server.url
        settings.PARVIS_INSTAGRAM_GRAPH_URL = server.url
        settings.PARVIS_INSTAGRAM_API_URL = server.url
        yield server
    graph._held.clear()  # usage holds are per process: none may reach the next test


@pytest.fixture
def files() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        server.answer("/a.jpg", Answer(200, {"Content-Type": "image/jpeg"}, jpeg_bytes()))
        server.answer("/v.mp4", Answer(200, {"Content-Type": "video/mp4"}, mp4_bytes()))
        server.answer("/gone.jpg", Answer(403, {"Content-Type": "application/xml"}, b"<Error>expired</Error>"))
        yield server


@pytest.fixture
def ig(meta: LocalMeta) -> Any:
    """A professional account linked to a Page (Facebook Login: the Page's token)."""
    page = meta.add_page("Boulangerie")
    return meta.add_instagram_account("boulangerie", page=page)


def account_row(account: Any, token: str, login: str, **fields: Any) -> SocialAccount:
    credentials = {"access_token": token, "login": login}
    if account.page_id:
        credentials["page_id"] = account.page_id
    return SocialAccount(network="instagram", server_url=SERVER_URL, remote_id=account.id,
                         handle=f"@{account.username}", credentials=credentials, **fields)


@pytest.fixture
def connector(meta: LocalMeta, ig: Any) -> InstagramConnector:
    page = meta.pages[ig.page_id]
    return InstagramConnector(account_row(ig, page.token, "facebook"))


@pytest.fixture
def solo(meta: LocalMeta) -> Any:
    """A professional account connected with Instagram Login (its own token)."""
    return meta.add_instagram_account("atelier")


@pytest.fixture
def solo_connector(solo: Any) -> InstagramConnector:
    return InstagramConnector(account_row(solo, solo.token, "instagram"))


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

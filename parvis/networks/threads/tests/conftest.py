"""Fixtures of the Threads package's tests: the loopback fake (`LocalThreads`) with its
clock set to the real one (parvis reads `since` windows against its own clock), the
settings pointing at it, a connected account, and a server handing out media by URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.testing.images import png_bytes
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.threads_server import LocalThreads, ThreadsAccount
from parvis.testing.videos import mp4_bytes


@pytest.fixture
def threads() -> Iterator[LocalThreads]:
    with LocalThreads() as server:
        server.advance(time.time() - server.now)
        with override_settings(PARVIS_THREADS_API_URL=server.url, PARVIS_THREADS_CLIENT_ID=server.app_id,
                               PARVIS_THREADS_CLIENT_SECRET=server.app_secret,
                               PARVIS_THREADS_AUTHORIZE_URL="https://threads.example/oauth/authorize"):
            yield server


@pytest.fixture
def brand(threads: LocalThreads) -> ThreadsAccount:
    return threads.add_user("brand", name="Boulangerie Dupont")


def make_threads_account(people: dict[str, Any], brand: ThreadsAccount) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="threads", server_url="https://www.threads.com",
        remote_id=brand.id, handle=f"@{brand.username}",
        credentials={"access_token": brand.long_token, "user_id": brand.id},
        credentials_expire_at=timezone.now() + timedelta(days=60),
    )


@pytest.fixture
def threads_account(people: dict[str, Any], brand: ThreadsAccount) -> SocialAccount:
    return make_threads_account(people, brand)


@pytest.fixture
def media_host() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        for name in ("a", "b", "c"):
            server.answer(f"/{name}.png", Answer(200, {"Content-Type": "image/png"}, png_bytes()))
        server.answer("/clip.mp4", Answer(200, {"Content-Type": "video/mp4"}, mp4_bytes()))
        server.answer("/gone.png", Answer(404, body=b"not found"))
        yield server

"""Invariant 1 for Instagram: real `parvis worker` processes killed at every step of
publishing, including between a container's creation and its publishing ("after_step"),
against the fake (see parvis/publishing/tests/test_crash.py); in the end each post is on
the account once. The workers give the fake signed addresses under the live server; the
fake's clock follows the real one, to which the attempts' times are compared."""

from __future__ import annotations

import io
from typing import Any

import pytest

from parvis.core.http import override_policy
from parvis.networks.instagram.connector import SERVER_URL
from parvis.networks.instagram.tests.conftest import jpeg_bytes
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import Upload
from parvis.publishing.models import Post
from parvis.publishing.tests import test_crash
from parvis.testing.scripted_server import LoopbackPorts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_instagram_posts_exist_once_after_workers_are_killed_at_every_step(
        tmp_path, people, meta, ig, live_server, settings, monkeypatch, wall_clock):
    port = int(live_server.url.rsplit(":", 1)[1])
    base = f"http://127.0.0.1:{port}"
    settings.PARVIS_BASE_URL = base
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="instagram", server_url=SERVER_URL, remote_id=ig.id,
        handle=f"@{ig.username}", credentials={"access_token": meta.pages[ig.page_id].token, "login": "facebook",
                                               "page_id": ig.page_id})
    schedule = test_crash.schedule

    def with_image(*args: Any, **kwargs: Any) -> Post:  # Instagram needs media: each post has the same image
        data = jpeg_bytes()
        return schedule(*args, uploads=(Upload("miche.jpg", io.BytesIO(data), len(data), "Une miche"),), **kwargs)

    monkeypatch.setattr(test_crash, "schedule", with_image)
    # With a network's latency, "during the call" kills land inside the call (the fake alone answers in a millisecond).
    meta.latency = 0.05
    with override_policy(LoopbackPorts(port, meta.port)):
        test_crash.crash_and_check(
            tmp_path, people, account, lambda: [m.caption for m in meta.media.values()], window=0.05,
            steps=(*test_crash.STEPS, "after_step"), rates={"before_call": 0.05, "during_call": 0.1},
            env={"PARVIS_META_GRAPH_URL": meta.url, "PARVIS_BASE_URL": base})

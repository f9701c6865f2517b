"""Invariant 1 for a Facebook Page: real `parvis worker` processes killed at every step of
publishing (see parvis/publishing/tests/test_crash.py), against the fake; in the end each
post is on the Page once (the fake's clock follows the real one, to which the attempts'
times are compared)."""

from __future__ import annotations

import pytest

from parvis.networks.facebook.connector import SERVER_URL
from parvis.networks.models import SocialAccount
from parvis.publishing.tests.test_crash import crash_and_check

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_page_posts_exist_once_after_workers_are_killed_at_every_step(tmp_path, people, meta, page, wall_clock):
    account = SocialAccount.objects.create(workspace=people["workspace"], network="facebook", server_url=SERVER_URL,
                                           remote_id=page.id, handle=page.name,
                                           credentials={"access_token": page.token})
    # With a network's latency, "during the call" kills land inside the call (the fake alone answers in a millisecond).
    meta.latency = 0.05
    crash_and_check(tmp_path, people, account, lambda: [p.message for p in meta.posts.values()], window=0.05,
                    env={"PARVIS_META_GRAPH_URL": meta.url})

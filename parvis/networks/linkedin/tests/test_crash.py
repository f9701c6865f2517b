"""Invariant 1 on LinkedIn, the hard way (see parvis/publishing/tests/test_crash.py): real
`parvis worker` processes, racing each other, kill themselves before, during and after
the call that creates the post; in the end each post is on the fake exactly once (a lost
answer is settled by the author's posts, LinkedIn having no idempotency key)."""

from __future__ import annotations

import pytest

from parvis.publishing.tests.test_crash import crash_and_check

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # huey workers in subprocesses


def test_linkedin_posts_exist_once_after_workers_are_killed_at_every_step(tmp_path, people, linkedin, shop, page):
    # The fake answers in a millisecond: with a network's latency, "during the call" kills
    # land inside the call (as they do on the real API, which takes far longer).
    linkedin.latency = 0.1
    crash_and_check(tmp_path, people, page, lambda: [p.shown for p in linkedin.live_posts(shop.urn)],
                    window=0.1, env={"PARVIS_LINKEDIN_API_URL": linkedin.url,
                                      "PARVIS_LINKEDIN_OAUTH_URL": linkedin.url})

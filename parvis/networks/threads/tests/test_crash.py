"""Invariant 1 on Threads, the hard way (see parvis/publishing/tests/test_crash.py): real
`parvis worker` processes, racing each other, kill themselves before, during and after
each call, and between a container's creation and its publishing; in the end each post is
on the fake exactly once."""

from __future__ import annotations

import pytest

from parvis.publishing.tests.test_crash import STEPS, crash_and_check

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # huey workers in subprocesses


def test_threads_posts_exist_once_after_workers_are_killed_at_every_step(tmp_path, people, threads, brand,
                                                                         threads_account):
    threads.polls_until_finished = 1  # every container is processing once: Pending under the chaos too
    # With a network's latency, "during the call" kills land inside the call (the fake alone answers in a millisecond).
    threads.latency = 0.05
    crash_and_check(tmp_path, people, threads_account, lambda: [m.text for m in threads.posts_of(brand.id)],
                    window=0.05, steps=(*STEPS, "after_step"), rates={"before_call": 0.05, "during_call": 0.1},
                    env={"PARVIS_THREADS_API_URL": threads.url},
                    options={"reply_control": "followers_only"})

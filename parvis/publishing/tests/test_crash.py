"""Invariant 1, proven the hard way: two real `parvis worker` processes, racing each
other, SIGKILL themselves at every step of publishing (before the network call, during it, after the network
accepted but before we recorded it), are restarted, again and again, and in the end every
post exists exactly once on the server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import schedule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # huey workers in subprocesses
POSTS = 30
STEPS = ("before_call", "during_call", "after_call")
DEADLINE = 240.0
CHAOS_RESTARTS = 20
MAX_CHAOS_RESTARTS = 45


def worker_env(tmp_path: Path, crashpoints: str, window: float) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parvis.settings"}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env.update(
        PARVIS_HUEY_NAME=f"crash-{uuid.uuid4().hex[:8]}", PARVIS_HUEY_FILE=str(tmp_path / "huey.sqlite3"),
        PARVIS_TEST_CRASHPOINTS=crashpoints, PARVIS_PUBLISH_LEASE_SECONDS="2", PARVIS_DISPATCH_INTERVAL="0.2",
        # A killed worker's lease outlives the longest call it may have been making (two
        # requests of PARVIS_HTTP_TOTAL_TIMEOUT each, plus a margin): kept short here so
        # that the chaos settles in a minute or two.
        PARVIS_HTTP_TIMEOUT="3", PARVIS_HTTP_TOTAL_TIMEOUT="2", PARVIS_WORKERS="4", PARVIS_LOG_LEVEL="WARNING",
        PARVIS_TEST_CRASH_WINDOW=str(window),
        # Up to MAX_CHAOS_RESTARTS kills, each taking every in-flight attempt: more than the
        # default attempt limit may die for one post, and giving up is not under test here.
        PARVIS_PUBLISH_MAX_ATTEMPTS="40",
    )
    return env


def run_until_done(
    tmp_path: Path, publication_ids: list[int], crashpoints: str, window: float, workers: int = 2,
    env: dict[str, str] | None = None, steps: tuple[str, ...] = STEPS,
) -> tuple[int, Counter[str]]:
    """Run `workers` worker processes at once, restarting each one that dies, until every
    publication is settled. Two at once: they also race each other for the same rows."""
    env = {**worker_env(tmp_path, crashpoints, window), **(env or {})}
    log = tmp_path / "worker.log"
    restarts, launches, started = 0, 0, time.monotonic()
    processes: list[subprocess.Popen[bytes] | None] = [None] * workers
    try:
        with log.open("ab") as sink:
            while time.monotonic() - started < DEADLINE:
                for slot, process in enumerate(processes):
                    if process is None or process.poll() is not None:
                        restarts += process is not None
                        env["PARVIS_TEST_CRASHPOINTS"] = next_plan(crashpoints, launches, restarts,
                                                                   crashes_in(log), steps)
                        processes[slot] = subprocess.Popen([sys.executable, "-m", "parvis", "worker"],
                                                           env=env, stdout=sink, stderr=sink)
                        launches += 1
                pending = Publication.objects.filter(pk__in=publication_ids).exclude(
                    state__in=[State.PUBLISHED, State.FAILED]).count()
                if pending == 0:
                    break
                time.sleep(0.2)
    finally:
        for process in processes:
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
    return restarts, crashes_in(log)


def next_plan(crashpoints: str, launches: int, restarts: int, crashed: Counter[str],
              steps: tuple[str, ...]) -> str:
    """The kills the next worker is given. The first workers each die for sure at one step,
    in turn (`step:1`): every step is crashed at least once whatever the luck, while most
    posts are still to publish. Then the test's random kills, until CHAOS_RESTARTS; past
    it, only the steps not crashed yet stay armed (a kill at an early step takes every
    in-flight job, so the later steps are reached less often). Once every step crashed (or
    after MAX_CHAOS_RESTARTS), none: the rest settles. Otherwise a post whose every attempt
    is killed is rightly given up on, which is not under test here."""
    if launches < len(steps):
        return f"{steps[launches]}:1"
    missing = [step for step in steps if not crashed[step]]
    if restarts >= MAX_CHAOS_RESTARTS or (restarts >= CHAOS_RESTARTS and not missing):
        return ""
    if restarts < CHAOS_RESTARTS:
        return crashpoints
    return ",".join(rule for rule in crashpoints.split(",") if rule.split(":")[0] in missing)


def crashes_in(log: Path) -> Counter[str]:
    """How many times each step crashed, from the line each worker says before dying."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return Counter(line.split()[1] for line in text.splitlines() if line.startswith("parvis-crashpoint "))


def assert_each_once(texts_on_server: list[str], expected: list[str]) -> None:
    counts = Counter(texts_on_server)
    assert sorted(counts) == sorted(expected), "a post is missing (or unknown) on the server"
    assert {t: n for t, n in counts.items() if n > 1} == {}, "a post was published twice"


def crash_and_check(
    tmp_path: Path, people: dict[str, Any], account: Any, texts_on_server: Any, window: float,
    steps: tuple[str, ...] = STEPS, env: dict[str, str] | None = None, options: dict[str, Any] | None = None,
    rates: dict[str, float] | None = None,
) -> None:
    """Schedule POSTS posts on `account`, run crashing workers until all are settled, and
    check each is on the server once. Networks that publish in steps add "after_step"
    (killed between a container's creation and its publishing); `env` points the
    workers at a fake's address; `options` are the posts' network options; `rates` the
    chance of a kill at a step (0.2 unless said: a network that polls a container goes
    through "before_call" at every poll, and needs it rarer to reach the later steps)."""
    run = uuid.uuid4().hex[:6]
    texts = [f"Crash test {run} n°{i}" for i in range(POSTS)]
    posts = [schedule(people["workspace"], people["owner"], [account], t,
                      options={account.network: options} if options else None) for t in texts]
    ids = [post.publications.get().pk for post in posts]
    plan = ",".join(f"{step}:{(rates or {}).get(step, 0.2)}" for step in steps)
    restarts, crashes = run_until_done(tmp_path, ids, plan, window,
                                       env=env, steps=steps)
    states = Counter(Publication.objects.filter(pk__in=ids).values_list("state", flat=True))
    assert states == {State.PUBLISHED: POSTS}, (states, (tmp_path / "worker.log").read_text()[-3000:])
    assert restarts >= 3 and all(crashes[step] >= 1 for step in steps), (restarts, crashes)
    assert_each_once(texts_on_server(), texts)
    remote_ids = list(Publication.objects.filter(pk__in=ids).values_list("remote_id", flat=True))
    assert len(set(remote_ids)) == POSTS


def test_mastodon_posts_exist_once_after_workers_are_killed_at_every_step(
    tmp_path, people, mastodon_server, mastodon_account
):
    from parvis.networks.mastodon.connector import plain_text

    account, local = mastodon_account
    # Slow the server down a little so that "during the call" crashes land inside it.
    rule = mastodon_server.add_fault({"type": "latency", "delay_ms": 150}, count=None)
    try:
        crash_and_check(tmp_path, people, account,
                        lambda: [plain_text(s["content"]) for s in mastodon_server.statuses_of(local)],
                        window=0.3)
    finally:
        mastodon_server.clear_faults()
        del rule


def test_bluesky_posts_exist_once_after_workers_are_killed_at_every_step(
    tmp_path, people, pds_server, bluesky_account
):
    account, _ = bluesky_account
    crash_and_check(tmp_path, people, account,
                    lambda: [p["value"]["text"] for p in pds_server.list_posts(account.remote_id)],
                    window=0.03)  # the local PDS answers in a few milliseconds

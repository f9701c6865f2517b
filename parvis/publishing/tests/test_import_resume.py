"""A CSV import survives the death of the worker running it: real `parvis worker`
processes are killed (SIGKILL) after a chunk and in the middle of one, the next worker
picks the batch up once the dead run's lease has run out, and in the end every row is a
post exactly once."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing import importer
from parvis.publishing.models import ImportBatch, Post
from parvis.publishing.tests.test_crash import crashes_in, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # huey workers in subprocesses
ROWS, CHUNK = 40, 10
DEADLINE = 90.0


def checked_batch(people: dict[str, Any]) -> ImportBatch:
    SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    day = (timezone.now() + timedelta(days=10)).date()
    lines = ["date,time,timezone,text,accounts,media,campaign,labels"]
    lines += [f"{day},{10 + i // 60:02d}:{i % 60:02d},,Ligne {i},brand.bsky.social,,," for i in range(ROWS)]
    raw = ("\n".join(lines) + "\n").encode()
    batch = importer.validate(people["workspace"], io.BytesIO(raw), user=people["editor"], filename="plan.csv")
    assert batch.valid_rows == ROWS
    return batch


def run_worker(env: dict[str, str], log: Path, batch: ImportBatch, crashpoints: str) -> int | None:
    """One worker with these crash points, until it dies or the batch is done; returns
    its exit code (None: still alive when the batch was done, then stopped)."""
    env = {**env, "PARVIS_TEST_CRASHPOINTS": crashpoints}
    with log.open("ab") as sink:
        process = subprocess.Popen([sys.executable, "-m", "parvis", "worker"], env=env, stdout=sink, stderr=sink)
    started = time.monotonic()
    try:
        while time.monotonic() - started < DEADLINE:
            if process.poll() is not None:
                return process.returncode
            batch.refresh_from_db()
            if batch.status == ImportBatch.Status.DONE:
                return None
            time.sleep(0.2)
        raise AssertionError(f"worker still busy after {DEADLINE}s: {log.read_text()[-3000:]}")
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def test_an_import_whose_worker_is_killed_is_resumed_and_creates_each_post_once(tmp_path, people):
    batch = checked_batch(people)
    # What the issue saw: the batch is "importing" and its job was already taken off
    # huey's queue by a worker that died before running it.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IMPORTING)
    env = worker_env(tmp_path, "", window=0.1)
    env.update(PARVIS_IMPORT_LEASE_SECONDS="2", PARVIS_IMPORT_CHUNK_ROWS=str(CHUNK))
    log = tmp_path / "worker.log"

    # Killed right after its first chunk was committed.
    assert run_worker(env, log, batch, "import_chunk:1") == -signal.SIGKILL
    assert Post.objects.count() == CHUNK
    # Killed in the middle of a chunk: that chunk is rolled back whole.
    assert run_worker(env, log, batch, "import_row:0.4") == -signal.SIGKILL
    assert Post.objects.count() % CHUNK == 0 and Post.objects.count() < ROWS
    # Left alone, the next worker finishes it.
    run_worker(env, log, batch, "")

    batch.refresh_from_db()
    assert (batch.status, batch.created_posts, batch.processed_rows) == ("done", ROWS, ROWS), batch.error
    texts = Counter(Post.objects.values_list("text", flat=True))
    assert texts == Counter({f"Ligne {i}": 1 for i in range(ROWS)})
    post_ids = [row["post"] for row in batch.rows]
    assert len(set(post_ids)) == ROWS and set(post_ids) == set(Post.objects.values_list("pk", flat=True))
    crashes = crashes_in(log)
    assert crashes["import_chunk"] == 1 and crashes["import_row"] == 1, crashes
    assert batch.lease_token == "" and batch.lease_expires_at is None

"""bench/import_csv: a CSV of N rows (default 10,000) checked and imported by parvis, next
to a baseline in the same run: the bare work any importer must do on the same file.

    .venv/bin/python -m bench.import_csv [--rows 10000] [--accounts 2] [--repeat 3] [--json results.json]

* parvis: `importer.validate` (decode, sniff, every row through `check_post` with the
  composer's rules) then `importer.run_import` (every row checked again, `save_post` per
  row, 200 rows per transaction, progress recorded on the batch).
* baseline: `csv.reader` + `datetime.strptime` + zone conversion of the same file (the
  floor for "validate"), then `Post.objects.bulk_create` + `Publication.objects.bulk_create`
  of the same rows, 200 per transaction (the floor for "import": no validation, no per-row
  work). Both the baseline and parvis run `--repeat` times, alternating, on one fresh
  SQLite database (posts are deleted between runs); the ratio is against the mean baseline.

It runs Django in-process on a fresh data folder (SQLite, `parvis.settings`); nothing
reaches the network (validation reads the accounts' cached limits only).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TARGET_VALIDATE_SECONDS = 30.0
CHUNK = 200


def make_csv(rows: int, handles: list[str]) -> bytes:
    """Rows spread over next year, every one valid, all accounts each (as a plan is)."""
    year = datetime.now(UTC).year + 1
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["date", "heure", "fuseau", "texte", "comptes", "médias", "campagne", "étiquettes"])
    for i in range(rows):
        writer.writerow([f"{1 + i % 28:02d}/{1 + i % 12:02d}/{year}", f"{i % 24:02d}:{i % 60:02d}",
                         "Europe/Paris" if i % 3 else "", f"Fournée n°{i} : pain, croissants et brioches. "
                         f"#boulangerie #{i % 50}", " | ".join(handles), "", "", "pain" if i % 2 else ""])
    return out.getvalue().encode("utf-8")


def setup_django(data_dir: Path) -> None:
    os.environ.update(PARVIS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="parvis.settings",
                      PARVIS_LOG_LEVEL="WARNING", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(accounts: int) -> tuple[Any, Any, list[Any]]:
    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.networks.models import SocialAccount

    owner = User.objects.create_user("bench@parvis.test", "pw-bench-123")
    workspace = create_workspace(create_organisation("Bench", owner), "Boulangerie", owner, "Europe/Paris", "fr")
    made = []
    for i in range(accounts):
        if i % 2:
            made.append(SocialAccount.objects.create(
                workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id=f"did:plc:{i}",
                handle=f"@brand{i}.bsky.social", credentials={"identifier": f"brand{i}", "app_password": "x"}))
        else:
            made.append(SocialAccount.objects.create(
                workspace=workspace, network="mastodon", server_url="https://example.social", remote_id=str(i),
                handle=f"@brand{i}@example.social", credentials={"access_token": "x"}))
    return owner, workspace, made


def baseline(raw: bytes, workspace: Any, owner: Any, accounts: list[Any]) -> dict[str, float]:
    from django.db import transaction

    from parvis.publishing.models import Post, Publication, State

    started = time.perf_counter()
    text = raw.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    next(reader)
    parsed = []
    for cells in reader:
        tz = ZoneInfo(cells[2] or "Europe/Paris")
        when = datetime.strptime(f"{cells[0]} {cells[1]}", "%d/%m/%Y %H:%M").replace(tzinfo=tz)
        parsed.append((cells[3], when))
    parse_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for start in range(0, len(parsed), CHUNK):
        with transaction.atomic():
            posts = Post.objects.bulk_create([
                Post(workspace=workspace, author=owner, text=text, scheduled_at=when, schedule_timezone="Europe/Paris")
                for text, when in parsed[start:start + CHUNK]])
            Publication.objects.bulk_create([
                Publication(post=post, account=account, state=State.SCHEDULED, due_at=post.scheduled_at,
                            next_attempt_at=post.scheduled_at) for post in posts for account in accounts])
    return {"validate": parse_seconds, "import": time.perf_counter() - started}


def parvis_run(raw: bytes, workspace: Any, owner: Any) -> dict[str, Any]:
    from parvis.publishing import importer

    started = time.perf_counter()
    batch = importer.validate(workspace, io.BytesIO(raw), user=owner, filename="bench.csv")
    validate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    importer.run_import(batch)
    import_seconds = time.perf_counter() - started
    batch.refresh_from_db()
    return {"validate": validate_seconds, "import": import_seconds, "status": batch.status,
            "valid_rows": batch.valid_rows, "created": batch.created_posts}


def clear_posts() -> None:
    from parvis.publishing.models import ImportBatch, Post

    Post.objects.all().delete()
    ImportBatch.objects.all().delete()


def report(rows: int, bases: list[dict[str, float]], runs: list[dict[str, Any]]) -> list[str]:
    print()
    print(f"bench/import_csv — {rows} rows, SQLite, {os.cpu_count()} CPUs; rows/s (higher is better)")
    print()
    header = (f"{'run':<22}{'validate r/s':>14}{'× base':>9}{'import r/s':>12}{'× base':>9}"
              f"{'validate s':>12}{'import s':>10}")
    print(header)
    print("-" * len(header))
    base = {step: rows / statistics.mean(b[step] for b in bases) for step in ("validate", "import")}
    for i, b in enumerate(bases, 1):
        print(f"{f'baseline #{i}':<22}{rows / b['validate']:>14.0f}{'':>9}{rows / b['import']:>12.0f}{'':>9}"
              f"{b['validate']:>12.2f}{b['import']:>10.2f}")
    for i, r in enumerate(runs, 1):
        v, m = rows / r["validate"], r["created"] / r["import"]
        print(f"{f'parvis #{i}':<22}{v:>14.0f}{v / base['validate']:>9.3f}{m:>12.0f}{m / base['import']:>9.3f}"
              f"{r['validate']:>12.2f}{r['import']:>10.2f}")
    print()
    print("baseline validate = csv.reader + strptime + zone; baseline import = bulk_create of posts and "
          f"publications, {CHUNK} rows per transaction. Ratios are against the mean baseline.")
    missed = [f"parvis #{i}: validation took {r['validate']:.1f} s > {TARGET_VALIDATE_SECONDS:g} s"
              for i, r in enumerate(runs, 1) if r["validate"] > TARGET_VALIDATE_SECONDS]
    missed += [f"parvis #{i}: {r['created']} of {rows} rows created ({r['status']})"
               for i, r in enumerate(runs, 1) if r["created"] != rows]
    print("targets missed:" if missed else f"all targets met (validation < {TARGET_VALIDATE_SECONDS:g} s, "
          "every row created once).")
    for line in missed:
        print(f"  - {line}")
    return missed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_csv", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=2, help="accounts per row (Mastodon and Bluesky, alternating)")
    parser.add_argument("--repeat", type=int, default=2, help="baseline and parvis runs, alternating")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)

    import shutil

    data_dir = Path(tempfile.mkdtemp(prefix="parvis-bench-import-"))
    try:
        setup_django(data_dir)
        owner, workspace, accounts = world(args.accounts)
        raw = make_csv(args.rows, [f"{a.network}:{a.handle}" for a in accounts])
        print(f"{args.rows} rows, {len(raw) / 1024 / 1024:.1f} MB, {args.accounts} accounts per row", flush=True)
        bases, runs = [], []
        for i in range(args.repeat):
            bases.append(baseline(raw, workspace, owner, accounts))
            clear_posts()
            runs.append(parvis_run(raw, workspace, owner))
            clear_posts()
            print(f"  round {i + 1}: baseline {bases[-1]['validate']:.2f} + {bases[-1]['import']:.2f} s, parvis "
                  f"{runs[-1]['validate']:.2f} + {runs[-1]['import']:.2f} s", flush=True)
        missed = report(args.rows, bases, runs)
        if args.json:
            args.json.write_text(json.dumps({"rows": args.rows, "baselines": bases, "runs": runs}, indent=2))
        sys.exit(1 if missed else 0)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

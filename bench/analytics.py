"""bench/analytics: the analytics pages at an agency's scale (issue 15), p50/p95 time.

    .venv/bin/python -m bench.analytics [--workspaces 30] [--accounts 4] [--days 365] [--per-day 3.81]
                                        [--snapshots 6] [--requests 20] [--queries] [--db sqlite|postgres]

An agency: `--workspaces` clients, each with `--accounts` accounts (Mastodon and Bluesky in
turn, rows as `parvis.testing.factories.make_account` makes them; no network is reached),
each account having published `--per-day` posts a day over the last `--days` days, every
post with its latest figures and `--snapshots` readings (PostSnapshot), the accounts' daily
follower counts, and the daily roll-up rebuilt (`parvis.testing.analytics_history`). With
the defaults: 120 accounts × 1,390 posts × 6 readings = 1,000,800 snapshots. Measured
through Django's test client in-process, signed in as the owner of every workspace:

* a client's dashboard over 30 days (the default) and over 90 days;
* the agency's dashboard (every client side by side) over 30 days;
* best time to post for the client's first account;
* the API's dashboard of a client over 30 days.

Baseline, same process, same run: the notifications page (an authenticated page of the
same layout with next to nothing in it). Target: p95 ≤ 150 ms for each dashboard page.
`--queries` also prints, per page, how many SQL queries one request makes and their time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import drop_database, page_times, setup_django

TARGET_MS = 150.0


def _seed(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    from django.utils import timezone

    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.analytics import collect
    from parvis.testing import analytics_history
    from parvis.testing.factories import make_account

    # Time the roll-up apart from the bulk inserts: seed_history calls collect.rebuild.
    rebuild, spent = collect.rebuild, [0.0]

    def timed_rebuild(account: Any) -> int:
        started = time.perf_counter()
        try:
            return rebuild(account)
        finally:
            spent[0] += time.perf_counter() - started

    collect.rebuild = timed_rebuild  # type: ignore[assignment]
    owner = User.objects.create_user("bench@agence.test", "pw-bench-123")
    organisation = create_organisation("Agence", owner)
    now = timezone.now()
    workspaces = []
    started = time.perf_counter()
    total = 0
    try:
        for n in range(args.workspaces):
            workspace = create_workspace(organisation, f"Client {n + 1}", owner, "Europe/Paris", "fr")
            accounts = [make_account(workspace, network, remote_id=f"{network}-{n}-{a}",
                                     handle=f"@client{n}a{a}")
                        for a, network in ((a, ("mastodon", "bluesky")[a % 2]) for a in range(args.accounts))]
            before, rolled = time.perf_counter(), spent[0]
            total += analytics_history.seed_history(workspace, accounts, days=args.days, posts_per_day=args.per_day,
                                                    now=now, snapshots_per_post=args.snapshots, seed=n)
            took = time.perf_counter() - before
            print(f"  workspace {n + 1:3}/{args.workspaces}: {total:9,} snapshots   {took:5.1f} s "
                  f"(roll-up {spent[0] - rolled:4.1f} s)   elapsed {time.perf_counter() - started:6.1f} s",
                  flush=True)
            workspaces.append(workspace)
    finally:
        collect.rebuild = rebuild  # type: ignore[assignment]
    print(f"bulk inserts {time.perf_counter() - started - spent[0]:.1f} s, roll-up rebuilds {spent[0]:.1f} s")
    return owner, workspaces


def _queries(client: Any, url: str) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    spent = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
    line = f"{len(captured.captured_queries):4} queries, {spent:7.1f} ms in SQL"
    if slowest is not None:
        line += f"; slowest {float(slowest['time']) * 1000:.1f} ms: {slowest['sql'][:300]}"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=30)
    parser.add_argument("--accounts", type=int, default=4, help="per workspace")
    parser.add_argument("--days", type=int, default=365, help="of published history")
    parser.add_argument("--per-day", type=float, default=3.81, help="posts per account and day")
    parser.add_argument("--snapshots", type=int, default=6, help="readings per post")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--queries", action="store_true", help="print each page's SQL query count and time")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    dbname = setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-analytics-")), args.db,
                          PARVIS_ALLOWED_HOSTS="testserver")
    try:
        from django.db import connection
        from django.test import Client

        from parvis.analytics.models import DailyFigures, PostFigures, PostSnapshot

        started = time.perf_counter()
        print(f"seeding {args.workspaces} workspaces × {args.accounts} accounts, {args.days} days × "
              f"{args.per_day} posts a day, {args.snapshots} readings a post ({args.db})", flush=True)
        owner, workspaces = _seed(args)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        snapshots = PostSnapshot.objects.count()
        took = timedelta(seconds=int(time.perf_counter() - started))
        print(f"seeded {snapshots:,} snapshots of {PostFigures.objects.count():,} posts "
              f"({DailyFigures.objects.count():,} roll-up days) in {took} ({args.db})")
        client = Client()
        client.force_login(owner)
        ws = workspaces[0].pk
        pages = [
            ("baseline: notifications", "/notifications/"),
            ("dashboard, 30 days", f"/w/{ws}/analytics/"),
            ("dashboard, 90 days", f"/w/{ws}/analytics/?days=90"),
            ("agency, 30 days", "/analytics/"),
            ("best times", f"/w/{ws}/analytics/best-times/"),
            ("API dashboard, 30 days", f"/api/v1/workspaces/{ws}/analytics/dashboard/"),
        ]
        base = None
        print(f"{'page':30} {'p50 ms':>8} {'p95 ms':>8} {'× base':>7}  p95 ≤ {TARGET_MS:.0f} ms")
        for label, url in pages:
            client.get(url)  # warm
            p50, p95 = page_times(client, url, args.requests)
            base = base or p50
            verdict = "" if label.startswith("baseline") else ("yes" if p95 <= TARGET_MS else "NO")
            print(f"{label:30} {p50:8.1f} {p95:8.1f} {p50 / base:7.1f}  {verdict}", flush=True)
        if args.queries:
            for label, url in pages:
                print(f"{label:30} {_queries(client, url)}")
        print(f"({snapshots:,} snapshots, {args.db})")
        return 0
    finally:
        drop_database(dbname)


if __name__ == "__main__":
    sys.exit(main())

"""bench/report: the client report (the bilan) in PDF, PowerPoint and Excel, one brand's and
an agency's night of them (issue 16).

    .venv/bin/python -m bench.report [--brands 100] [--posts 300] [--days 30] [--snapshots 4]
                                     [--repeat 5] [--requests 20] [--threads 1[,2…]] [--queries] [--profile]
                                     [--db sqlite|postgres]

An agency of `--brands` clients (workspaces, Europe/Paris, French). Client k has 4 − k mod 4
accounts (Mastodon and Bluesky in turn; the first client has 4, and there are as many of
each size), which between them published `--posts` posts over the `--days` days before the
end of last month (`parvis.testing.analytics_history.seed_history`: each post with its
latest figures and `--snapshots` readings, a follower count a day per account, the daily
roll-up rebuilt). No competitors, no inbox: those sections say there is nothing.

The report is last month's (`report.period_before("month", today)`), built "now", as
`report.make(workspace, period, now, formats_=("pdf", "pptx", "xlsx"), language="fr")`
builds it, in this process:

1. **One brand** (the first client: 4 accounts): a first, cold build (what the first report
   of a fresh worker pays: fonts, imports), then `--repeat` rounds, each timing the steps
   of `make` one by one (`gather`, `draft_commentary`, `compose`, then `draw` of each format
   alone) and then `make` itself. Min and median over the rounds. Target: the three
   files in ≤ 5 s.
2. **The night**: every client's report (`make`, three formats), one after the other in
   one process (`--threads 2`: two at a time, threads of this process, as the thread
   workers of one `parvis worker` run jobs; `--threads 1,2`: a night of each). Target:
   100 clients in ≤ 10 minutes.

Baseline, same process, same run: the notifications page through Django's test client,
signed in (p50 of `--requests` GETs); ratios (× base) are against its measure before the
builds, and it is measured again after them to show the noise. `--queries` prints the SQL
of `gather` for the first client; `--profile`, cProfile's top entries (cumulative, then own
time) for one more build of the first client's report.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from bench.common import drop_database, page_times, setup_django

FORMATS = ("pdf", "pptx", "xlsx")
ONE_TARGET_S = 5.0
NIGHT_TARGET_S = 600.0
MAGIC = {"pdf": b"%PDF", "pptx": b"PK", "xlsx": b"PK"}


def _seed(args: argparse.Namespace, period: Any) -> tuple[Any, list[Any]]:
    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.testing import analytics_history
    from parvis.testing.factories import make_account

    owner = User.objects.create_user("bench@agence.test", "pw-bench-123")
    organisation = create_organisation("Agence", owner)
    workspaces: list[Any] = []
    started = time.perf_counter()
    snapshots = posts = 0
    for n in range(args.brands):
        workspace = create_workspace(organisation, f"Client {n + 1}", owner, "Europe/Paris", "fr")
        count = 4 - n % 4
        accounts = [make_account(workspace, ("mastodon", "bluesky")[a % 2], remote_id=f"acct-{n}-{a}",
                                 handle=f"@client{n}a{a}") for a in range(count)]
        # The posts end with last month, in the client's zone: all of them are in the report.
        end = datetime.combine(period.end + timedelta(days=1), day_time(), tzinfo=workspace.tz).astimezone(UTC)
        per_day = args.posts / count / args.days + 1e-9  # seed_history makes int(days × per_day) per account
        snapshots += analytics_history.seed_history(workspace, accounts, days=args.days, posts_per_day=per_day,
                                                    now=end, snapshots_per_post=args.snapshots, seed=n)
        posts += count * int(args.days * per_day)
        workspaces.append(workspace)
        if (n + 1) % 10 == 0 or n + 1 == args.brands:
            print(f"  seeded {n + 1:4}/{args.brands} clients: {posts:7,} posts, {snapshots:8,} snapshots   "
                  f"elapsed {time.perf_counter() - started:6.1f} s", flush=True)
    return owner, workspaces


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (every core, from /proc/stat)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _baseline(client: Any, requests: int) -> float:
    client.get("/notifications/")  # warm
    return page_times(client, "/notifications/", requests)[0]


def _check(files: dict[str, bytes]) -> None:
    assert sorted(files) == sorted(FORMATS), sorted(files)
    for name, data in files.items():
        assert data.startswith(MAGIC[name]), (name, data[:8])


def _steps(workspace: Any, period: Any, now: datetime) -> dict[str, float]:
    """One build, step by step as `report.make` does it; seconds per step."""
    from parvis.analytics import report

    times: dict[str, float] = {}
    started = time.perf_counter()
    figures = report.gather(workspace, period, now)
    times["gather"] = time.perf_counter() - started
    started = time.perf_counter()
    words = report.draft_commentary(figures, "fr")
    times["draft_commentary"] = time.perf_counter() - started
    started = time.perf_counter()
    slides = report.compose(figures, report.check_sections(report.SECTIONS), words, "fr")
    times["compose"] = time.perf_counter() - started
    files = {}
    for name in FORMATS:
        started = time.perf_counter()
        files.update(report.draw(slides, [name]))
        times[f"draw {name}"] = time.perf_counter() - started
    _check(files)
    times["sum of the steps"] = sum(times.values())
    return times


def _make(workspace: Any, period: Any, now: datetime) -> dict[str, bytes]:
    from parvis.analytics import report

    files = report.make(workspace, period, now, formats_=FORMATS, language="fr")
    _check(files)
    return files


def _one_brand(args: argparse.Namespace, workspace: Any, period: Any, now: datetime, base_ms: float) -> None:
    started = time.perf_counter()
    files = _make(workspace, period, now)
    cold = time.perf_counter() - started
    sizes = ", ".join(f"{name} {len(data) / 1024:,.0f} kB" for name, data in files.items())
    print(f"first build (cold: fonts, imports): {cold:.2f} s   ({sizes})")
    rounds: list[dict[str, float]] = []
    for _ in range(args.repeat):
        steps = _steps(workspace, period, now)
        started = time.perf_counter()
        _make(workspace, period, now)
        steps["make(), three formats"] = time.perf_counter() - started
        rounds.append(steps)
    print(f"{'step':26} {'min s':>7} {'median s':>9} {'× base':>8}   ({args.repeat} rounds; base = "
          f"{base_ms:.1f} ms)")
    for step in rounds[0]:
        values = [r[step] for r in rounds]
        median = statistics.median(values)
        verdict = ""
        if step.startswith("make"):
            verdict = f"   ≤ {ONE_TARGET_S:.0f} s: {'yes' if median <= ONE_TARGET_S else 'NO'}"
        print(f"{step:26} {min(values):7.3f} {median:9.3f} {median * 1000 / base_ms:8.1f}{verdict}", flush=True)


def _night(threads: int, workspaces: list[Any], period: Any, now: datetime, base_ms: float) -> None:
    from django.db import connection

    times: list[float] = [0.0] * len(workspaces)
    done = [0]
    lock = threading.Lock()
    started = time.perf_counter()
    cpu_started, busy_started = time.process_time(), _machine_busy()

    def build(index: int) -> None:
        began = time.perf_counter()
        try:
            _make(workspaces[index], period, now)
        finally:
            if threads > 1:
                connection.close()  # this thread's own connection
        times[index] = time.perf_counter() - began
        with lock:
            done[0] += 1
            if done[0] % 10 == 0 or done[0] == len(workspaces):
                elapsed = time.perf_counter() - started
                print(f"  built {done[0]:4}/{len(workspaces)} clients' reports   elapsed {elapsed:6.1f} s   "
                      f"({elapsed / done[0]:.2f} s a client)", flush=True)

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(build, range(len(workspaces))))
    else:
        for index in range(len(workspaces)):
            build(index)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    others = max(0.0, _machine_busy() - busy_started - cpu)
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"the night: {len(workspaces)} clients × {len(FORMATS)} formats in {wall:.1f} s "
          f"({timedelta(seconds=round(wall))}), {threads} thread(s); this process's CPU {cpu:.1f} s "
          f"({cpu / wall * 100:.0f} % of the wall time); every other process {others:.1f} s "
          f"({others / wall * 100:.0f} % of a core: the database server, other jobs)")
    print(f"  a client's report: median {statistics.median(times):.2f} s, p95 {p95:.2f} s, "
          f"max {ordered[-1]:.2f} s (× base {statistics.median(times) * 1000 / base_ms:.0f} at the median)")
    scaled = wall / len(workspaces) * 100
    verdict = "yes" if scaled <= NIGHT_TARGET_S else "NO"
    print(f"  for 100 clients: {scaled:.0f} s   ≤ {NIGHT_TARGET_S:.0f} s: {verdict}", flush=True)


def _queries(workspace: Any, period: Any, now: datetime) -> None:
    """`report.gather`'s SQL: how many queries, their time, the slowest ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parvis.analytics import report

    with CaptureQueriesContext(connection) as captured:
        report.gather(workspace, period, now)
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    spent = sum(float(q["time"]) for q in queries) * 1000
    print(f"gather: {len(queries)} queries, {spent:.1f} ms in SQL; the slowest:")
    for query in queries[:5]:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:400]}")


def _profile(workspace: Any, period: Any, now: datetime, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _make(workspace, period, now)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", type=int, default=100, help="clients (workspaces), each with its report")
    parser.add_argument("--posts", type=int, default=300, help="a client's posts over --days, all accounts together")
    parser.add_argument("--days", type=int, default=30, help="of history, ending with last month")
    parser.add_argument("--snapshots", type=int, default=4, help="readings per post")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the one-brand measure")
    parser.add_argument("--requests", type=int, default=20, help="GETs of the baseline page")
    parser.add_argument("--threads", default="1",
                        help="reports built at once during the night; a list (1,2) runs a night for each")
    parser.add_argument("--profile", action="store_true", help="cProfile one more build of the first client's")
    parser.add_argument("--queries", action="store_true", help="print gather's SQL queries and their time")
    parser.add_argument("--top", type=int, default=25, help="entries of the profile printed")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    dbname = setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-report-")), args.db,
                          PARVIS_ALLOWED_HOSTS="testserver")
    try:
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from parvis.analytics import report
        from parvis.analytics.models import PostFigures, PostSnapshot

        now = timezone.now()
        period = report.period_before("month", now.date())
        started = time.perf_counter()
        print(f"seeding {args.brands} clients of 4, 3, 2, 1 accounts in turn, {args.posts} posts each over the "
              f"{args.days} days up to {period.end}, {args.snapshots} readings a post ({args.db})", flush=True)
        owner, workspaces = _seed(args, period)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"seeded {PostFigures.objects.count():,} posts, {PostSnapshot.objects.count():,} snapshots in "
              f"{time.perf_counter() - started:.1f} s; report of {period.start}..{period.end}, built "
              f"{now:%Y-%m-%d %H:%M} UTC", flush=True)
        client = Client()
        client.force_login(owner)
        before = _baseline(client, args.requests)
        print(f"baseline: notifications page p50 {before:.1f} ms", flush=True)
        _one_brand(args, workspaces[0], period, now, before)
        for threads in (int(n) for n in args.threads.split(",")):
            _night(threads, workspaces, period, now, before)
        after = _baseline(client, args.requests)
        print(f"baseline after: notifications page p50 {after:.1f} ms (before {before:.1f}; ratios above use "
              f"the first)")
        if args.queries:
            _queries(workspaces[0], period, now)
        if args.profile:
            _profile(workspaces[0], period, now, args.top)
        return 0
    finally:
        drop_database(dbname)


if __name__ == "__main__":
    sys.exit(main())

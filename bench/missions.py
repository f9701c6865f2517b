"""bench/missions: the home page's mission progress for an agency — every workspace's
current month, planned and published per promised network — on SQLite or PostgreSQL.

    .venv/bin/python -m bench.missions [--workspaces 30] [--posts 2000] [--months 3]
                                       [--repeat 30] [--db sqlite|postgres] [--explain]

W workspaces (half in Paris, half in Montréal), each with a Mastodon, a Bluesky and a
WordPress account and a contract (Mastodon 900, Bluesky 700, WordPress 20 a month), and P
posts a month on one account each for `--months` months ending with the current one (the
older months are history the counting must not read), due at a CM's hours; past ones
published (5 % failed), future ones scheduled (15 % drafts, 3 % cancelled).

Timed in-process, alternating, after a warm-up (which also copies the promises into the
current month, as the first page of a month does):

- **parvis**: `missions.progress_for_workspaces(workspaces)`, what the home page calls:
  a query for the promises, one for the accounts and one count for all workspaces;
- **per workspace**: `missions.progress(workspace, month)` for each workspace (three
  queries each), what a page per workspace would cost at this scale;
- **baseline, the naive loop**: per workspace its promises, then per promised network one
  count of planned and one of published (7 queries per workspace).

The three must give the same figures (checked). Printed: p50 / p95 in ms, queries per
call, and each one's p95 over parvis's. The whole home page (`/`, Django's test client,
as the owner of every workspace) is timed too, with its query count, and the same page
with the missions left out (what it cost before them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import drop_database, setup_django

ZONES = ["Europe/Paris", "America/Montreal"]
CONTRACT = {"mastodon": 900, "bluesky": 700, "wordpress": 20}
SHARE = {"mastodon": 0.5, "bluesky": 0.45, "wordpress": 0.05}


def seed(n_workspaces: int, n_posts: int, n_months: int, rng: random.Random) -> tuple[Any, list[Any]]:
    from django.db import connection, transaction

    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.networks.models import SocialAccount
    from parvis.publishing import missions
    from parvis.publishing.models import Post, Publication, State

    owner = User.objects.create_user("bench@parvis.test", "pw-bench-123", timezone="Europe/Paris")
    organisation = create_organisation("Agence", owner)
    now = datetime.now(UTC)
    workspaces = []
    with transaction.atomic():
        for w in range(n_workspaces):
            zone = ZoneInfo(ZONES[w % len(ZONES)])
            workspace = create_workspace(organisation, f"Client {w + 1:02d}", owner, zone.key, "fr")
            workspaces.append(workspace)
            accounts = {network: SocialAccount.objects.create(
                workspace=workspace, network=network, server_url=f"https://{network}.example",
                remote_id=f"{network}-{w}", handle=f"@client{w}", credentials={"token": "x"}) for network in CONTRACT}
            month = missions.current_month(workspace, now)
            for _ in range(n_months - 1):
                month = missions.previous_month(month)
            missions.set_promises(workspace, month, CONTRACT, owner, now=now)
            posts, due = [], []
            for _ in range(n_months):
                days = (missions.next_month(month) - month).days
                for _ in range(n_posts):
                    local = datetime.combine(month + timedelta(days=rng.randrange(days)), datetime.min.time(), zone)
                    at = local + timedelta(minutes=420 + 15 * rng.randrange(56))
                    posts.append(Post(workspace=workspace, author=owner, text="Galette des rois", scheduled_at=at))
                    due.append(at)
                month = missions.next_month(month)
            Post.objects.bulk_create(posts, batch_size=1000)
            publications = []
            for post, at in zip(posts, due, strict=True):
                roll = rng.random()
                if at < now:
                    state = State.FAILED if roll < 0.05 else State.PUBLISHED
                else:
                    state = State.CANCELLED if roll < 0.03 else State.DRAFT if roll < 0.18 else State.SCHEDULED
                network = rng.choices(list(SHARE), weights=list(SHARE.values()))[0]
                publications.append(Publication(post=post, account=accounts[network], state=state, due_at=at))
            Publication.objects.bulk_create(publications, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return owner, workspaces


def naive(workspaces: list[Any]) -> dict[int, dict[str, tuple[int, int, int]]]:
    """The baseline: the obvious loop, a count per network and per figure."""
    from parvis.publishing import missions
    from parvis.publishing.models import PostKind, Publication, State

    out = {}
    for workspace in workspaces:
        month = missions.current_month(workspace)
        start, end = missions.month_span(month, workspace.tz)
        figures = {}
        for network, promised in missions.promises(workspace, month).items():
            due = Publication.objects.filter(post__kind=PostKind.POST, account__workspace=workspace,
                                             account__network=network, due_at__gte=start, due_at__lt=end)
            planned = due.exclude(state__in=(State.CANCELLED, State.FAILED)).count()
            figures[network] = (promised, planned, due.filter(state=State.PUBLISHED).count())
        out[workspace.pk] = figures
    return out


def figures(progress: dict[int, list[Any]]) -> dict[int, dict[str, tuple[int, int, int]]]:
    return {pk: {r.network: (r.promised, r.planned, r.published) for r in rows if r.promised}
            for pk, rows in progress.items()}


def per_workspace(workspaces: list[Any]) -> dict[int, list[Any]]:
    from parvis.publishing import missions

    return {w.pk: missions.progress(w, missions.current_month(w)) for w in workspaces}


def batched(workspaces: list[Any]) -> dict[int, list[Any]]:
    from parvis.publishing import missions

    return missions.progress_for_workspaces(workspaces)


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def queries(call: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def run(args: argparse.Namespace) -> None:
    from django.test import Client

    rng = random.Random(7)
    started = time.perf_counter()
    owner, workspaces = seed(args.workspaces, args.posts, args.months, rng)
    total = args.workspaces * args.posts * args.months
    print(f"seeded {args.workspaces} workspaces × {args.posts} posts × {args.months} months = {total:,} "
          f"publications in {time.perf_counter() - started:.1f} s ({args.db})")
    expected = naive(workspaces)
    assert figures(batched(workspaces)) == expected, "parvis and the baseline disagree"
    assert figures(per_workspace(workspaces)) == expected, "per workspace and the baseline disagree"
    client = Client(headers={"accept-language": "fr"})
    client.force_login(owner)
    home = lambda: client.get("/")  # noqa: E731 - timed like the others

    def home_without_missions() -> object:
        """The same page with every workspace's mission empty: what the page cost before."""
        from parvis.web.views import workspaces as views

        real = views.progress_for_workspaces
        views.progress_for_workspaces = lambda listed, **_kw: {w.pk: [] for w in listed}  # type: ignore[assignment]
        try:
            return client.get("/")
        finally:
            views.progress_for_workspaces = real
    runs: dict[str, tuple[Callable[[], object], list[float]]] = {
        "parvis: progress_for_workspaces": (lambda: batched(workspaces), []),
        "per workspace: progress() each": (lambda: per_workspace(workspaces), []),
        "baseline: naive per-network loop": (lambda: naive(workspaces), []),
        "home page (/), whole request": (home, []),
        "home page without the missions": (home_without_missions, []),
    }
    counts = {name: queries(call) for name, (call, _times) in runs.items()}
    if args.explain:
        from parvis.publishing import missions

        spans = {w.pk: missions.month_span(missions.current_month(w), w.tz) for w in workspaces}
        accounts = missions.accounts_of(spans)
        print("\nthe counting query's plan:\n" + missions.planned_counts(spans, accounts).explain())
    for _ in range(args.repeat):
        for call, times in runs.values():
            at = time.perf_counter()
            call()
            times.append((time.perf_counter() - at) * 1000)
    base = p(runs["parvis: progress_for_workspaces"][1], 0.95)
    print(f"\n{'':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95 × parvis':>13}")
    for name, (_call, times) in runs.items():
        print(f"{name:36} {statistics.median(times):8.1f} {p(times, 0.95):8.1f} {counts[name]:8d} "
              f"{p(times, 0.95) / base:13.2f}")
    naive_p95 = p(runs["baseline: naive per-network loop"][1], 0.95)
    print(f"\nparvis is {naive_p95 / base:.1f}× faster than the naive loop at p95 "
          f"({counts['baseline: naive per-network loop']} queries → {counts['parvis: progress_for_workspaces']}).")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=30)
    parser.add_argument("--posts", type=int, default=2000, help="posts a month per workspace")
    parser.add_argument("--months", type=int, default=3, help="months of posts, ending with the current one")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--explain", action="store_true", help="print the counting query's plan")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parvis-bench-missions-") as folder:
        dbname = setup_django(Path(folder), args.db, PARVIS_ALLOWED_HOSTS="testserver")
        try:
            run(args)
        finally:
            drop_database(dbname)


if __name__ == "__main__":
    sys.exit(main())

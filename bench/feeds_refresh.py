"""bench/feeds_refresh: refreshing 1,000 sources on loopback servers, as the worker does.

    .venv/bin/python -m bench.feeds_refresh [--sources 1000] [--threads 8] [--servers 10] [--db sqlite|postgres]

Sources are RSS 2.0 documents of 20 items (about 12 KB each, half of them served
gzip-compressed) with ETag and Last-Modified, spread over `--servers` loopback servers
(one per port: the per-server limit, `PARVIS_FEEDS_PER_HOST`, counts name and port).
One workspace follows them all.

What runs is the worker's path: the dispatcher's `claim_due` (per-server limit
included) hands out source ids, `--threads` threads (the worker's thread count) run
`fetching.fetch` on each; a pass ends when every source was fetched once.

* **first pass**: every source new: request, parse, store 20 entries each;
* **unchanged pass**: the same sources due again, the servers unchanged: each must cost
  one conditional request answered 304 and **no parsing** (the parser is wrapped and its
  calls counted; the servers count their 304s).

Baseline, same process, same servers, same threads: one bare httpx conditional GET per
source (no database, no scheduling): what refreshing cannot go below. Target (the
issue): ≥ 100 sources per second for the unchanged pass on this 2-core machine
(Miniflux's default schedule refreshes about 100 an hour).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from bench.common import drop_database, setup_django


def _documents(count: int) -> list[bytes]:
    from parvis.listening.tests.feeds_factory import items, rss

    return [rss(items(20, prefix=f"Sujet{n}", site=f"https://site{n}.example"), title=f"Site {n}")
            for n in range(count)]


def _serve(servers: list, documents: list[bytes]) -> list[str]:
    urls = []
    for n, body in enumerate(documents):
        server = servers[n % len(servers)]
        path = f"/feed{n}.xml"
        server.put(path, body, etag=f'"v{n}"', last_modified="Tue, 01 Dec 2026 08:00:00 GMT",
                   compress="gzip" if n % 2 else "")
        urls.append(server.url(path))
    return urls


def _pass(threads: int) -> tuple[float, int]:
    """Claim and fetch until nothing is due; (seconds, fetches)."""
    from django.db import connections
    from django.utils import timezone

    from parvis.listening import fetching

    done = 0
    lock = threading.Lock()

    def work(pk: int) -> None:
        nonlocal done
        try:
            fetching.fetch(pk)
        finally:
            connections.close_all()
        with lock:
            done += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        while True:
            ids = fetching.claim_due(timezone.now(), limit=threads * 4)
            if not ids:
                if not fetching.Source.objects.filter(lease_expires_at__gt=timezone.now()).exists():
                    break
                time.sleep(0.005)
                continue
            list(pool.map(work, ids))
    return time.perf_counter() - started, done


def _baseline(urls: list[str], threads: int) -> float:
    import httpx

    local = threading.local()

    def get(url: str) -> int:
        if not hasattr(local, "client"):
            local.client = httpx.Client()
        n = int(url.rsplit("feed", 1)[1].split(".")[0])
        return local.client.get(url, headers={"If-None-Match": f'"v{n}"'}).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(get, urls))
    assert set(statuses) == {304}, set(statuses)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--servers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="unchanged passes (and baselines)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="parvis-bench-feeds-"))
    dbname = setup_django(data, args.db, PARVIS_ALLOW_PRIVATE_URLS="1", PARVIS_FEEDS_PER_HOST="4")
    try:
        return _run(args)
    finally:
        drop_database(dbname)


def _run(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.listening import fetching
    from parvis.listening.models import Entry, Source, Subscription
    from parvis.testing.feed_server import FeedServer

    owner = User.objects.create_user("bench@agence.test", "pw-bench-123")
    workspace = create_workspace(create_organisation("Agence", owner), "Bench", owner, "Europe/Paris", "fr")
    servers = [FeedServer().__enter__() for _ in range(args.servers)]
    try:
        urls = _serve(servers, _documents(args.sources))
        Source.objects.bulk_create([Source(url=url) for url in urls])
        Subscription.objects.bulk_create([Subscription(workspace=workspace, source=s) for s in Source.objects.all()])
        parsed = [0]
        real_parse = fetching.parse_feed

        def counting_parse(*a, **k):  # type: ignore[no-untyped-def]
            parsed[0] += 1
            return real_parse(*a, **k)

        fetching.parse_feed = counting_parse  # type: ignore[assignment]
        seconds, fetched = _pass(args.threads)
        entries = Entry.objects.count()
        print(f"sources {args.sources} on {args.servers} servers, {args.threads} threads, {args.db}")
        print(f"first pass      {fetched / seconds:8.1f} sources/s  ({seconds:.2f} s, {parsed[0]} parsed, "
              f"{entries} entries stored)")
        rates, bases = [], []
        for _round in range(args.rounds):
            base = _baseline(urls, args.threads)
            bases.append(args.sources / base)
            before = sum(s.not_modified for s in servers)
            parsed[0] = 0
            Source.objects.update(next_fetch_at=timezone.now() - timedelta(seconds=1))
            seconds, fetched = _pass(args.threads)
            answered_304 = sum(s.not_modified for s in servers) - before
            rates.append(fetched / seconds)
            print(f"unchanged pass  {rates[-1]:8.1f} sources/s  ({seconds:.2f} s, {answered_304} answered 304, "
                  f"{parsed[0]} parsed)   baseline {bases[-1]:8.1f} requests/s")
        rate, base = statistics.median(rates), statistics.median(bases)
        print(f"\nunchanged sources/s (median)  {rate:.1f}   target ≥ 100: {'met' if rate >= 100 else 'NOT met'}")
        print(f"baseline requests/s (median)  {base:.1f}   parvis / baseline = {rate / base:.2f} ×")
        return 0
    finally:
        fetching.parse_feed = real_parse  # type: ignore[assignment]
        for server in servers:
            server.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())

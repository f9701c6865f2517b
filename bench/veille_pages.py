"""bench/veille_pages: la veille's pages at an agency's scale, p50/p95 page time.

    .venv/bin/python -m bench.veille_pages [--sources 300] [--entries 100000] [--requests 40] [--db sqlite|postgres]

One workspace follows `--sources` feeds holding `--entries` entries in all (published
over the last 90 days, a third of them read by the person measuring, 200 saved), and
three monitors have a few thousand hits. Measured through Django's test client
in-process (middleware, session, queries, templates; no network hop), signed in:

* the reading list, unread (the default), page 1, and a later page (keyset);
* all entries, filtered to one folder;
* a search of a common word;
* the sources page (every subscription with its state);
* the query lab: a brand's query (in 1 % of entries) and, as the worst case, two common
  words that match most entries (30 days of entries; the lab stops at 1.5 s by design and
  says the count is partial);
* a monitor's page (its hits, 30 a page).

Baseline, same process, same run: the notifications page (an authenticated page of the
same layout with one small query). Target: p95 ≤ 150 ms for the reading list and the
sources page, as for the inbox.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import drop_database, page_times, setup_django

VOCABULARY = ("réseaux sociaux instagram tiktok linkedin modération influence marque campagne vidéo algorithme "
              "audience engagement story reels publicité contenu communauté créateurs données lancement")
WORDS = VOCABULARY.split()


def _seed(args: argparse.Namespace) -> tuple[object, object, list[int]]:
    from django.utils import timezone

    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.listening.models import Entry, EntryMark, Folder, Hit, Monitor, Source, Subscription
    from parvis.listening.search import folded

    rng = random.Random(7)
    owner = User.objects.create_user("bench@agence.test", "pw-bench-123")
    workspace = create_workspace(create_organisation("Agence", owner), "Bench", owner, "Europe/Paris", "fr")
    folders = [Folder.objects.create(workspace=workspace, name=f"Dossier {n}") for n in range(8)]
    Source.objects.bulk_create([Source(url=f"https://site{n}.example/feed", title=f"Site {n}")
                                for n in range(args.sources)])
    sources = list(Source.objects.order_by("pk"))
    Subscription.objects.bulk_create([Subscription(workspace=workspace, source=s, folder=folders[n % 8])
                                      for n, s in enumerate(sources)])
    now = timezone.now()
    batch = []
    for n in range(args.entries):
        source = sources[n % len(sources)]
        title = " ".join(rng.choice(WORDS) for _ in range(7)).capitalize()
        if n % 100 == 0:  # the brand a monitor would watch, in 1 % of entries
            title += " chez Lumivélo"
        summary = " ".join(rng.choice(WORDS) for _ in range(40))
        batch.append(Entry(source=source, key=f"k{n}", story=f"s{n}", url=f"https://site.example/{n}",
                           title=title, summary=f"<p>{summary}</p>", text=summary, published_at=now - timedelta(
                               minutes=rng.randrange(90 * 24 * 60)), fetched_at=now, monitored_at=now,
                           search_text=folded(f"{title} {summary}")))
        if len(batch) == 5000:
            Entry.objects.bulk_create(batch)
            batch = []
    Entry.objects.bulk_create(batch)
    ids = list(Entry.objects.values_list("pk", flat=True))
    read = rng.sample(ids, len(ids) // 3)
    EntryMark.objects.bulk_create([EntryMark(person=owner, workspace=workspace, entry_id=pk, read_at=now)
                                   for pk in read], batch_size=5000)
    EntryMark.objects.bulk_create([EntryMark(person=owner, workspace=workspace, entry_id=pk, saved_at=now)
                                   for pk in rng.sample(sorted(set(ids) - set(read)), 200)], batch_size=5000)
    monitors = [Monitor.objects.create(workspace=workspace, name=f"M{n}", query=WORDS[n], applied_at=now)
                for n in range(3)]
    entries = Entry.objects.in_bulk(rng.sample(ids, 3000))
    Hit.objects.bulk_create([Hit(monitor=monitors[n % 3], entry=e, published_at=e.published_at,
                                 spans=[["title", 0, 4]]) for n, e in enumerate(entries.values())])
    return owner, workspace, [m.pk for m in monitors]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    dbname = setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-veille-")), args.db,
                          PARVIS_ALLOWED_HOSTS="testserver")
    try:
        from django.db import connection
        from django.test import Client

        started = time.perf_counter()
        owner, workspace, monitors = _seed(args)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"seeded {args.entries} entries over {args.sources} sources in {time.perf_counter() - started:.1f} s"
              f" ({args.db})")
        client = Client()
        client.force_login(owner)  # type: ignore[arg-type]
        ws = workspace.pk  # type: ignore[attr-defined]
        from parvis.listening.models import Entry

        middle = Entry.objects.order_by("-published_at").values_list("pk", flat=True)[2000]
        pages = [
            ("baseline: notifications", "/notifications/"),
            ("reading, unread, page 1", f"/w/{ws}/veille/"),
            ("reading, unread, far (keyset)", f"/w/{ws}/veille/?before={middle}"),
            ("all entries of one folder", f"/w/{ws}/veille/?show=all&folder={workspace.feed_folders.first().pk}"),  # type: ignore[attr-defined]
            ("search a common word", f"/w/{ws}/veille/?show=all&q=instagram"),
            ("saved", f"/w/{ws}/veille/?show=saved"),
            ("sources page", f"/w/{ws}/veille/sources/"),
            ("query lab, a brand", f"/w/{ws}/veille/monitors/lab/?query=lumivelo+AND+(reels+OR+instagram)"),
            ("query lab, two common words", f"/w/{ws}/veille/monitors/lab/?query=instagram+reels"),
            ("a monitor's hits", f"/w/{ws}/veille/monitors/{monitors[0]}/"),
        ]
        base = None
        print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'× base':>7}")
        for label, url in pages:
            client.get(url)  # warm
            p50, p95 = page_times(client, url, args.requests if "lab" not in url else max(5, args.requests // 8))
            base = base or p50
            print(f"{label:34} {p50:8.1f} {p95:8.1f} {p50 / base:7.1f}")
        return 0
    finally:
        drop_database(dbname)


if __name__ == "__main__":
    sys.exit(main())

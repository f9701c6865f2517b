"""bench/competitors: la veille's competitors board at an agency's scale, p50/p95 time.

    .venv/bin/python -m bench.competitors [--competitors 12] [--accounts 3] [--per-day 4] [--requests 20]
                                          [--db sqlite|postgres]

One workspace watches `--competitors` competitors (and its own brand, read the same
way), each with `--accounts` network accounts posting `--per-day` posts a day for the last
90 days (French texts with hashtags, counts and followers; one daily count row per
account), and a blog with an article a day. With the defaults: 13 columns, 39 accounts,
about 14,000 posts. Measured through Django's test client in-process, signed in:

* the competitors page over 7 days (the default) and over 30 days (every figure, the
  heatmaps and what the brand did not cover, computed on each request);
* the API's board over 30 days;
* the composer opened from an article (the "already shared by a competitor" lookup).

Baseline, same process, same run: the notifications page. Target: p95 ≤ 500 ms for the
30-day board (a page opened a few times a week, not at each pass of the reading list).
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

VOCABULARY = ("galette croissant brioche chocolat fournée levain farine boulangerie pâtisserie viennoiserie "
              "dimanche marché salon atelier recette tradition artisan quartier fête noël")
WORDS = VOCABULARY.split()
TAGS = ["galette", "croissant", "chocolat", "levain", "noel", "artisan", "recette", "marche"]


def _seed(args: argparse.Namespace) -> tuple[object, object, int]:
    from django.utils import timezone

    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.listening.models import (
        BLOG,
        Competitor,
        CompetitorAccount,
        CompetitorCount,
        CompetitorPost,
        Entry,
        Source,
        Subscription,
    )

    rng = random.Random(7)
    owner = User.objects.create_user("bench@agence.test", "pw-bench-123")
    workspace = create_workspace(create_organisation("Agence", owner), "Bench", owner, "Europe/Paris", "fr")
    now = timezone.now()
    competitors = [Competitor.objects.create(workspace=workspace, name="Bench", is_brand=True)]
    competitors += [Competitor.objects.create(workspace=workspace, name=f"Rival {n}") for n in range(args.competitors)]
    posts, counts = [], []
    for c in competitors:
        for a in range(args.accounts):
            network = ("mastodon", "bluesky", "instagram")[a % 3]
            account = CompetitorAccount.objects.create(competitor=c, network=network, handle=f"@c{c.pk}a{a}",
                                                       followers=1000 + 100 * a)
            for day in range(90):
                counts.append(CompetitorCount(account=account, day=(now - timedelta(days=day)).date(),
                                              followers=1000 + 100 * a + 90 - day))
                for n in range(args.per_day):
                    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25)))
                    tags = " ".join(f"#{t}" for t in rng.sample(TAGS, rng.randint(0, 3)))
                    posts.append(CompetitorPost(
                        account=account, remote_id=f"{account.pk}-{day}-{n}", url=f"https://ex.example/{len(posts)}",
                        text=f"{words.capitalize()} https://presse.example/a{rng.randrange(5000)} {tags}",
                        published_at=now - timedelta(days=day, minutes=rng.randrange(1440)),
                        likes=rng.randrange(200), reposts=rng.randrange(30), replies=rng.randrange(20),
                        followers=1000 + 100 * a, counted_at=now, first_seen_at=now - timedelta(days=day)))
        source = Source.objects.create(url=f"https://blog{c.pk}.example/feed", title=f"Blog {c.name}")
        Subscription.objects.create(workspace=workspace, source=source)
        CompetitorAccount.objects.create(competitor=c, network=BLOG, handle=source.url, source=source)
        Entry.objects.bulk_create([Entry(source=source, key=f"b{c.pk}-{d}", story=f"s{c.pk}-{d}",
                                         url=f"https://blog{c.pk}.example/{d}", title=f"Article {d}",
                                         text=" ".join(rng.choice(WORDS) for _ in range(40)),
                                         published_at=now - timedelta(days=d)) for d in range(90)])
    CompetitorPost.objects.bulk_create(posts, batch_size=5000)
    CompetitorCount.objects.bulk_create(counts, batch_size=5000)
    article = Entry.objects.create(source=Source.objects.first(), key="press", story="press",
                                   url="https://presse.example/a42", title="Presse", published_at=now)
    return owner, workspace, article.pk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--competitors", type=int, default=12)
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--per-day", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    dbname = setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-competitors-")), args.db,
                          PARVIS_ALLOWED_HOSTS="testserver")
    try:
        from django.db import connection
        from django.test import Client

        from parvis.listening.models import CompetitorPost

        started = time.perf_counter()
        owner, workspace, article = _seed(args)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"seeded {CompetitorPost.objects.count()} posts of {args.competitors} competitors and the brand in "
              f"{time.perf_counter() - started:.1f} s ({args.db})")
        client = Client()
        client.force_login(owner)  # type: ignore[arg-type]
        ws = workspace.pk  # type: ignore[attr-defined]
        pages = [
            ("baseline: notifications", "/notifications/"),
            ("competitors, 7 days", f"/w/{ws}/veille/competitors/"),
            ("competitors, 30 days", f"/w/{ws}/veille/competitors/?period=30"),
            ("API board, 30 days", f"/api/v1/workspaces/{ws}/competitors/board/?days=30"),
            ("composer from an article", f"/w/{ws}/compose/?entry={article}"),
        ]
        base = None
        print(f"{'page':30} {'p50 ms':>8} {'p95 ms':>8} {'× base':>7}")
        for label, url in pages:
            client.get(url)  # warm
            p50, p95 = page_times(client, url, args.requests)
            base = base or p50
            print(f"{label:30} {p50:8.1f} {p95:8.1f} {p50 / base:7.1f}")
        return 0
    finally:
        drop_database(dbname)


if __name__ == "__main__":
    sys.exit(main())

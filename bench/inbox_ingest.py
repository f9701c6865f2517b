"""bench/inbox_ingest: N inbox items (default 100,000) stored by parvis the way polls store
a backlog — `ingest.store` on what one poll reads (PAGES_PER_POLL pages of 40), with
language, sentiment and flags computed — next to a baseline in the same run: bare
insertion of the same rows.

    .venv/bin/python -m bench.inbox_ingest [--items 100000] [--page 40] [--pages N] [--db sqlite|postgres]
                                           [--no-webhooks]

* parvis: `ingest.store(account, batch)` for every batch of `--pages` pages (default:
  `polling.PAGES_PER_POLL`, what a poll reads while more is waiting; `--pages 1` measures
  one page per store): authors and threads upserted, existing items looked up (no
  duplicates), new ones analysed (`understand.analyse`) and inserted, the full-text index
  kept by its trigger (SQLite) or GIN index (PostgreSQL).
* webhooks (unless `--no-webhooks`): the same ingestion in a second workspace whose
  enabled endpoint subscribes to `inbox.item.received`, so that every stored item also
  writes an outbox event (`core.models.Event`, in the storing transaction). Its items
  are the same texts from other people; its batches alternate with the parvis run's
  (A B, B A, ...), so table growth, the analysis's caches and the host's drift fall on
  both alike; the parvis run (no endpoint in its workspace) is its baseline. Then the
  dispatcher's work for that batch, timed: `delivery.fan_out` (events into deliveries),
  then `tasks.dispatch_webhooks` (claim the due deliveries, enqueue one huey job each on
  the embedded SQLite queue of the bench's data folder; nothing consumes them, nothing
  is sent).
* baseline: the same items written by the same row writer parvis uses
  (`ingest._insert_items`: bulk_create on PostgreSQL, a direct multi-row INSERT on
  SQLite), same batches, one transaction each, with their authors and threads created
  beforehand: the floor for putting rows in this table (indexes and full-text index
  included), with no lookup and no analysis.

Everything runs in one process on one core: NumPy's thread pools are pinned to one
thread before NumPy loads, so "items/s" is items per second per core (target: ≥ 1,000).
The texts are varied French and English social comments (different on every item, as
real ones are), so the analysis cannot be served from a cache.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: must be set before NumPy is imported

import argparse  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench.common import drop_database, setup_django  # noqa: E402

TARGET_PER_CORE = 1000.0

OPENINGS_FR = ["Bonjour", "Salut", "Coucou", "Allô", "Hello", "Bonsoir", "Re", "Eh"]
BODIES_FR = [
    "ma commande n°{n} n'est toujours pas arrivée, c'est la troisième fois que je relance",
    "merci pour la livraison rapide, les croissants étaient parfaits",
    "vous êtes ouverts le dimanche {n} ? je voudrais passer avec les enfants",
    "service client injoignable depuis {n} jours, c'est inadmissible",
    "trop bon le nouveau menu, on revient la semaine prochaine",
    "est-ce que le code promo {n} marche encore ?",
    "franchement déçu par la qualité, le produit s'est cassé au bout de {n} jours",
    "bravo à l'équipe du magasin de {city}, accueil au top",
    "on attend toujours le remboursement de {n} euros",
    "c'est quoi les horaires à {city} pendant les fêtes ?",
]
BODIES_EN = [
    "my order #{n} still hasn't arrived and nobody answers my emails",
    "love the new collection, the jacket fits perfectly",
    "are you open on the {n}th? planning to visit the {city} store",
    "worst customer service ever, waited {n} minutes on the phone",
    "thanks for the quick refund, really appreciated",
    "does the discount code {n} still work?",
    "the app keeps crashing when I try to pay, please fix",
    "shoutout to the staff in {city}, super friendly",
    "where is my refund of {n} dollars??",
    "what are your opening hours in {city} over the holidays?",
]
CITIES = ["Lyon", "Montréal", "Bordeaux", "Lille", "Québec", "Nantes", "London", "Boston", "Brussels", "Genève"]
ENDINGS = ["", " !", " 🙏", " 😡", " 😍", " #service", " merci", " thanks", " …", " !!"]


def comment(rng: random.Random, n: int) -> str:
    if rng.random() < 0.55:
        body = rng.choice(BODIES_FR)
        opening = rng.choice(OPENINGS_FR)
    else:
        body = rng.choice(BODIES_EN)
        opening = rng.choice(["Hi", "Hello", "Hey", "Yo", "Dear team", "Hiya"])
    return f"{opening} @brand {body.format(n=n, city=rng.choice(CITIES))}{rng.choice(ENDINGS)}"


def world() -> list[Any]:
    """Four accounts of one workspace (no webhook), then one account of a second workspace
    whose enabled endpoint subscribes to `inbox.item.received`."""
    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.api.webhooks.actions import create_endpoint
    from parvis.networks.models import SocialAccount

    owner = User.objects.create_user("bench@parvis.test", "pw-bench-123")
    organisation = create_organisation("Bench", owner)
    workspace = create_workspace(organisation, "Boulangerie", owner, "Europe/Paris", "fr")
    hooked = create_workspace(organisation, "Fromagerie", owner, "Europe/Paris", "fr")
    # Never called: the bench runs the dispatcher, not the workers.
    create_endpoint(hooked, owner, "http://127.0.0.1:9/n8n", "bench", ["inbox.item.received"])
    return [SocialAccount.objects.create(
        workspace=space, network="mastodon", server_url="https://example.social", remote_id=str(i),
        handle=f"@brand{i}@example.social", credentials={"access_token": "x"})
        for i, space in enumerate([workspace] * 4 + [hooked])]


def make_items(count: int, prefix: str, seed: int) -> list[Any]:
    """Items as a connector hands them over: replies from ~count/5 people in ~count/3 threads."""
    from parvis.networks.base import InboundItem, ItemKind, RemoteAuthor

    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    people = max(1, count // 5)
    out = []
    for n in range(count):
        who = rng.randrange(people)
        # Each run has its own people: the baseline's authors (created bare) must not be
        # seen again by the measured run as profile changes to write.
        author = RemoteAuthor(key=f"{prefix}fan{who}@example.social", remote_id=f"{prefix}a{who}",
                              handle=f"{prefix}fan{who}@example.social", display_name=f"Fan {who}")
        thread = f"{prefix}t{rng.randrange(max(1, count // 3))}"
        out.append(InboundItem(
            remote_id=f"{prefix}{n}", kind=ItemKind.REPLY if n % 7 else ItemKind.MENTION, author=author,
            text=comment(rng, n), created_at=start + timedelta(seconds=n * 13), thread_key=thread,
            url=f"https://example.social/@fan{who}/{prefix}{n}", in_reply_to_id=thread, root_id=thread,
        ))
    return out


def run_parvis(account: Any, items: list[Any], page: int) -> dict[str, float]:
    from parvis.inbox import analysis, ingest

    analysed = {"seconds": 0.0}

    def timed_analyser(batch: list[Any]) -> None:
        started = time.perf_counter()
        analysis.analyse_items(batch)
        analysed["seconds"] += time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(items), page):
        ingest.store(account, items[i:i + page], analyser=timed_analyser)
    wall, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu_used, "analysis": analysed["seconds"]}


def run_pair(plain: Any, hooked: Any, plain_items: list[Any], hooked_items: list[Any],
             page: int) -> tuple[dict[str, float], dict[str, float]]:
    """`ingest.store` of the same batches for an account whose workspace has no webhook
    and for one whose workspace's endpoint subscribes to new items, alternating which
    goes first; the time of each."""
    from parvis.inbox import analysis, ingest

    runs = ({"wall": 0.0, "cpu": 0.0, "analysis": 0.0}, {"wall": 0.0, "cpu": 0.0, "analysis": 0.0})
    sides = [(runs[0], plain, plain_items), (runs[1], hooked, hooked_items)]
    for n, i in enumerate(range(0, len(plain_items), page)):
        for run, account, items in (sides if n % 2 == 0 else sides[::-1]):
            def timed_analyser(batch: list[Any], run: dict[str, float] = run) -> None:
                started = time.perf_counter()
                analysis.analyse_items(batch)
                run["analysis"] += time.perf_counter() - started

            started, cpu = time.perf_counter(), time.process_time()
            ingest.store(account, items[i:i + page], analyser=timed_analyser)
            run["wall"] += time.perf_counter() - started
            run["cpu"] += time.process_time() - cpu
    return runs


def run_dispatch() -> dict[str, float]:
    """The dispatcher on the events the hooked run wrote: fan-out, then claim + enqueue."""
    from django.utils import timezone

    from parvis.api import tasks
    from parvis.api.webhooks import delivery

    now = timezone.now()
    started = time.perf_counter()
    made = delivery.fan_out(now)
    fanned = time.perf_counter() - started
    started = time.perf_counter()
    enqueued = 0
    while passed := tasks.dispatch_webhooks(now):  # a pass takes at most delivery.PER_PASS
        enqueued += passed
    return {"deliveries": made, "fan_out": fanned, "enqueued": enqueued, "enqueue": time.perf_counter() - started}


def print_webhooks(items: int, plain: dict[str, float], hooked: dict[str, float], hooked_account: Any,
                   dispatched: dict[str, float]) -> None:
    from parvis.core.models import Event

    def us(seconds: float) -> float:
        return 1e6 * seconds / items

    print(f"  webhooks: {items:,} items each way, batches alternating")
    for name, run in (("no endpoint (baseline)", plain), ("endpoint on received items", hooked)):
        print(f"    {name + ':':29} {us(run['wall']):7.0f} µs/item (CPU {us(run['cpu']):5.0f}), storing alone "
              f"{us(run['wall'] - run['analysis']):5.0f} µs/item")
    storing = (hooked["wall"] - hooked["analysis"]) / (plain["wall"] - plain["analysis"])
    print(f"    ratio with / without:         {hooked['wall'] / plain['wall']:7.3f}× "
          f"({us(hooked['wall'] - plain['wall']):+.0f} µs/item; CPU {hooked['cpu'] / plain['cpu']:.3f}×, "
          f"{us(hooked['cpu'] - plain['cpu']):+.0f} µs/item; storing alone {storing:.3f}×)")
    events = Event.objects.filter(workspace_id=hooked_account.workspace_id).count()
    others = Event.objects.exclude(workspace_id=hooked_account.workspace_id).count()
    print(f"    outbox events written: {events:,} (expected {items:,}); without an endpoint: {others:,}")
    made, enqueued = int(dispatched["deliveries"]), int(dispatched["enqueued"])
    print(f"    fan-out (events -> deliveries): {us(dispatched['fan_out']):5.0f} µs/event "
          f"({made:,} deliveries in {dispatched['fan_out']:.1f} s)")
    print(f"    claim + enqueue (huey jobs):    {1e6 * dispatched['enqueue'] / max(1, enqueued):5.0f} µs/delivery "
          f"({enqueued:,} jobs in {dispatched['enqueue']:.1f} s)")


def run_baseline(account: Any, items: list[Any], page: int) -> dict[str, float]:
    from django.db import transaction

    from parvis.inbox.ingest import _insert_items
    from parvis.inbox.models import Author, Item, Thread

    authors = {i.author.key: Author(workspace_id=account.workspace_id, network="mastodon", key=i.author.key,
                                    remote_id=i.author.remote_id, handle=i.author.handle) for i in items}
    threads = {i.thread_key: Thread(workspace_id=account.workspace_id, account=account, key=i.thread_key)
               for i in items}
    Author.objects.bulk_create(authors.values(), batch_size=1000)
    Thread.objects.bulk_create(threads.values(), batch_size=1000)
    author_ids = dict(Author.objects.filter(key__in=list(authors)).values_list("key", "pk"))
    thread_ids = dict(Thread.objects.filter(account=account, key__in=list(threads)).values_list("key", "pk"))
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(items), page):
        with transaction.atomic():
            _insert_items([Item(
                workspace_id=account.workspace_id, account=account, thread_id=thread_ids[e.thread_key],
                author_id=author_ids[e.author.key], network="mastodon", remote_id=e.remote_id, kind=e.kind.value,
                text=e.text, search_text=e.text.lower(), url=e.url, created_at=e.created_at,
                in_reply_to_remote_id=e.in_reply_to_id or "", root_remote_id=e.root_id or "",
            ) for e in items[i:i + page]])
    return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu, "analysis": 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=40, help="items per poll page (Mastodon's maximum is 40)")
    parser.add_argument("--pages", type=int, default=None,
                        help="pages stored together (default: what a poll reads from a backlog)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-webhooks", action="store_true",
                        help="skip the run with a webhook endpoint (and its alternation with parvis's)")
    args = parser.parse_args(argv)

    os.environ.pop("REDIS_URL", None)  # huey jobs go to the bench's own SQLite queue, never a real one
    with tempfile.TemporaryDirectory(prefix="parvis-bench-inbox-") as tmp:
        dbname = setup_django(Path(tmp), args.db, PARVIS_ALLOW_PRIVATE_URLS="1")  # the endpoint is on 127.0.0.1
        try:
            accounts = world()
            from parvis.inbox.understand import MODEL_VERSION, analyse

            analyse(["warm-up: load the models before the clock starts"])
            from django.urls import reverse

            # An event's payload links to the item: the first reverse() in a process imports
            # every URL module, views and SDKs included (~2 s), once per process, not per item.
            reverse("web:inbox_item", args=[1, 1])
            from parvis.inbox.polling import PAGES_PER_POLL

            pages = args.pages or PAGES_PER_POLL
            batch = args.page * pages
            print(f"inbox ingest: {args.items:,} items, {pages} pages of {args.page} per store, {args.db}, "
                  f"models {MODEL_VERSION}")
            base = run_baseline(accounts[0], make_items(args.items, "b", 1), batch)
            hooked = dispatched = None
            if args.no_webhooks:
                ours = run_parvis(accounts[1], make_items(args.items, "p", 2), batch)
            else:  # the same texts (seed 2) from other people (prefix)
                ours, hooked = run_pair(accounts[1], accounts[4], make_items(args.items, "p", 2),
                                        make_items(args.items, "h", 2), batch)
                dispatched = run_dispatch()
            again = run_parvis(accounts[1], make_items(args.items, "p", 2)[: args.items // 10], batch)
            rate, base_rate = args.items / ours["wall"], args.items / base["wall"]
            print(f"  baseline (bare insertion):   {base_rate:10,.0f} items/s  ({base['wall']:.1f} s)")
            print(f"  parvis ingest.store:         {rate:10,.0f} items/s  ({ours['wall']:.1f} s, "
                  f"of which analysis {ours['analysis']:.1f} s = {100 * ours['analysis'] / ours['wall']:.0f}%)")
            print(f"  ratio parvis / baseline:     {rate / base_rate:10.2f}×")
            storing = args.items / (ours["wall"] - ours["analysis"])
            analysing = args.items / ours["analysis"]
            print(f"  of which storing alone:      {storing:10,.0f} items/s ({storing / base_rate:.2f}× baseline); "
                  f"analysis alone {analysing:,.0f} texts/s")
            print(f"  per core (CPU time):         {args.items / ours['cpu']:10,.0f} items/s of CPU "
                  f"(target ≥ {TARGET_PER_CORE:,.0f})")
            print(f"  re-storing 10% already seen: {args.items // 10 / again['wall']:10,.0f} items/s "
                  f"(no duplicates: lookups only)")
            from parvis.inbox.models import Item

            stored = Item.objects.filter(account=accounts[1]).count()
            print(f"  stored items: {stored:,} (expected {args.items:,})")
            verdict = "meets" if rate >= TARGET_PER_CORE else "MISSES"
            print(f"  {verdict} the target of {TARGET_PER_CORE:,.0f} items/s per core")
            if hooked is not None and dispatched is not None:
                print_webhooks(args.items, ours, hooked, accounts[4], dispatched)
        finally:
            drop_database(dbname)
    return 0


if __name__ == "__main__":
    sys.exit(main())

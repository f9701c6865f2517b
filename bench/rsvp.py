"""bench/rsvp: a guest's RSVP page (`/rsvp/<token>/`) at an agency's scale (issue 16).

    .venv/bin/python -m bench.rsvp [--clients 30] [--events 20] [--guests 150] [--requests 300]
                                   [--db sqlite|postgres]

An agency of `--clients` brands, each with `--events` events of `--guests` guests drawn
from the agency's contacts (one contact per guest seat of an event: 30 × 20 × 150 = 90,000
invitations by default), about half of them answered yes with a plus-one. Then, in this
process, through Django's test client (no login: the token is the key):

- **GET**: `--requests` GETs of random guests' pages, p50 and p95 (target: p95 ≤ 50 ms);
- **POST**: as many answers (yes with one named plus-one, or no, in turn) by random guests
  of the biggest event, p50 and p95 — each one locks the event row, counts the places
  and, on a no, offers freed places to the waitlist.

Baseline, same process, same run: the sign-in page (`/login/`), anonymous, p50 of the same
number of GETs; ratios (× base) are against it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import drop_database, page_times, setup_django

TARGET_P95_MS = 50.0


def _seed(args: argparse.Namespace) -> list[str]:
    """The agency, its contacts and events; the personal tokens of every guest."""
    from django.utils import timezone

    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User
    from parvis.relations import events, tokens
    from parvis.relations.models import Answer, Contact, Decision, Event, Guest

    owner = User.objects.create_user("owner@agence.example", "pw")
    organisation = create_organisation("Agence", owner)
    contacts = Contact.objects.bulk_create([
        Contact(organisation=organisation, name=f"Blogueuse {n}", email=f"b{n}@blog.example", language="fr")
        for n in range(args.guests * 4)])
    now = timezone.now()
    rng = random.Random(16)
    made: list[Guest] = []
    for c in range(args.clients):
        workspace = create_workspace(organisation, f"Client {c + 1}", owner, "Europe/Paris", "fr")
        for e in range(args.events):
            starts = now + timedelta(days=10 + e)
            event = Event.objects.create(
                workspace=workspace, name=f"Soirée {e + 1}", starts_at=starts, ends_at=starts + timedelta(hours=3),
                place="Le Comptoir", address="12 rue des Tanneurs, Lyon", capacity=args.guests * 2, plus_ones=1,
                status=Event.Status.OPEN, link_secret=events.new_secret(), created_by=owner)
            chosen = rng.sample(contacts, args.guests)
            made += Guest.objects.bulk_create([
                Guest(event=event, contact=contact, decision=Decision.INVITED, link_nonce=events.new_nonce(),
                      invited_at=now, answer=Answer.YES if n % 2 else Answer.PENDING,
                      answered_at=now if n % 2 else None, companions=[f"Ami {n}"] if n % 4 == 1 else [])
                for n, contact in enumerate(chosen)])
    rows = Guest.objects.select_related("event").in_bulk([guest.pk for guest in made])
    return [tokens.link_token(guest) for guest in rows.values()]


def _posts(client: Any, tokens_: list[str], requests: int) -> tuple[float, float]:
    times = []
    for n in range(requests):
        token = tokens_[n % len(tokens_)]
        data = ({"answer": "yes", "companion_1": f"Invité {n}"} if n % 2 == 0 else {"answer": "no"})
        started = time.perf_counter()
        response = client.post(f"/rsvp/{token}/", data)
        times.append((time.perf_counter() - started) * 1000)
        # 302: the answer was saved (the page comes back with its message).
        assert response.status_code == 302, (response.status_code, response.content[-600:])
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--events", type=int, default=20, help="per client")
    parser.add_argument("--guests", type=int, default=150, help="per event")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    dbname = setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-rsvp-")), args.db,
                          PARVIS_ALLOWED_HOSTS="testserver")
    try:
        from django.db import connection
        from django.test import Client

        from parvis.relations.models import Guest

        started = time.perf_counter()
        all_tokens = _seed(args)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"seeded {Guest.objects.count():,} invitations in {args.clients * args.events} events "
              f"({args.db}) in {time.perf_counter() - started:.1f} s", flush=True)
        client = Client(headers={"accept-language": "fr"})
        client.get("/login/")
        base = page_times(client, "/login/", args.requests)[0]
        rng = random.Random(7)
        sample = rng.sample(all_tokens, min(args.requests, len(all_tokens)))
        for token in sample[:5]:  # warm the templates and the translation catalogue
            client.get(f"/rsvp/{token}/")
        times = []
        for token in sample:
            p50_one, _p95 = page_times(client, f"/rsvp/{token}/", 1)
            times.append(p50_one)
        times.sort()
        get50, get95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
        last_event = all_tokens[-args.guests:]  # one event's guests: answers contend on its row
        post50, post95 = _posts(client, last_event, args.requests)
        after = page_times(client, "/login/", args.requests)[0]
        print(f"baseline: sign-in page p50 {base:.1f} ms (again after: {after:.1f} ms)")
        print(f"RSVP page GET:  p50 {get50:.1f} ms, p95 {get95:.1f} ms ({get95 / base:.1f} × base) — target p95 ≤ "
              f"{TARGET_P95_MS:.0f} ms: {'met' if get95 <= TARGET_P95_MS else 'NOT met'}")
        print(f"RSVP answer POST: p50 {post50:.1f} ms, p95 {post95:.1f} ms ({post95 / base:.1f} × base)")
        return 0
    finally:
        drop_database(dbname)


if __name__ == "__main__":
    raise SystemExit(main())

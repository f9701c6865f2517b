"""bench/draw: a contest draw (parvis-draw-v1) among 100,000 entrants, from their ids to the proof.

    .venv/bin/python -m bench.draw [--entries 100000] [--winners 10] [--alternates 5] [--rounds 7]

* The ids (`make_ids`, a fixed seed): `network:stable_id` over four networks, numeric ids,
  DIDs and handles, 5 % of them with an accent written in NFD (as some clients send it),
  2 % given twice (the second time in NFC), in random order — what a contest's entries look like at close.
* Measured per round, in one process, GC as in production: `make_proof` (NFC, checks,
  dedupe, sort, H, K, the picks: the whole draw), then each stage alone
  (`canonical_entries`, `entries_hash`, `draw_key` + `pick`), `Proof.to_json`, and what a
  verifier does with the file (`json.loads` + `verify`). Best and median of the rounds.
* Baseline, same rounds: `sorted(set(ids))`, joined and hashed with SHA-256 once — the
  floor any draw over these ids pays (no NFC, no checks). `× base` is median over median.
  Target: the draw ≤ 1 s.

No database, no Django: the module under test is pure Python, and so is this bench.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from parvis.relations.draw import canonical_entries, draw_key, entries_hash, make_proof, pick, verify

TARGET_SECONDS = 1.0
NETWORKS = ("mastodon", "bluesky", "instagram", "facebook")
NAMES = ("élodie", "andré", "zoé", "françois", "chloé", "hélène", "jérôme", "noémie", "léa", "inès")
SEED = bytes(range(32))
CLOSES_AT = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)


def make_ids(count: int, rng: random.Random) -> list[str]:
    ids = []
    for number in range(count):
        network = rng.choice(NETWORKS)
        kind = rng.random()
        if kind < 0.05:  # a handle with an accent, sent decomposed
            stable = unicodedata.normalize("NFD", f"{rng.choice(NAMES)}{number}")
        elif network == "bluesky":
            stable = "did:plc:" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz234567", k=24))
        else:
            stable = str(rng.randrange(10**15, 10**18))
        ids.append(f"{network}:{stable}")
    # Entered twice, the second time composed (NFC): the same entrant once normalised.
    ids += [unicodedata.normalize("NFC", twice) for twice in rng.sample(ids, count // 50)]
    rng.shuffle(ids)
    return ids[:count]


def baseline(ids: Sequence[str]) -> bytes:
    return hashlib.sha256(("\n".join(sorted(set(ids))) + "\n").encode("utf-8")).digest()


def timed(work: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.draw", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--winners", type=int, default=10)
    parser.add_argument("--alternates", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    ids = make_ids(args.entries, random.Random(2026))
    print(f"bench/draw — Python {platform.python_version()}, {os.cpu_count()} CPUs; {len(ids):,} ids "
          f"({len(set(ids)):,} distinct as given), {args.winners} winners + {args.alternates} alternates, "
          f"{args.rounds} rounds", flush=True)

    proof = make_proof(SEED, ids, "01-02-03-04-05/06-07", args.winners, args.alternates, CLOSES_AT, "")
    canonical = list(proof.entries)
    hashed = entries_hash(canonical)
    text = proof.to_json()
    assert verify(json.loads(text)).holds
    cases: dict[str, Callable[[], object]] = {
        "baseline: sort + SHA-256": lambda: baseline(ids),
        "make_proof (the draw)": lambda: make_proof(SEED, ids, "01-02-03-04-05/06-07", args.winners,
                                                    args.alternates, CLOSES_AT, ""),
        "  canonical_entries": lambda: canonical_entries(ids),
        "  entries_hash": lambda: entries_hash(canonical),
        "  draw_key + pick": lambda: pick(canonical, draw_key(hashed, SEED, "01-02-03-04-05/06-07"),
                                          args.winners, args.alternates),
        "Proof.to_json": proof.to_json,
        "json.loads + verify": lambda: verify(json.loads(text)),
    }
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    for round_number in range(args.rounds):
        order = list(cases) if round_number % 2 == 0 else list(reversed(cases))  # a busy spell hits all alike
        for name in order:
            seconds[name].append(timed(cases[name]))

    base = statistics.median(seconds["baseline: sort + SHA-256"])
    print(f"\n{'':<28}{'best ms':>10}{'median ms':>12}{'× base':>9}")
    for name, times in seconds.items():
        print(f"{name:<28}{min(times) * 1000:>10.1f}{statistics.median(times) * 1000:>12.1f}"
              f"{statistics.median(times) / base:>9.1f}")
    draw_median = statistics.median(seconds["make_proof (the draw)"])
    print(f"\nproof: {len(text.encode()) / 1e6:.1f} MB of JSON, {len(canonical):,} entries; the draw "
          f"{draw_median:.3f} s (median), target ≤ {TARGET_SECONDS:g} s — "
          f"{'met' if draw_median <= TARGET_SECONDS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench/feeds_parse: how fast parvis reads feeds, against feedparser, on real-world feeds.

    .venv/bin/python -m bench.feeds_parse [--rounds 7]

* The corpus is the test corpus, `parvis/listening/tests/feeds/` (real-world documents:
  where each comes from is in its SOURCES.md): RSS 0.9x/1.0/2.0 and Atom 0.3/1.0, parsed
  from bytes by both parsers; its JSON Feeds, which feedparser 6.0 cannot read, are timed
  for parvis alone and left out of the ratio.
* Both parsers run in this one process, one after the other within each round, the order
  switching every round, so that a busy machine or a warming cache slows both alike. A
  round is one pass over every document; the figures are the median round (the best one
  in brackets): documents/s, MB/s of input and entries/s. GC runs as in production.
* The ratio is parvis's median throughput over feedparser's. Target: at least 3×.
* Agreement: for every entry, whether parvis and feedparser give the same title (as plain
  text), link, id and dates (in UTC, to the second) — the same comparison as the tests,
  which list the few entries where they legitimately differ and why.

No database: Django is configured (parvis.settings on a throw-away data folder) only so
that error messages can be translated. Figures only; nothing is asserted about timing.
"""

from __future__ import annotations

import argparse
import gc
import html
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "parvis" / "listening" / "tests" / "feeds"
TARGET_RATIO = 3.0


def load_corpus() -> tuple[list[bytes], list[bytes]]:
    """(XML documents, JSON Feed documents) of the corpus."""
    xml, json_feeds = [], []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".xml", ".rdf"):
            xml.append(path.read_bytes())
        elif path.suffix == ".json" and not path.name.startswith("notafeed"):
            json_feeds.append(path.read_bytes())
    return xml, json_feeds


def one_round(parse: Callable[[bytes], Any], documents: list[bytes]) -> tuple[float, int]:
    """Seconds for one pass over `documents`, and how many entries came out."""
    gc.collect()
    entries = 0
    started = time.perf_counter()
    for body in documents:
        entries += len(parse(body).entries)
    return time.perf_counter() - started, entries


def agreement(documents: list[bytes], parse: Callable[[bytes], Any]) -> tuple[int, dict[str, int]]:
    """How many entries, and per field how many of them parvis and feedparser agree on."""
    import feedparser

    def instant(entry: Any, key: str) -> datetime | None:
        found = dict.get(entry, key)  # feedparser's get() answers "updated" with "published"
        return datetime(*found[:6], tzinfo=UTC) if found else None

    def plain(entry: Any) -> str:
        title = entry.get("title", "")
        if entry.get("title_detail", {}).get("type") in ("text/html", "application/xhtml+xml"):
            title = html.unescape(re.sub(r"<[^>]+>", "", title))
        return " ".join(title.split())

    total, same = 0, dict.fromkeys(("title", "link", "id", "dates", "all"), 0)
    for body in documents:
        theirs, ours = feedparser.parse(body).entries, parse(body).entries
        for their, our in zip(theirs, ours, strict=False):
            total += 1
            checks = {
                "title": plain(their) == our.title,
                "link": their.get("link", "") == our.link,
                "id": their.get("id", "") == our.guid,
                "dates": (instant(their, "published_parsed"), instant(their, "updated_parsed")) == (
                    our.published and our.published.replace(microsecond=0),
                    our.updated and our.updated.replace(microsecond=0)),
            }
            checks["all"] = all(checks.values())
            for field, ok in checks.items():
                same[field] += ok
        total += abs(len(theirs) - len(ours))  # an entry only one of them found agrees on nothing
    return total, same


def describe(label: str, rounds: list[float], documents: int, megabytes: float, entries: int) -> str:
    median, best = statistics.median(rounds), min(rounds)
    columns = [f"{documents / median:,.0f} ({documents / best:,.0f})", f"{megabytes / median:.1f} "
               f"({megabytes / best:.1f})", f"{entries / median:,.0f} ({entries / best:,.0f})"]
    return f"{label:<20}" + "".join(f"{column:>22}" for column in columns)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds_parse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7, help="passes over the corpus per parser (default 7)")
    args = parser.parse_args(argv)

    os.environ.setdefault("PARVIS_DATA_DIR", tempfile.mkdtemp(prefix="parvis-bench-feeds-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
    os.environ.setdefault("PARVIS_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import feedparser
    from lxml import etree

    from parvis.listening.feeds.parse import parse_feed

    xml, json_feeds = load_corpus()
    megabytes = sum(map(len, xml)) / 1e6
    json_megabytes = sum(map(len, json_feeds)) / 1e6
    print(f"bench/feeds_parse — Python {platform.python_version()}, lxml {etree.__version__}, "
          f"feedparser {feedparser.__version__}, {os.cpu_count()} CPUs")
    print(f"corpus: {len(xml)} XML feeds ({megabytes:.2f} MB) + {len(json_feeds)} JSON Feeds "
          f"({json_megabytes:.2f} MB), {args.rounds} rounds")

    for body in xml[:3]:  # warm both up: imports, lazy tables, lxml's parser
        parse_feed(body)
        feedparser.parse(body)
    cases: dict[str, Callable[[bytes], Any]] = {"parvis": parse_feed, "feedparser": feedparser.parse}
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    entries: dict[str, int] = {}
    for round_number in range(args.rounds):
        order = list(cases) if round_number % 2 == 0 else list(reversed(cases))
        for name in order:
            elapsed, entries[name] = one_round(cases[name], xml)
            seconds[name].append(elapsed)
        print(f"  round {round_number + 1}: " + ", ".join(f"{n} {seconds[n][-1] * 1000:.0f} ms" for n in cases),
              flush=True)
    json_seconds = [one_round(parse_feed, json_feeds)[0] for _ in range(args.rounds)]
    json_entries = one_round(parse_feed, json_feeds)[1]

    print()
    print(f"{'median (best)':<20}{'documents/s':>22}{'MB/s':>22}{'entries/s':>22}")
    for name in cases:
        print(describe(name, seconds[name], len(xml), megabytes, entries[name]))
    print(describe("parvis, JSON Feeds", json_seconds, len(json_feeds), json_megabytes, json_entries))
    ratio = statistics.median(seconds["feedparser"]) / statistics.median(seconds["parvis"])
    best_ratio = min(seconds["feedparser"]) / min(seconds["parvis"])
    print(f"\nparvis / feedparser: {ratio:.1f}× on the median round ({best_ratio:.1f}× best against best); "
          f"target ≥ {TARGET_RATIO:g}× — {'met' if ratio >= TARGET_RATIO else 'NOT met'}")

    total, same = agreement(xml, parse_feed)
    print(f"\nagreement with feedparser on {total} entries: " + ", ".join(
        f"{field} {count / total:.1%}" for field, count in same.items() if field != "all")
        + f"; every field {same['all']} ({same['all'] / total:.1%})")
    print("(the differences are listed, with their reasons, in parvis/listening/tests/test_feed_parse.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

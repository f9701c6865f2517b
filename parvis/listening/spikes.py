"""Spikes: an hour when a monitor's volume rises far above its usual level, and what drives it.

The rule (`detect`), for the hour H starting at `now_hour` with `count` hits:

- The baseline is 21 hourly counts: the hours H-1, H and H+1 of the day, on each of the 7
  days before (an hour with no hit counts 0). The same hours of the day, because mentions
  follow a daily rhythm (a monitor busy every morning at 9 is not spiking at 9); the hours
  either side too, because one sample a day is too few to know how much a count varies,
  and an evening's rush does not start on the hour.
- `expected` is their mean m; their spread s is the sample standard deviation, raised to
  at least √m and at least 1. Counts of hits are Poisson-like, so √m is the least spread
  an honest baseline has: a monitor that had exactly 0 hits every day would otherwise
  see any hit as infinitely unusual.
- z = (count − m) / s. The hour is a spike when count ≥ `floor` (10: a handful of hits is
  not news, whatever the baseline), AND z ≥ `z_min` (3), AND count ≥ `ratio_min` (3) ×
  max(m, 1) (on a busy, steady monitor a 20 % rise can be 3 spreads without being "far
  above" anything).

Its limits: a weekly rhythm (a quiet Sunday, a busy Monday) is not modelled, so a Monday
morning after a quiet weekend is compared with the weekend too; a spike that lasts keeps
counting as one until it enters the baseline of the next days.

What drives it (`drivers`), from the hits of the hour and those of the usual hours:

- terms: the words (folded, stop words, links and numbers left out, as for stories) found
  in at least 3 of the hour's hits whose share of hits rose most: the log of their
  smoothed share now over their smoothed share usually, (c + ½)/(n + 1) against
  (u + ½)/(N + 1), counting each word once a hit (a post repeating "panne" ten times is
  one hit). Only words whose share rose; with no usual hits, the most frequent words.
- sources and authors: those with the most of the hour's hits, if they have at least 2
  of them AND at least 10 % (one author's two posts in a hundred explain nothing).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from parvis.listening.stories import words

BASELINE_DAYS = 7
NEIGHBOUR_HOURS = (-1, 0, 1)
MIN_TERM_HITS = 3
MIN_SHARE = 0.10
MIN_HITS = 2


@dataclass
class Mention:
    """One hit of a monitor, as the drivers read it."""

    text: str
    source: str = ""  # where it was found: a site, a feed, a network
    author: str = ""


@dataclass
class Drivers:
    """What the hour's hits have more of than usual, each with its count in the hour."""

    terms: list[tuple[str, int]] = field(default_factory=list)
    sources: list[tuple[str, int]] = field(default_factory=list)
    authors: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Spike:
    count: int
    expected: float
    z: float
    drivers: Drivers = field(default_factory=Drivers)


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now_hour must be timezone-aware")


def baseline(hourly: Mapping[datetime, int], now_hour: datetime) -> list[int]:
    """The 21 counts `now_hour` is compared with (see the module's docstring)."""
    _check_aware(now_hour)
    return [
        hourly.get(now_hour - timedelta(days=day) + timedelta(hours=offset), 0)
        for day in range(1, BASELINE_DAYS + 1)
        for offset in NEIGHBOUR_HOURS
    ]


def detect(
    hourly: Mapping[datetime, int],
    now_hour: datetime,
    *,
    floor: int = 10,
    z_min: float = 3.0,
    ratio_min: float = 3.0,
) -> Spike | None:
    """A Spike if the hour starting at `now_hour` (a key of `hourly`: the start of a UTC
    hour) is far above the usual level, else None. Its drivers are left empty: they come
    from the hits themselves (`drivers`)."""
    samples = baseline(hourly, now_hour)
    count = hourly.get(now_hour, 0)
    mean = statistics.fmean(samples)
    spread = max(statistics.stdev(samples), math.sqrt(mean), 1.0)
    z = (count - mean) / spread
    if count >= floor and z >= z_min and count >= ratio_min * max(mean, 1.0):
        return Spike(count=count, expected=mean, z=z)
    return None


def _terms(mention: Mention) -> set[str]:
    return {word for word in words(mention.text) if not word.isdigit()}


def drivers(current: Sequence[Mention], usual: Sequence[Mention], *, top: int = 5) -> Drivers:
    """What the hour's hits (`current`) have more of than the usual hours' (`usual`)."""
    now = Counter(term for mention in current for term in _terms(mention))
    before = Counter(term for mention in usual for term in _terms(mention))
    n, total = len(current), len(usual)

    def rise(term: str) -> float:
        return math.log((now[term] + 0.5) / (n + 1)) - math.log((before[term] + 0.5) / (total + 1))

    candidates = [term for term, hits in now.items() if hits >= MIN_TERM_HITS]
    if usual:
        ranked = sorted((t for t in candidates if rise(t) > 0), key=lambda t: (-rise(t), -now[t], t))
    else:  # nothing to compare with: the most frequent
        ranked = sorted(candidates, key=lambda t: (-now[t], t))
    return Drivers(
        terms=[(term, now[term]) for term in ranked[:top]],
        sources=_leaders([mention.source for mention in current], top),
        authors=_leaders([mention.author for mention in current], top),
    )


def _leaders(names: list[str], top: int) -> list[tuple[str, int]]:
    counts = Counter(name for name in names if name)
    least = max(MIN_HITS, math.ceil(MIN_SHARE * len(names)))
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(name, hits) for name, hits in ranked if hits >= least][:top]

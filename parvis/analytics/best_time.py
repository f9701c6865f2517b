"""Best time to post, per account, from its own history.

Each post is scored by its interactions relative to the account's median post (1.0 is a
usual post, 2.0 twice as engaging), so that an account's growth or a viral week does not
make every later slot look good. Posts are placed in a weekday × 3-hour grid in the
workspace's time zone. A slot with few posts is pulled toward the account's average
(`PRIOR_POSTS` imaginary average posts are added to each slot): one lucky post does not
make a best time. Each cell says how many posts are behind it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from parvis.analytics.models import PostFigures

SLOT_HOURS = 3
SLOTS = 24 // SLOT_HOURS
HISTORY = timedelta(days=180)
PRIOR_POSTS = 3.0
MIN_POSTS = 8  # below this, an account's history says nothing yet
SUGGESTED = 3


@dataclass
class Cell:
    weekday: int  # 0 = Monday
    slot: int  # 0 = 00:00–03:00
    posts: int
    raw: float | None  # the mean relative engagement of its posts
    score: float  # pulled toward the account's average: what cells are ranked by

    @property
    def starts(self) -> time:
        return time(self.slot * SLOT_HOURS)

    @property
    def ends(self) -> time:
        return time((self.slot + 1) * SLOT_HOURS % 24)

    @property
    def lift(self) -> float:
        """In %, against a usual post of the account (its median)."""
        return round((self.score - 1.0) * 100, 1)


@dataclass
class BestTimes:
    posts: int
    average: float
    grid: list[list[Cell]]  # 7 weekdays × SLOTS
    best: list[Cell]

    @property
    def enough(self) -> bool:
        return self.posts >= MIN_POSTS


def relative_scores(values: list[int]) -> list[float]:
    """Each value over the median of all (a median of 0 counts as 1: an account whose
    usual post gets nothing still has better and worse posts)."""
    if not values:
        return []
    median = statistics.median(values) or 1.0
    return [v / median for v in values]


def compute(posts: list[tuple[datetime, int]], tz: ZoneInfo, prior: float = PRIOR_POSTS) -> BestTimes:
    """The grid from (published at, interactions) pairs."""
    scores = relative_scores([interactions for _when, interactions in posts])
    average = statistics.fmean(scores) if scores else 1.0
    sums = [[0.0] * SLOTS for _ in range(7)]
    counts = [[0] * SLOTS for _ in range(7)]
    for (when, _interactions), score in zip(posts, scores, strict=True):
        local = when.astimezone(tz)
        sums[local.weekday()][local.hour // SLOT_HOURS] += score
        counts[local.weekday()][local.hour // SLOT_HOURS] += 1
    grid = [[Cell(day, slot, counts[day][slot], sums[day][slot] / counts[day][slot] if counts[day][slot] else None,
                  round((sums[day][slot] + prior * average) / (counts[day][slot] + prior), 3))
             for slot in range(SLOTS)] for day in range(7)]
    tried = [cell for row in grid for cell in row if cell.posts]
    best = sorted(tried, key=lambda c: (-c.score, -c.posts))[:SUGGESTED] if len(posts) >= MIN_POSTS else []
    return BestTimes(len(posts), round(average, 3), grid, best)


def for_account(account_id: int, tz: ZoneInfo, now: datetime) -> BestTimes:
    """The account's best times from its posts of the last six months with figures."""
    rows = list(PostFigures.objects.filter(account_id=account_id, published_at__gte=now - HISTORY, readings__gt=0)
                .values_list("published_at", "interactions"))
    return compute(rows, tz)

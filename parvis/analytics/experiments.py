"""Timing experiments: "Tuesday 08:00 against 12:30 for four weeks".

The account's posts published on that weekday within `NEAR` of either time, during the
weeks, are scored as best times scores them (relative to the account's usual post) and
the two groups compared. The result is said in words: which time did better and by how
much, on how many posts, and whether that is clear or may still be chance (a rank test,
Mann–Whitney's U with the normal approximation: it assumes nothing about how
engagement is spread, and a viral post cannot decide alone)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import formats
from django.utils.translation import gettext as _

from parvis.accounts.models import User
from parvis.analytics.best_time import HISTORY, relative_scores
from parvis.analytics.models import PostFigures, TimingExperiment
from parvis.core.texts import WordedError
from parvis.networks.models import SocialAccount

NEAR = timedelta(minutes=45)  # a post counts for a time when published this close to it
MIN_EACH = 3  # posts at each time before anything is said
CLEAR = 0.05  # below this chance, the difference is called clear
MAX_WEEKS = 26


class ExperimentError(WordedError, ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def start(account: SocialAccount, weekday: int, time_a: time, time_b: time, starts_on: date, weeks: int = 4,
          person: User | None = None, add_to_queue: bool = False) -> TimingExperiment:
    """A new experiment; with `add_to_queue`, both times become posting times of the
    account's queue, so that queued posts take them in turn."""
    if not 0 <= weekday <= 6:
        raise ExperimentError(_("Choose a day of the week."), "weekday")
    if time_a == time_b:
        raise ExperimentError(_("Choose two different times."), "time_b")
    if abs(_minutes(time_a) - _minutes(time_b)) < 2 * NEAR.total_seconds() / 60:
        raise ExperimentError(_("Choose times at least an hour and a half apart: posts near both would count "
                                "for both."), "time_b")
    if not 1 <= weeks <= MAX_WEEKS:
        raise ExperimentError(_("An experiment lasts from 1 to %(most)s weeks.") % {"most": MAX_WEEKS}, "weeks")
    made = TimingExperiment.objects.create(workspace=account.workspace, account=account, weekday=weekday,
                                           time_a=time_a, time_b=time_b, starts_on=starts_on, weeks=weeks,
                                           created_by=person)
    if add_to_queue:
        from parvis.publishing import queue

        queue.add_slots(account, [weekday], [time_a, time_b], person)
    return made


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


@dataclass
class Arm:
    at: time
    posts: int
    mean: float | None  # mean relative engagement (1.0 = the account's usual post)


@dataclass
class Result:
    a: Arm
    b: Arm
    ends_on: date
    over: bool
    winner: str  # "a", "b" or "" (not enough posts, or equal)
    lift: float | None  # how much better the winner did, in %
    chance: float | None  # two-sided p-value of the rank test
    summary: str  # the plain sentence


def result(experiment: TimingExperiment, now: datetime) -> Result:
    tz = experiment.workspace.tz
    ends_on = experiment.starts_on + timedelta(weeks=experiment.weeks)
    history = list(PostFigures.objects.filter(account=experiment.account, readings__gt=0,
                                              published_at__gte=now - HISTORY)
                   .values_list("published_at", "interactions"))
    scored = zip(history, relative_scores([i for _when, i in history]), strict=True)
    groups: dict[str, list[float]] = {"a": [], "b": []}
    for (when, _interactions), score in scored:
        local = when.astimezone(tz)
        if local.weekday() != experiment.weekday or not experiment.starts_on <= local.date() < ends_on:
            continue
        for arm, at in (("a", experiment.time_a), ("b", experiment.time_b)):
            moment = datetime.combine(local.date(), at, tzinfo=tz)
            if abs(local - moment) <= NEAR:
                groups[arm].append(score)
    a = Arm(experiment.time_a, len(groups["a"]), statistics.fmean(groups["a"]) if groups["a"] else None)
    b = Arm(experiment.time_b, len(groups["b"]), statistics.fmean(groups["b"]) if groups["b"] else None)
    over = now.astimezone(tz).date() >= ends_on
    return _judge(a, b, groups, ends_on, over)


def _judge(a: Arm, b: Arm, groups: dict[str, list[float]], ends_on: date, over: bool) -> Result:
    names = {"a": a.at.strftime("%H:%M"), "b": b.at.strftime("%H:%M")}
    until = formats.date_format(ends_on, "j F")
    if a.posts < MIN_EACH or b.posts < MIN_EACH:
        summary = _("Not enough posts yet: %(a)s has %(na)s, %(b)s has %(nb)s (%(least)s each are needed).") % {
            "a": names["a"], "na": a.posts, "b": names["b"], "nb": b.posts, "least": MIN_EACH}
        if not over:
            summary += " " + _("The experiment runs until %(date)s.") % {"date": until}
        return Result(a, b, ends_on, over, "", None, None, summary)
    assert a.mean is not None and b.mean is not None
    chance = mann_whitney_p(groups["a"], groups["b"])
    if a.mean == b.mean:
        return Result(a, b, ends_on, over, "", 0.0, chance,
                      _("%(a)s and %(b)s did the same.") % {"a": names["a"], "b": names["b"]})
    winner, loser = ("a", "b") if a.mean > b.mean else ("b", "a")
    best, worst = (a, b) if winner == "a" else (b, a)
    lift = round(100 * (best.mean - worst.mean) / worst.mean, 1) if worst.mean else None  # type: ignore[operator]
    summary = _("%(best)s did better than %(worst)s: %(lift)s engagement per post (%(nb)s posts against %(nw)s).") % {
        "best": names[winner], "worst": names[loser], "nb": best.posts, "nw": worst.posts,
        "lift": f"+{formats.number_format(lift, 0)} %" if lift is not None else "∞"}
    if chance < CLEAR:
        summary += " " + _("The difference is clear.")
    else:
        summary += " " + _("With this few posts it may still be chance.")
    if not over:
        summary += " " + _("The experiment runs until %(date)s.") % {"date": until}
    return Result(a, b, ends_on, over, winner, lift, round(chance, 4), summary)


def mann_whitney_p(first: list[float], second: list[float]) -> float:
    """Two-sided p-value of Mann–Whitney's U (normal approximation, ties averaged and
    corrected for). 1.0 when nothing can be said."""
    n1, n2 = len(first), len(second)
    if not n1 or not n2:
        return 1.0
    ranked = sorted([(v, 0) for v in first] + [(v, 1) for v in second])
    ranks = [0.0] * len(ranked)
    ties = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        size = j - i + 1
        ties += size ** 3 - size
        i = j + 1
    r1 = sum(rank for rank, (_v, group) in zip(ranks, ranked, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)  # with continuity correction
    return max(0.0, min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2))))

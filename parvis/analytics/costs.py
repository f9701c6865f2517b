"""What the CM's time on a client cost over a period, and what it brought per click,
per conversion and per engagement.

The hours, per workspace and day (in the zone the period is read in):

* entered: the day has time entries (`TimeEntry`) for the workspace; their minutes
  are the day's, and replace the estimate for that whole day;
* estimated otherwise: the posts published that day × `minutes_per_post`, plus the
  inbox replies sent that day × `minutes_per_reply` (`CostSettings`, or its defaults).

A post counts once however many accounts it went to (the CM wrote it once), on the day
it was first published; a reply counts on the day it went out. The cost is the hours
÷ `hours_per_day` × `day_rate`, per workspace, summed; over workspaces with different
currencies no total is given (`cost` is None).

The clicks are the short links' (parvis's own `/l/<code>`, counted per UTC day) and the
networks' own link clicks (`DailyFigures.clicks`); the interactions and the network
clicks are those of the posts published in the period (the roll-ups' reading).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from parvis.analytics.conversions import totals as conversion_totals
from parvis.analytics.dashboard import Period
from parvis.analytics.models import CostSettings, DailyFigures, LinkClicks, PostFigures, TimeEntry
from parvis.publishing.models import PostKind, Publication, State

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass
class Costs:
    hours: Decimal  # entered + estimated
    hours_entered: Decimal
    hours_estimated: Decimal
    days_entered: int  # days whose hours were entered (the others, with work, were estimated)
    posts: int
    replies: int
    currency: str  # "" when the workspaces' currencies differ
    cost: Decimal | None
    clicks: int
    short_link_clicks: int
    network_clicks: int
    conversions: int
    conversion_value: Decimal | None
    interactions: int
    per_click: Decimal | None  # None when there was nothing to divide by (or no cost)
    per_conversion: Decimal | None
    per_engagement: Decimal | None

    @property
    def estimated(self) -> bool:
        """Whether any of the hours is an estimate (to say so where it is shown)."""
        return self.hours_estimated > 0


def settings_of(workspace_ids: Iterable[int]) -> dict[int, CostSettings]:
    """Each workspace's settings, the defaults (unsaved) where none were saved."""
    ids = list(workspace_ids)
    saved = {s.workspace_id: s for s in CostSettings.objects.filter(workspace_id__in=ids)}
    return {wid: saved.get(wid) or CostSettings(workspace_id=wid) for wid in ids}


def cost(workspace_ids: Iterable[int], period: Period, tz: ZoneInfo) -> Costs:
    ids = list(workspace_ids)
    settings = settings_of(ids)
    start, end = period.bounds(tz)

    posts = _first_day_per_post(PostFigures.objects.filter(workspace_id__in=ids, published_at__gte=start,
                                                           published_at__lt=end)
                                .exclude(publication__post__kind=PostKind.REPLY)
                                .values_list("workspace_id", "publication__post_id", "published_at"), tz)
    replies = _first_day_per_post(Publication.objects.filter(post__workspace_id__in=ids,
                                                             post__inbox_reply__isnull=False,
                                                             state=State.PUBLISHED, published_at__gte=start,
                                                             published_at__lt=end)
                                  .values_list("post__workspace_id", "post_id", "published_at"), tz)
    entered: dict[tuple[int, date], int] = defaultdict(int)
    for wid, day, minutes in TimeEntry.objects.filter(workspace_id__in=ids, day__gte=period.start,
                                                      day__lte=period.end).values_list("workspace_id", "day",
                                                                                       "minutes"):
        entered[(wid, day)] += minutes

    estimated: dict[tuple[int, date], int] = defaultdict(int)
    for (wid, day), count in posts.items():
        estimated[(wid, day)] += count * settings[wid].minutes_per_post
    for (wid, day), count in replies.items():
        estimated[(wid, day)] += count * settings[wid].minutes_per_reply
    estimated = {key: minutes for key, minutes in estimated.items() if key not in entered}

    minutes_by_workspace: dict[int, int] = defaultdict(int)
    for (wid, _day), minutes in [*entered.items(), *estimated.items()]:
        minutes_by_workspace[wid] += minutes
    currencies = {settings[wid].currency for wid in ids}
    total: Decimal | None = None
    if len(currencies) == 1:
        total = sum((_money(minutes_by_workspace[wid], settings[wid]) for wid in ids), Decimal(0)).quantize(CENT)

    short_clicks = (LinkClicks.objects.filter(link__workspace_id__in=ids, day__gte=period.start,
                                              day__lte=period.end).aggregate(n=Sum("clicks"))["n"] or 0)
    daily = DailyFigures.objects.filter(workspace_id__in=ids, day__gte=period.start, day__lte=period.end).aggregate(
        clicks=Sum("clicks"), interactions=Sum("interactions"))
    network_clicks, interactions = daily["clicks"] or 0, daily["interactions"] or 0
    conversions = conversion_totals(ids, period)
    clicks = short_clicks + network_clicks
    return Costs(
        hours=_hours(sum(entered.values()) + sum(estimated.values())),
        hours_entered=_hours(sum(entered.values())), hours_estimated=_hours(sum(estimated.values())),
        days_entered=len({day for (_wid, day) in entered}), posts=sum(posts.values()), replies=sum(replies.values()),
        currency=currencies.pop() if len(currencies) == 1 else "", cost=total,
        clicks=clicks, short_link_clicks=short_clicks, network_clicks=network_clicks,
        conversions=conversions.count, conversion_value=conversions.value, interactions=interactions,
        per_click=_per(total, clicks), per_conversion=_per(total, conversions.count),
        per_engagement=_per(total, interactions))


def _first_day_per_post(rows: Iterable[tuple[int, int, datetime | None]], tz: ZoneInfo) -> dict[tuple[int, date], int]:
    """How many posts were first published on each workspace's day."""
    first: dict[tuple[int, int], datetime] = {}
    for wid, post_id, published_at in rows:
        if published_at is None:
            continue
        known = first.get((wid, post_id))
        if known is None or published_at < known:
            first[(wid, post_id)] = published_at
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for (wid, _post_id), published_at in first.items():
        counts[(wid, published_at.astimezone(tz).date())] += 1
    return counts


def _money(minutes: int, settings: CostSettings) -> Decimal:
    hours_per_day = Decimal(settings.hours_per_day)
    if hours_per_day <= 0:
        return Decimal(0)
    return Decimal(minutes) / 60 / hours_per_day * Decimal(settings.day_rate)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(TENTH, rounding=ROUND_HALF_UP)


def _per(total: Decimal | None, divisor: int) -> Decimal | None:
    if total is None or not divisor:
        return None
    return (total / divisor).quantize(CENT, rounding=ROUND_HALF_UP)

"""Response times: how fast items get a first response, per workspace and per person.

An item's first response is the first reply sent from parvis, or the item marked done
(someone decided it needed no answer). An item is overdue when it has had no response
and is older than the workspace's target (`InboxSettings.response_target_minutes`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from parvis.accounts.models import Workspace
from parvis.inbox.models import InboxSettings, Item, Status


def target(workspace: Workspace) -> timedelta:
    return timedelta(minutes=InboxSettings.of(workspace).response_target_minutes)


def overdue_filter(now: datetime, target_: timedelta) -> Q:
    return Q(in_inbox=True, first_response_at__isnull=True, created_at__lt=now - target_) & ~Q(status=Status.DONE)


def overdue(workspace: Workspace, now: datetime | None = None) -> QuerySet[Item]:
    now = now or timezone.now()
    return Item.objects.filter(overdue_filter(now, target(workspace)), workspace=workspace)


def is_overdue(item: Item, target_: timedelta, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (item.in_inbox and item.first_response_at is None and item.status != Status.DONE
            and item.created_at < now - target_)


@dataclass
class Figures:
    """Response figures over a set of items (minutes)."""

    items: int = 0
    answered: int = 0
    within_target: int = 0
    overdue: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    by_person: dict[int, PersonFigures] = field(default_factory=dict)

    @property
    def within_target_share(self) -> float | None:
        return self.within_target / self.answered if self.answered else None


@dataclass
class PersonFigures:
    user_id: int
    name: str
    answered: int
    median_minutes: float


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(workspaces: Iterable[Workspace], since: datetime, until: datetime | None = None,
            now: datetime | None = None) -> Figures:
    """Figures for items received in [since, until) across `workspaces` (each with its own
    target)."""
    now = now or timezone.now()
    until = until or now
    out = Figures()
    per_person: dict[int, tuple[str, list[float]]] = {}
    all_minutes: list[float] = []
    for workspace in workspaces:
        goal = target(workspace)
        items = Item.objects.filter(workspace=workspace, in_inbox=True, created_at__gte=since, created_at__lt=until)
        out.items += items.count()
        out.overdue += items.filter(overdue_filter(now, goal)).count()
        answered = items.filter(first_response_at__isnull=False).annotate(
            delay=F("first_response_at") - F("created_at")).values_list(
            "delay", "first_response_by_id", "first_response_by__email", "first_response_by__first_name")
        for delay, user_id, email, first_name in answered:
            minutes = max(0.0, delay.total_seconds() / 60)
            all_minutes.append(minutes)
            out.answered += 1
            out.within_target += minutes <= goal.total_seconds() / 60
            if user_id is not None:
                per_person.setdefault(user_id, (first_name or email, []))[1].append(minutes)
    if all_minutes:
        out.median_minutes = round(statistics.median(all_minutes), 1)
        out.p90_minutes = round(_percentile(all_minutes, 0.9), 1)
    out.by_person = {
        uid: PersonFigures(uid, name, len(values), round(statistics.median(values), 1))
        for uid, (name, values) in sorted(per_person.items(), key=lambda kv: -len(kv[1][1]))
    }
    return out


def daily_medians(workspace: Workspace, days: int, zone: tzinfo, now: datetime | None = None
                  ) -> list[tuple[date, float | None]]:
    """Median first-response time (minutes) of the items received each day of the last
    `days` days, days cut in `zone`; None for a day with no answered item."""
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    return daily_medians_between(workspace, today - timedelta(days=days - 1), today, zone)


def daily_medians_between(workspace: Workspace, first: date, last: date, zone: tzinfo
                          ) -> list[tuple[date, float | None]]:
    """The same, for each day from `first` to `last` (both included)."""
    days = (last - first).days + 1
    since = datetime.combine(first, time(0), tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    per_day: dict[date, list[float]] = {}
    answered = Item.objects.filter(workspace=workspace, in_inbox=True, created_at__gte=since, created_at__lt=until,
                                   first_response_at__isnull=False).values_list("created_at", "first_response_at")
    for created, responded in answered:
        if responded is None:  # excluded by the query; the type cannot say so
            continue
        per_day.setdefault(created.astimezone(zone).date(), []).append(
            max(0.0, (responded - created).total_seconds() / 60))
    out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        values = per_day.get(day)
        out.append((day, round(statistics.median(values), 1) if values else None))
    return out

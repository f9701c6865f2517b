"""Mission quotas: what a freelancer's contract promises per workspace, month and network
("20 posts on Instagram, 4 blog articles a month"), and where each month stands.

What this module keeps true:

- A contract carries on until changed. A month without rows reads the latest earlier
  month's promises; once that month has begun (in the workspace's zone) they are copied
  into it, and before a month is changed, the month after it, if it has begun and has no
  rows, gets the old promises first. So editing one month never changes another month that
  has begun; a month still to come follows the last change before it.
- A month is the workspace's: a post due at 23:30 on 31 December in Paris counts for
  December, whoever looks and from wherever.
- Counting costs one query however many workspaces are counted (the home page lists them
  all), grouped in the database with filtered counts, never a query per network (and one
  before it for the workspaces' accounts).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.actions import notify, owners_of
from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.networks import registry
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Mission, PostKind, Publication, State
from parvis.publishing.types import FieldError, PostValidationError

MAX_PROMISE = 10_000  # posts a month on one network: beyond, a typo
WARN_DAYS = 7  # the plan is at risk in the month's last week
NOT_PLANNED = (State.CANCELLED, State.FAILED)
MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
YEARS = range(1900, 3000)  # as the calendar's: a month's neighbours stay within `date`


@dataclass(frozen=True)
class MissionProgress:
    network: str
    label: str
    promised: int
    planned: int  # due in the month, in any state but cancelled and failed
    published: int
    short_by: int  # promised - planned, never below 0
    at_risk: bool  # short, and the month ends within WARN_DAYS


@dataclass(frozen=True)
class MonthPromises:
    promises: dict[str, int]  # network → posts promised (> 0 only)
    carried_from: date | None  # the earlier month they come from, while the month has not begun


# -- months ------------------------------------------------------------------------------

def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_span(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The month's first and next month's first instant, in UTC, midnight in `tz`."""
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime.combine(next_month(month), datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def current_month(workspace: Workspace, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(workspace.tz).date().replace(day=1)


def parse_month(raw: str) -> date:
    """"2026-12" → 1 December 2026; anything else is an error on `month`."""
    found = MONTH_RE.fullmatch(raw or "")
    if found is None or int(found[1]) not in YEARS or not 1 <= int(found[2]) <= 12:
        raise PostValidationError([FieldError("month", _("Enter a month like 2026-12."))])
    return date(int(found[1]), int(found[2]), 1)


def in_last_week(month: date, local_today: date) -> bool:
    return local_today.replace(day=1) == month and local_today > last_day(month) - timedelta(days=WARN_DAYS)


# -- promises ----------------------------------------------------------------------------

def _effective(workspaces: list[Workspace], months: Mapping[int, date], now: datetime) -> dict[int, MonthPromises]:
    """Each workspace's promises for its month in `months` (one query per distinct month:
    one or two), carried-forward ones copied into the months that have begun."""
    by_month: dict[date, list[int]] = defaultdict(list)
    for workspace in workspaces:
        by_month[months[workspace.pk]].append(workspace.pk)
    found: dict[int, tuple[date, dict[str, int]]] = {}
    for month, ids in by_month.items():
        latest = (Mission.objects.filter(workspace=OuterRef("workspace"), month__lte=month)
                  .order_by("-month").values("month")[:1])
        rows = Mission.objects.filter(workspace_id__in=ids, month=Subquery(latest)).values_list(
            "workspace_id", "month", "network", "promised")
        for workspace_id, source, network, promised in rows:
            found.setdefault(workspace_id, (source, {}))[1][network] = promised
    out: dict[int, MonthPromises] = {}
    copies: list[Mission] = []
    for workspace in workspaces:
        month = months[workspace.pk]
        source, given = found.get(workspace.pk, (month, {}))
        positive = {network: n for network, n in given.items() if n > 0}
        carried = source < month and bool(positive)
        if carried and month <= current_month(workspace, now):
            copies += [Mission(workspace_id=workspace.pk, month=month, network=network, promised=n)
                       for network, n in positive.items()]
            carried = False
        out[workspace.pk] = MonthPromises(positive, source if carried else None)
    if copies:  # another request may be copying the same month: the first one's rows stand
        Mission.objects.bulk_create(copies, ignore_conflicts=True)
    return out


def month_promises(workspace: Workspace, month: date, now: datetime | None = None) -> MonthPromises:
    month = month.replace(day=1)
    return _effective([workspace], {workspace.pk: month}, now or timezone.now())[workspace.pk]


def promises(workspace: Workspace, month: date, now: datetime | None = None) -> dict[str, int]:
    """Network → posts promised in `month` (carried forward from an earlier month if it
    has none of its own)."""
    return month_promises(workspace, month, now).promises


def _checked(changes: Mapping[str, object]) -> dict[str, int]:
    """The changes as numbers (blank and None are 0), or every bad one named."""
    values, errors = {}, []
    for network, raw in changes.items():
        field = f"promises.{network}"
        if network not in registry.NETWORKS:
            errors.append(FieldError(field, _("“%(network)s” is not a network parvis knows.") % {"network": network}))
            continue
        value = raw.strip() if isinstance(raw, str) else raw
        if value is None or value == "":
            values[network] = 0
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_PROMISE:
            values[network] = value
        elif isinstance(value, str) and value.isascii() and value.isdigit() and int(value) <= MAX_PROMISE:
            values[network] = int(value)
        else:
            errors.append(FieldError(field, _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_PROMISE}))
    if errors:
        raise PostValidationError(errors)
    return values


def _describe(promised: Mapping[str, int]) -> str:
    """"Bluesky 8, Mastodon 20": brand names and numbers, the same in every language."""
    return ", ".join(f"{network_label(network)} {n}" for network, n in sorted(promised.items()) if n > 0)


@transaction.atomic
def set_promises(workspace: Workspace, month: date, changes: Mapping[str, object], actor: User | None,
                 now: datetime | None = None) -> dict[str, int]:
    """Change the promises of the networks named in `changes` for `month` (0 or blank
    removes one; networks not named keep theirs). Returns the month's promises.
    PostValidationError names each bad network as `promises.<network>`."""
    values = _checked(changes)
    month, now = month.replace(day=1), now or timezone.now()
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()  # one change at a time
    following = next_month(month)
    before = month_promises(workspace, month, now).promises  # a begun month gets its rows here
    if following <= current_month(workspace, now) and not Mission.objects.filter(
            workspace=workspace, month=following).exists():
        Mission.objects.bulk_create([Mission(workspace=workspace, month=following, network=network, promised=n)
                                     for network, n in before.items()], ignore_conflicts=True)
    after = {network: n for network, n in {**before, **values}.items() if n > 0}
    if after == before:
        return after
    earlier = month_promises(workspace, previous_month(month), now).promises
    # With no promise left, 0 rows end the contract here; without a row the month would
    # carry the earlier month's promises forward again.
    wanted = after or dict.fromkeys(earlier, 0)
    rows = {m.network: m for m in Mission.objects.filter(workspace=workspace, month=month)}
    Mission.objects.filter(pk__in=[m.pk for network, m in rows.items() if network not in wanted]).delete()
    for network, n in wanted.items():
        row = rows.get(network)
        if row is None:
            Mission.objects.create(workspace=workspace, month=month, network=network, promised=n)
        elif row.promised != n:  # warned_at stays: the owners were told about this month
            row.promised = n
            row.save(update_fields=["promised"])
    audit.record(workspace, "mission.changed", actor=actor, target=workspace,
                 summary=Text.gettext("Mission for %(month)s changed", month=f"{month:%Y-%m}"),
                 before=_describe(before), after=_describe(after))
    return after


# -- progress ----------------------------------------------------------------------------

def network_label(network: str) -> str:
    info = registry.NETWORKS.get(network)
    return info.label if info is not None else network


def network_order(network: str) -> tuple[int, str]:
    keys = list(registry.NETWORKS)
    return (keys.index(network) if network in keys else len(keys), network)


Accounts = Mapping[int, tuple[int, str]]  # account id → (workspace id, network)


def accounts_of(workspace_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    return {pk: (workspace_id, network) for pk, workspace_id, network in SocialAccount.objects.filter(
        workspace_id__in=list(workspace_ids)).values_list("pk", "workspace_id", "network")}


def planned_counts(spans: Mapping[int, tuple[datetime, datetime]],
                   accounts: Accounts) -> QuerySet[Publication, tuple[Any, ...]]:
    """The counting query: (account, planned, published) rows, grouped in the database.

    It names the accounts rather than joining them to their workspace: each account's
    range of due times is then one search of the (account, due_at) index, and no row
    looks its account up (measured at 30 workspaces × 2,000 posts a month on SQLite:
    ~90 ms instead of ~240 ms through the due_at index and a join; bench/missions). The
    join to the post, to leave inbox replies out, stays: it is what a reply is. Its
    workspace, which the accounts already imply, is named for PostgreSQL's planner: it then
    reads the workspace's posts by their index instead of every post of every workspace
    (one workspace: 48 → 6 ms; bench/missions's data)."""
    by_span: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for account_id, (workspace_id, _network) in accounts.items():
        if workspace_id in spans:
            by_span[spans[workspace_id]].append(account_id)
    window = reduce(or_, (Q(account_id__in=ids, due_at__gte=start, due_at__lt=end)
                          for (start, end), ids in by_span.items()), Q(pk__in=[]))
    return (Publication.objects.filter(window, post__kind=PostKind.POST, post__workspace_id__in=list(spans))
            .exclude(state__in=NOT_PLANNED)
            .values_list("account_id")
            .annotate(planned=Count("pk"), published=Count("pk", filter=Q(state=State.PUBLISHED)))
            .order_by())


def count_planned(spans: Mapping[int, tuple[datetime, datetime]],
                  accounts: Accounts | None = None) -> dict[int, dict[str, tuple[int, int]]]:
    """Workspace → network → (planned, published) for each workspace's span of due
    times: one query for the accounts (unless given), one for the counts, whatever the
    number of workspaces and networks."""
    accounts = accounts_of(spans) if accounts is None else accounts
    out: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    if not any(workspace_id in spans for workspace_id, _network in accounts.values()):
        return out
    for account_id, planned, published in planned_counts(spans, accounts):
        workspace_id, network = accounts[account_id]
        before = out[workspace_id].get(network, (0, 0))
        out[workspace_id][network] = (before[0] + planned, before[1] + published)
    return out


def _progress(promised: Mapping[str, int], counted: Mapping[str, tuple[int, int]],
              risky: bool) -> list[MissionProgress]:
    rows = []
    for network in sorted(set(promised) | set(counted), key=network_order):
        planned, published = counted.get(network, (0, 0))
        short = max(promised.get(network, 0) - planned, 0)
        rows.append(MissionProgress(network, network_label(network), promised.get(network, 0), planned, published,
                                    short, risky and short > 0))
    return rows


def progress_for_workspaces(workspaces: Iterable[Workspace], month: date | None = None,
                            now: datetime | None = None) -> dict[int, list[MissionProgress]]:
    """Each workspace's progress in `month` (by default its own current month, in its
    zone): one row per network promised or planned on. A query for the promises (two
    around the turn of a month, when zones are in different months), one for the
    accounts and one for the counts, however many workspaces."""
    now = now or timezone.now()
    listed = list(workspaces)
    months = {w.pk: month.replace(day=1) if month else current_month(w, now) for w in listed}
    promised = _effective(listed, months, now)
    counted = count_planned({w.pk: month_span(months[w.pk], w.tz) for w in listed})
    out = {}
    for workspace in listed:
        local_today = now.astimezone(workspace.tz).date()
        out[workspace.pk] = _progress(promised[workspace.pk].promises, counted.get(workspace.pk, {}),
                                      in_last_week(months[workspace.pk], local_today))
    return out


def progress(workspace: Workspace, month: date, now: datetime | None = None) -> list[MissionProgress]:
    return progress_for_workspaces([workspace], month, now)[workspace.pk]


# -- the warning in the month's last week --------------------------------------------------

_last_warned: list[datetime] = []
WARN_EVERY = timedelta(hours=1)
ZONES_SPREAD = timedelta(hours=14)  # local times run from UTC-12 to UTC+14


def warn_short_missions(now: datetime) -> int:
    """Once an hour: tell owners whose month ends within a week that its plan falls short."""
    if _last_warned and now - _last_warned[-1] < WARN_EVERY:
        return 0
    _last_warned[:] = [now]
    return warn_short(now)


def _months_ending(now: datetime) -> set[date]:
    """The months some zone is in the last week of (none for most of a month: no query)."""
    found = set()
    for local in (now - ZONES_SPREAD, now + ZONES_SPREAD):
        day = local.astimezone(UTC).date()
        if in_last_week(day.replace(day=1), day):
            found.add(day.replace(day=1))
    return found


def warn_short(now: datetime) -> int:
    """Warn each workspace, once per month and network, whose plan for a network falls
    short of the promise in the month's last week. The number of workspaces warned."""
    warned = 0
    for month in _months_ending(now):
        latest = (Mission.objects.filter(workspace=OuterRef("workspace"), month__lte=month)
                  .order_by("-month").values("month")[:1])
        rows = (Mission.objects.filter(month=Subquery(latest), promised__gt=0)
                .filter(Q(month__lt=month) | Q(warned_at__isnull=True)).select_related("workspace"))
        due: dict[int, list[Mission]] = defaultdict(list)
        for row in rows:
            if in_last_week(month, now.astimezone(row.workspace.tz).date()):
                due[row.workspace_id].append(row)
        if not due:
            continue
        workspaces = {pk: group[0].workspace for pk, group in due.items()}
        counted = count_planned({pk: month_span(month, w.tz) for pk, w in workspaces.items()})
        for pk, candidates in due.items():
            short = [(row, counted.get(pk, {}).get(row.network, (0, 0))[0]) for row in candidates]
            short = [(row, planned) for row, planned in short if planned < row.promised]
            if short and _warn(workspaces[pk], month, short, now):
                warned += 1
    return warned


@transaction.atomic
def _warn(workspace: Workspace, month: date, short: list[tuple[Mission, int]], now: datetime) -> bool:
    carried = [row for row, _planned in short if row.month < month]
    if carried:  # the month gets its own rows, to keep when it was warned
        month_promises(workspace, month, now)
    claimed = [(row, planned) for row, planned in short if Mission.objects.filter(
        workspace=workspace, month=month, network=row.network, warned_at__isnull=True).update(warned_at=now)]
    if not claimed:  # another worker told them
        return False
    parts = [Text.gettext("%(network)s %(planned)d planned of %(promised)d promised, %(missing)d to plan",
                          network=network_label(row.network), planned=planned, promised=row.promised,
                          missing=row.promised - planned) for row, planned in claimed]
    shortfall = reduce(lambda first, then: Text.gettext("%(first)s; %(then)s", first=first, then=then), parts)
    notify(owners_of(workspace), workspace, "mission_short",
           Text.gettext("Mission for %(workspace)s: the plan falls short", workspace=workspace.name),
           Text.gettext("Mission for %(workspace)s: %(shortfall)s by %(last_day)s",
                        workspace=workspace.name, shortfall=shortfall, last_day=last_day(month)),
           _mission_url(workspace, month))
    return True


def _mission_url(workspace: Workspace, month: date) -> str:
    return f"{reverse('web:mission', args=[workspace.pk])}?month={month:%Y-%m}"

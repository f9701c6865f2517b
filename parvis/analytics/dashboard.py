"""What a dashboard shows, computed from the roll-ups (`PostFigures`, `DailyFigures`),
never from snapshots, so that a page costs the same with a million readings as with ten.

Engagement is given two ways, each labelled where shown:

* by followers: interactions ÷ the account's followers when the post went out;
* by views: interactions ÷ the post's views (its reach where the network gives no views).

For a period, each is given as total ÷ total (the period's interactions over its
followers or views, summed over its posts) and as the mean of the posts' own rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from parvis.analytics.models import DailyFigures, PostFigures
from parvis.core.texts import WordedError

PERIOD_DAYS = (7, 30, 90)
LONGEST = 366
TOP = 5


class PeriodError(WordedError, ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """Days, both ends included, in the time zone the figures are shown in."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time(0), tzinfo=tz),
                datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=tz))

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def period_of(values: Any, today: date) -> Period:
    """The period a request asks for: `days` (7, 30 or 90; the last ones up to
    yesterday, today being incomplete) or `start` and `end` (ISO dates); 30 days when it
    says nothing. PeriodError names the field that is wrong."""
    start, end = (values.get("start") or "").strip(), (values.get("end") or "").strip()
    if start or end:
        first, last = _date(start, "start"), _date(end, "end")
        if last < first:
            raise PeriodError(_("The end is before the start."), "end")
        if (last - first).days >= LONGEST:
            raise PeriodError(_("A period is at most %(days)s days.") % {"days": LONGEST}, "start")
        return Period(first, last)
    raw = (values.get("days") or "30").strip()
    if not raw.isdigit() or int(raw) not in PERIOD_DAYS:
        raise PeriodError(_("Choose 7, 30 or 90 days."), "days")
    days = int(raw)
    return Period(today - timedelta(days=days), today - timedelta(days=1))


def _date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(_("Give a date as YYYY-MM-DD."), name) from None


@dataclass
class Totals:
    posts: int = 0
    interactions: int = 0
    views: int = 0
    reach: int = 0
    clicks: int = 0
    followers: int | None = None  # at the period's end, summed over accounts
    followers_change: int | None = None
    rate_followers_total: float | None = None  # %
    rate_followers_mean: float | None = None
    rate_views_total: float | None = None
    rate_views_mean: float | None = None
    provisional: int = 0  # posts whose figures may still be revised


@dataclass
class Change:
    """A figure against the period before: the difference, and in % where it means
    something (None when the period before had nothing)."""

    value: float | None
    before: float | None
    difference: float | None
    percent: float | None


@dataclass
class PostRow:
    figures_id: int
    post_id: int
    workspace_id: int
    account_id: int
    network: str
    account: str
    text: str
    url: str
    published_at: datetime
    interactions: int
    views: int | None
    rate_followers: float | None
    rate_views: float | None
    values: dict[str, int]
    taken_at: datetime | None
    provisional: bool


@dataclass
class Breakdown:
    """One account's figures over the period."""

    account_id: int
    network: str
    account: str
    totals: Totals


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class Dashboard:
    period: Period
    totals: Totals
    before: Totals
    changes: dict[str, Change]
    days: list[date]
    followers: list[Series]  # one per account, then nothing else: a line each
    activity: dict[str, list[int]]  # "posts", "interactions": per day, summed
    top: list[PostRow]
    bottom: list[PostRow]
    accounts: list[Breakdown]
    networks: list[Breakdown] = field(default_factory=list)
    workspaces: list[Breakdown] = field(default_factory=list)  # across the agency: one row per client
    collected_at: datetime | None = None  # the latest reading behind these figures
    competitors: list[Any] = field(default_factory=list)  # la veille's, over the same period (`add_competitors`)

    @property
    def per_week(self) -> float:
        return round(self.totals.posts * 7 / self.period.days, 1)

    @property
    def interactions_mean(self) -> float | None:
        return round(self.totals.interactions / self.totals.posts, 1) if self.totals.posts else None


COMPARED = ("posts", "interactions", "views", "clicks", "followers", "rate_followers_total", "rate_views_total")


def build(workspace_ids: Sequence[int], period: Period, tz: ZoneInfo, *, account_ids: Sequence[int] = (),
          by_workspace: bool = False) -> Dashboard:
    """The dashboard of these workspaces (one, or every one a person sees) over `period`,
    days cut in `tz`; only `account_ids` when given; a row per workspace with
    `by_workspace` (the agency's view)."""
    posts = _posts(workspace_ids, account_ids)
    daily = DailyFigures.objects.filter(workspace_id__in=workspace_ids)
    if account_ids:
        daily = daily.filter(account_id__in=account_ids)
    totals = _totals(posts, daily, period, tz)
    before = _totals(posts, daily, period.previous(), tz)
    days = period.each_day()
    labels = _account_labels(daily, period)
    per_account = _followers_by_account(daily, period)
    followers = [Series(labels.get(pk, ("", str(pk)))[1], values) for pk, values in per_account.items()]
    start, end = period.bounds(tz)
    in_period = posts.filter(published_at__gte=start, published_at__lt=end)
    accounts = _breakdown(in_period, per_account, labels)
    return Dashboard(
        period=period, totals=totals, before=before,
        changes={name: _change(getattr(totals, name), getattr(before, name)) for name in COMPARED},
        days=days, followers=followers, activity=_activity(daily, period),
        top=_rows(in_period.filter(readings__gt=0).order_by("-interactions", "-published_at")[:TOP]),
        bottom=_rows(in_period.filter(readings__gt=0).order_by("interactions", "-published_at")[:TOP]),
        accounts=accounts, networks=_by_network(in_period, accounts),
        workspaces=_by_workspace(in_period, per_account) if by_workspace else [],
        collected_at=in_period.order_by("-taken_at").values_list("taken_at", flat=True).first(),
    )


def add_competitors(board: Dashboard, workspace: Any, tz: ZoneInfo) -> Dashboard:
    """The workspace's competitors followed in la veille, over the board's period, to show
    next to the brand (their rates are by followers, mean of posts, as the brand's)."""
    from parvis.listening.competitors import summaries

    start, end = board.period.bounds(tz)
    board.competitors = summaries(workspace, start, end)
    return board


def _posts(workspace_ids: Sequence[int], account_ids: Sequence[int]) -> QuerySet[PostFigures]:
    posts = PostFigures.objects.filter(workspace_id__in=workspace_ids)
    return posts.filter(account_id__in=account_ids) if account_ids else posts


def _rates() -> dict[str, Any]:
    with_followers = Q(followers__gt=0)
    with_views = Q(views__gt=0)
    return {
        # Named apart from the fields: an aggregate may not reuse a field's name that a
        # later one reads.
        "n_posts": Count("pk"), "n_interactions": Coalesce(Sum("interactions"), 0),
        "n_views": Coalesce(Sum("views"), 0), "n_reach": Coalesce(Sum("reach"), 0),
        "n_clicks": Coalesce(Sum("clicks"), 0), "n_provisional": Count("pk", filter=Q(provisional=True)),
        "f_interactions": Sum("interactions", filter=with_followers),
        "f_total": Sum("followers", filter=with_followers),
        "f_mean": Avg(Cast("interactions", FloatField()) * 100.0 / F("followers"), filter=with_followers),
        "v_interactions": Sum("interactions", filter=with_views), "v_total": Sum("views", filter=with_views),
        "v_mean": Avg(Cast("interactions", FloatField()) * 100.0 / F("views"), filter=with_views),
    }


def _totals_of(found: dict[str, Any]) -> Totals:
    return Totals(
        posts=found["n_posts"], interactions=found["n_interactions"], views=found["n_views"],
        reach=found["n_reach"], clicks=found["n_clicks"], provisional=found["n_provisional"],
        rate_followers_total=_ratio(found["f_interactions"], found["f_total"]),
        rate_followers_mean=_round(found["f_mean"]),
        rate_views_total=_ratio(found["v_interactions"], found["v_total"]),
        rate_views_mean=_round(found["v_mean"]),
    )


def _totals(posts: QuerySet[PostFigures], daily: QuerySet[DailyFigures], period: Period, tz: ZoneInfo) -> Totals:
    start, end = period.bounds(tz)
    totals = _totals_of(posts.filter(published_at__gte=start, published_at__lt=end).aggregate(**_rates()))
    per_account = _followers_by_account(daily, period)
    ends = [values[-1] for values in per_account.values() if values and values[-1] is not None]
    starts = [_first_known(values) for values in per_account.values()]
    if ends:
        totals.followers = int(sum(ends))
        known = [s for s in starts if s is not None]
        totals.followers_change = int(sum(ends) - sum(known)) if known else None
    return totals


def _first_known(values: list[float | None]) -> float | None:
    return next((v for v in values if v is not None), None)


def _followers_by_account(daily: QuerySet[DailyFigures], period: Period) -> dict[int, list[float | None]]:
    """Each account's followers on each day of the period, the last count carried over
    days without one (a day before the first count has none)."""
    rows = (daily.filter(day__lte=period.end, followers__isnull=False)
            .filter(day__gte=period.start - timedelta(days=LONGEST))
            .order_by("account_id", "day").values_list("account_id", "day", "followers"))
    known: dict[int, list[tuple[date, int]]] = {}
    for account_id, day, followers in rows:
        known.setdefault(account_id, []).append((day, followers or 0))
    out: dict[int, list[float | None]] = {}
    for account_id, counts in known.items():
        values: list[float | None] = []
        index, current = 0, None
        for day in period.each_day():
            while index < len(counts) and counts[index][0] <= day:
                current = counts[index][1]
                index += 1
            values.append(current)
        out[account_id] = values
    return out


def _activity(daily: QuerySet[DailyFigures], period: Period) -> dict[str, list[int]]:
    by_day = {row["day"]: row for row in daily.filter(day__gte=period.start, day__lte=period.end)
              .values("day").annotate(posts=Sum("posts"), interactions=Sum("interactions"))}
    days = period.each_day()
    return {name: [int(by_day[d][name] or 0) if d in by_day else 0 for d in days] for name in ("posts", "interactions")}


def _account_labels(daily: QuerySet[DailyFigures], period: Period) -> dict[int, tuple[str, str]]:
    from parvis.networks.models import SocialAccount

    ids = set(daily.filter(day__lte=period.end).values_list("account_id", flat=True).distinct())
    return {a.pk: (a.network, str(a)) for a in SocialAccount.objects.filter(pk__in=ids)}


def _breakdown(in_period: QuerySet[PostFigures], followers: dict[int, list[float | None]],
               labels: dict[int, tuple[str, str]]) -> list[Breakdown]:
    found: dict[int, dict[str, Any]] = {row["account_id"]: dict(row)
                                        for row in in_period.values("account_id").annotate(**_rates())}
    out = []
    for account_id in sorted(set(found) | set(followers), key=lambda pk: labels.get(pk, ("", ""))[1].lower()):
        totals = _totals_of(found[account_id]) if account_id in found else Totals()
        series = followers.get(account_id, [])
        if series and series[-1] is not None:
            totals.followers = int(series[-1])
            first = _first_known(series)
            totals.followers_change = int(series[-1] - first) if first is not None else None
        network, name = labels.get(account_id, ("", str(account_id)))
        out.append(Breakdown(account_id, network, name, totals))
    return out


def _by_network(in_period: QuerySet[PostFigures], accounts: list[Breakdown]) -> list[Breakdown]:
    found = {row["account__network"]: dict(row) for row in in_period.values("account__network").annotate(**_rates())}
    ends: dict[str, int] = {}
    for row in accounts:
        if row.totals.followers is not None:
            ends[row.network] = ends.get(row.network, 0) + row.totals.followers
    out = []
    for network in sorted(set(found) | set(ends)):
        totals = _totals_of(found[network]) if network in found else Totals()
        totals.followers = ends.get(network)
        out.append(Breakdown(0, network, network, totals))
    return out


def _by_workspace(in_period: QuerySet[PostFigures], followers: dict[int, list[float | None]]) -> list[Breakdown]:
    from parvis.accounts.models import Workspace
    from parvis.networks.models import SocialAccount

    found = {row["workspace_id"]: dict(row) for row in in_period.values("workspace_id").annotate(**_rates())}
    owners = dict(SocialAccount.objects.filter(pk__in=followers).values_list("pk", "workspace_id"))
    ends: dict[int, int] = {}
    for account_id, series in followers.items():
        if series and series[-1] is not None and account_id in owners:
            ends[owners[account_id]] = ends.get(owners[account_id], 0) + int(series[-1])
    names = dict(Workspace.objects.filter(pk__in=set(found) | set(ends)).values_list("pk", "name"))
    out = []
    for workspace_id in sorted(names, key=lambda pk: names[pk].lower()):
        totals = _totals_of(found[workspace_id]) if workspace_id in found else Totals()
        totals.followers = ends.get(workspace_id)
        out.append(Breakdown(workspace_id, "", names[workspace_id], totals))
    return out


def _rows(figures: QuerySet[PostFigures]) -> list[PostRow]:
    rows = []
    for f in figures.select_related("publication__post", "account"):
        pub = f.publication
        rows.append(PostRow(
            figures_id=f.pk, post_id=pub.post_id, workspace_id=f.workspace_id, account_id=f.account_id,
            network=f.account.network, account=str(f.account), text=pub.post.text[:280], url=pub.remote_url,
            published_at=f.published_at, interactions=f.interactions, views=f.views,
            rate_followers=_ratio(f.interactions, f.followers), rate_views=_ratio(f.interactions, f.views),
            values=dict(f.values), taken_at=f.taken_at, provisional=f.provisional))
    return rows


def _ratio(part: float | None, whole: float | None) -> float | None:
    return round(100.0 * part / whole, 2) if part is not None and whole else None


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _change(value: float | None, before: float | None) -> Change:
    if value is None or before is None:
        return Change(value, before, None, None)
    percent = round(100.0 * (value - before) / before, 1) if before else None
    return Change(value, before, round(value - before, 2), percent)

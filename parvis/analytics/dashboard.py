"""What a dashboard shows, computed from the roll-ups (`PostFigures`, `DailyFigures`),
never from snapshots, so that a page costs the same with a million readings as with ten.

Engagement is given two ways, each labelled where shown:

* by followers: interactions ÷ the account's followers when the post went out;
* by views: interactions ÷ the post's views (its reach where the network gives no views).

For a period, each is given as total ÷ total (the period's interactions over its
followers or views, summed over its posts) and as the mean of the posts' own rates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from parvis.analytics.models import DailyFigures, PostFigures
from parvis.core.texts import WordedError

PERIOD_DAYS = (7, 30, 90)
LONGEST = 366
FIRST_YEAR, LAST_YEAR = 1900, 2999  # days a period's bounds can be computed for (date.max cannot)
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
        check_years(Period(first, last))
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


def check_years(period: Period, start: str = "start", end: str = "end") -> Period:
    """The period, when its days are in years parvis computes with; else a PeriodError
    naming the field (a day near date.max has no day after it)."""
    for name, day in ((start, period.start), (end, period.end)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise PeriodError(_("Give a day between the years %(first)d and %(last)d.")
                              % {"first": FIRST_YEAR, "last": LAST_YEAR}, name)
    return period


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
class LinkRow:
    link_id: int
    code: str
    target: str
    network: str
    post_id: int
    clicks: int  # during the period


@dataclass
class Dashboard:
    period: Period
    totals: Totals
    before: Totals
    changes: dict[str, Change]
    days: list[date]
    followers: list[Series]  # a line per account (per client in the agency's view)
    activity: dict[str, list[int]]  # "posts", "interactions": per day, summed
    top: list[PostRow]
    bottom: list[PostRow]
    accounts: list[Breakdown]
    networks: list[Breakdown] = field(default_factory=list)
    workspaces: list[Breakdown] = field(default_factory=list)  # across the agency: one row per client
    collected_at: datetime | None = None  # the latest reading behind these figures
    competitors: list[Any] = field(default_factory=list)  # la veille's, over the same period (`add_competitors`)
    link_clicks: int = 0  # clicks on parvis's short links during the period
    links: list[LinkRow] = field(default_factory=list)  # the most followed

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
    `by_workspace` (the agency's view).

    The period's posts are aggregated once, per account; the totals, the networks' and the
    workspaces' rows are sums of those rows (an agency's month is some 15,000 posts)."""
    posts = _posts(workspace_ids, account_ids)
    daily = DailyFigures.objects.filter(workspace_id__in=workspace_ids)
    if account_ids:
        daily = daily.filter(account_id__in=account_ids)
    accounts = _accounts(workspace_ids, account_ids)
    start, end = period.bounds(tz)
    in_period = posts.filter(published_at__gte=start, published_at__lt=end)
    found: dict[int, dict[str, Any]] = {row["account_id"]: dict(row) for row in daily.filter(
        day__gte=period.start, day__lte=period.end).values("account_id").annotate(**_sums())}
    followers = _followers_by_account(daily, period, accounts)
    totals = _totals_of(_combine(found.values()))
    _add_followers(totals, followers.values())
    previous = period.previous()
    before = _totals_of(_combine([daily.filter(day__gte=previous.start, day__lte=previous.end).aggregate(**_sums())]))
    _add_followers(before, _followers_by_account(daily, previous, accounts).values())
    rows = [_breakdown(pk, accounts[pk].network, str(accounts[pk]), [found[pk]] if pk in found else [],
                       [followers[pk]] if pk in followers else [])
            for pk in sorted(set(found) | set(followers), key=lambda pk: str(accounts[pk]).lower())]
    with_figures = in_period.filter(readings__gt=0)
    return Dashboard(
        period=period, totals=totals, before=before,
        changes={name: _change(getattr(totals, name), getattr(before, name)) for name in COMPARED},
        days=period.each_day(), followers=_per_workspace(followers, accounts) if by_workspace
        else [Series(str(accounts[pk]), values) for pk, values in followers.items()],
        activity=_activity(daily, period),
        top=_rows(with_figures.order_by("-interactions", "-published_at")[:TOP]),
        bottom=_rows(with_figures.order_by("interactions", "-published_at")[:TOP]),
        accounts=rows, networks=_grouped(found, followers, accounts, lambda a: (a.network, a.network)),
        workspaces=_grouped(found, followers, accounts, lambda a: (a.workspace_id, a.workspace.name))
        if by_workspace else [],
        collected_at=_latest(row["last_taken"] for row in found.values()),
        **_links(workspace_ids, period),
    )


def _links(workspace_ids: Sequence[int], period: Period) -> dict[str, Any]:
    """Short links' clicks during the period (days as counted: UTC)."""
    from parvis.analytics.models import LinkClicks

    days = LinkClicks.objects.filter(link__workspace_id__in=workspace_ids, day__gte=period.start, day__lte=period.end)
    top = (days.values("link_id", "link__code", "link__target", "link__network", "link__post_id")
           .annotate(n=Sum("clicks")).order_by("-n", "link_id")[:TOP])
    return {"link_clicks": days.aggregate(n=Sum("clicks"))["n"] or 0,
            "links": [LinkRow(r["link_id"], r["link__code"], r["link__target"], r["link__network"], r["link__post_id"],
                              r["n"]) for r in top]}


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


def _per_workspace(followers: dict[int, list[float | None]], accounts: dict[int, Any]) -> list[Series]:
    """The followers of each workspace's accounts added up, day by day (the agency's
    chart: a line per client, not per account)."""
    sums: dict[int, tuple[str, list[float | None]]] = {}
    for pk, values in followers.items():
        name, total = sums.setdefault(accounts[pk].workspace_id, (accounts[pk].workspace.name, [None] * len(values)))
        for day, value in enumerate(values):
            if value is not None:
                total[day] = (total[day] or 0) + value
    return [Series(name, values) for name, values in sorted(sums.values(), key=lambda item: item[0].lower())]


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _accounts(workspace_ids: Sequence[int], account_ids: Sequence[int]) -> dict[int, Any]:
    from parvis.networks.models import SocialAccount

    # Not the credentials: decrypting them for a hundred accounts costs more than the page.
    found = (SocialAccount.objects.filter(workspace_id__in=workspace_ids).select_related("workspace")
             .defer("credentials", "config"))
    if account_ids:
        found = found.filter(pk__in=account_ids)
    return {account.pk: account for account in found}


def _sums() -> dict[str, Any]:
    """The roll-up's columns summed (named apart from the fields: an aggregate may not
    take the name of a field another one reads)."""
    return {
        "n_posts": Coalesce(Sum("posts"), 0), "n_interactions": Coalesce(Sum("interactions"), 0),
        "n_views": Coalesce(Sum("views"), 0), "n_reach": Coalesce(Sum("reach"), 0),
        "n_clicks": Coalesce(Sum("clicks"), 0), "n_provisional": Coalesce(Sum("provisional"), 0),
        "f_posts": Coalesce(Sum("rated_posts"), 0), "f_interactions": Coalesce(Sum("rated_interactions"), 0),
        "f_total": Coalesce(Sum("rated_followers"), 0), "f_rate_sum": Coalesce(Sum("rate_sum"), 0.0),
        "v_posts": Coalesce(Sum("viewed_posts"), 0), "v_interactions": Coalesce(Sum("viewed_interactions"), 0),
        "v_total": Coalesce(Sum("views", filter=Q(viewed_posts__gt=0)), 0),
        "v_rate_sum": Coalesce(Sum("view_rate_sum"), 0.0), "last_taken": Max("last_taken_at"),
    }


SUMMED = ("n_posts", "n_interactions", "n_views", "n_reach", "n_clicks", "n_provisional", "f_posts",
          "f_interactions", "f_total", "f_rate_sum", "v_posts", "v_interactions", "v_total", "v_rate_sum")


def _combine(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several groups' sums as one; the means of the posts' rates from their sums."""
    out: dict[str, Any] = dict.fromkeys(SUMMED, 0)
    for row in rows:
        for name in SUMMED:
            out[name] += row[name] or 0
    out["f_mean"] = out["f_rate_sum"] / out["f_posts"] if out["f_posts"] else None
    out["v_mean"] = out["v_rate_sum"] / out["v_posts"] if out["v_posts"] else None
    return out


def _totals_of(found: dict[str, Any]) -> Totals:
    return Totals(
        posts=found["n_posts"], interactions=found["n_interactions"], views=found["n_views"],
        reach=found["n_reach"], clicks=found["n_clicks"], provisional=found["n_provisional"],
        rate_followers_total=_ratio(found["f_interactions"], found["f_total"]),
        rate_followers_mean=_round(found["f_mean"]),
        rate_views_total=_ratio(found["v_interactions"], found["v_total"]),
        rate_views_mean=_round(found["v_mean"]),
    )


def _add_followers(totals: Totals, series: Iterable[list[float | None]]) -> None:
    """The followers at the period's end, summed over accounts, and their change since
    each account's first count in the period."""
    ends = [values[-1] for values in series if values and values[-1] is not None]
    if not ends:
        return
    totals.followers = int(sum(ends))
    firsts = [first for values in series if values and values[-1] is not None
              and (first := _first_known(values)) is not None]
    totals.followers_change = int(sum(ends) - sum(firsts))


def _first_known(values: list[float | None]) -> float | None:
    return next((v for v in values if v is not None), None)


def _followers_by_account(daily: QuerySet[DailyFigures], period: Period,
                          accounts: dict[int, Any]) -> dict[int, list[float | None]]:
    """Each account's followers on each day of the period, the last count carried over
    days without one (from before the period when the period starts without one)."""
    from parvis.networks.models import SocialAccount

    # The last count before the period, one index lookup per account.
    before = {pk: followers for pk, followers in SocialAccount.objects.filter(pk__in=list(accounts)).annotate(
        last=Subquery(DailyFigures.objects.filter(
            account_id=OuterRef("pk"), day__lt=period.start, followers__isnull=False)
            .order_by("-day").values("followers")[:1])).values_list("pk", "last") if followers is not None}
    rows = (daily.filter(day__gte=period.start, day__lte=period.end, followers__isnull=False)
            .order_by("account_id", "day").values_list("account_id", "day", "followers"))
    known: dict[int, list[tuple[date, int]]] = {}
    for account_id, day, followers in rows:
        known.setdefault(account_id, []).append((day, followers or 0))
    out: dict[int, list[float | None]] = {}
    days = period.each_day()
    for account_id in sorted(set(known) | set(before)):
        counts = known.get(account_id, [])
        values: list[float | None] = []
        index, current = 0, before.get(account_id)
        for day in days:
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


def _breakdown(key: Any, network: str, name: str, found: list[dict[str, Any]],
               series: list[list[float | None]]) -> Breakdown:
    totals = _totals_of(_combine(found))
    _add_followers(totals, series)
    return Breakdown(key, network, name, totals)


def _grouped(found: dict[int, dict[str, Any]], followers: dict[int, list[float | None]], accounts: dict[int, Any],
             key: Callable[[Any], tuple[Any, str]]) -> list[Breakdown]:
    """Rows of the accounts grouped by `key` (their network, or their workspace)."""
    groups: dict[Any, tuple[str, list[int]]] = {}
    for pk in set(found) | set(followers):
        group, name = key(accounts[pk])
        groups.setdefault(group, (name, []))[1].append(pk)
    out = [_breakdown(group if isinstance(group, int) else 0, group if isinstance(group, str) else "", name,
                      [found[pk] for pk in pks if pk in found], [followers[pk] for pk in pks if pk in followers])
           for group, (name, pks) in groups.items()]
    return sorted(out, key=lambda row: row.account.lower())


def _rows(figures: QuerySet[PostFigures]) -> list[PostRow]:
    """The posts of `figures` (sliced), read in two steps: the sort on narrow rows, then
    the few rows chosen with their text."""
    ids = list(figures.values_list("pk", flat=True))
    chosen = {f.pk: f for f in PostFigures.objects.filter(pk__in=ids).select_related(
        "publication__post", "account").defer("account__credentials", "account__config")}
    rows = []
    for f in (chosen[pk] for pk in ids if pk in chosen):
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

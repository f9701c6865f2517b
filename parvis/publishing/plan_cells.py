"""Which events each calendar cell shows, read at a cost that does not grow with the
number of posts.

A cell is a local day (month view) or half hour (week view) of the viewer's zone: one
range of UTC instants, two for the hour repeated when clocks go back, none for the hour
skipped when they go forward. For all the cells of a page at once, one query returns each
cell's first few events (by time, then post) and, for the crowded ones only, another
counts their events up to COUNT_CAP. Each is one small query per range, compiled once by
the ORM and run for every range in one statement: the database reads the (due_at,
post_id) index from the range's start and stops after a few rows. Ranking every
publication of the month in SQL instead (a window function) took 350 ms at 52,000
publications on SQLite; reading them all into Python costs as much. A week first looks in
the index for the half hours where anything is due, and skips the others.

Nothing here loads a model instance, so no account credentials are decrypted."""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from parvis.publishing.models import MediaAsset, Post, PostKind, PostMedia, Publication, State
from parvis.publishing.plan import EPOCH, LOCKED_STATES, Cell, Event, PlanFilters, span

COUNT_CAP = 100  # events counted per cell at most: beyond, a cell says "at least N more"
MAX_TERMS = 400  # per UNION ALL (SQLite refuses more than 500)
OCCUPIED_ABOVE, OCCUPIED_TIMES = 100, 1000  # when and how far to look for the ranges worth a query
TEXT_CHARS = 60  # of a post's text, read for its line
# Stand-ins for a range's bounds while a query is compiled once for every range.
MARK_START, MARK_END = datetime(1901, 1, 1, tzinfo=UTC), datetime(1901, 1, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Range:
    cell: int  # `plan.day_number` or `plan.slot_number` of the local day or half hour
    start: datetime
    end: datetime


def _offset(tz: ZoneInfo, moment: datetime) -> int:
    return int(moment.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]


def utc_offsets(tz: ZoneInfo, start: datetime, end: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """The zone's offset from UTC at `start` (seconds), and each instant before `end` at
    which it changes, with the offset from then on (daylight saving: a few at most)."""
    first, changes = _offset(tz, start), []
    before, current = int(start.timestamp()), first
    stop = int(end.timestamp())
    while before < stop:
        after = min(before + 86400, stop)
        if _offset(tz, datetime.fromtimestamp(after, UTC)) != current:
            low, high = before, after  # the change is in (low, high]: halve to the second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if _offset(tz, datetime.fromtimestamp(middle, UTC)) != current \
                    else (middle, high)
            current = _offset(tz, datetime.fromtimestamp(high, UTC))
            changes.append((datetime.fromtimestamp(high, UTC), current))
        before = after
    return first, changes


def cell_ranges(tz: ZoneInfo, start: datetime, end: datetime, minutes: int) -> list[Range]:
    """The cells of [start, end), `minutes` long in wall-clock time (a day, or 30), in
    time order: between two offset changes local time is UTC plus a constant, so cells are
    cut there, then joined again where a cell goes on across the change."""
    first, changes = utc_offsets(tz, start, end)
    edges = [start.astimezone(UTC), *(moment for moment, _ in changes), end.astimezone(UTC)]
    offsets = [first, *(offset for _, offset in changes)]
    width, out = timedelta(minutes=minutes), list[Range]()
    for low, high, offset in zip(edges, edges[1:], offsets, strict=False):
        shift = timedelta(seconds=offset)
        local, local_end = (low + shift).replace(tzinfo=None), (high + shift).replace(tzinfo=None)
        number = (local - EPOCH) // width
        while EPOCH + number * width < local_end:
            cell_start = EPOCH + number * width
            lo, hi = max(cell_start, local), min(cell_start + width, local_end)
            piece = Range(number, (lo - shift).replace(tzinfo=UTC), (hi - shift).replace(tzinfo=UTC))
            if out and out[-1].cell == number and out[-1].end == piece.start:  # a day cut by the change
                piece = Range(number, out.pop().start, piece.end)
            out.append(piece)
            number += 1
    return out


# -- one query for every range ----------------------------------------------------------------

def _moment(value: Any) -> datetime:
    """A `due_at` read by a raw cursor: an aware datetime (PostgreSQL) or UTC text (SQLite)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _per_range(query_for: Callable[[datetime, datetime], QuerySet[Any]], ranges: Sequence[Range],
               count: bool = False) -> list[tuple[Any, ...]]:
    """`query_for(start, end)` for every range in one query, each row led by the range's
    cell: the query's rows, or (`count`) how many it has. The query is compiled once by the
    ORM, with marks for the bounds that are then replaced: by each range's bounds in a
    UNION ALL on SQLite, by a LATERAL join on a VALUES list of the ranges on PostgreSQL
    (which plans one subquery, not hundreds: a 196-term UNION took it 137 ms to plan)."""
    if not ranges:
        return []
    query = query_for(MARK_START, MARK_END)
    connection = connections[query.db]
    try:
        sql, raw = query.query.sql_with_params()
    except EmptyResultSet:  # a filter that nothing can match (no account, say)
        return []
    params = list(raw)
    marks = (params.index(connection.ops.adapt_datetimefield_value(MARK_START)),
             params.index(connection.ops.adapt_datetimefield_value(MARK_END)))
    if connection.vendor == "postgresql":
        return _lateral(connection, sql, params, marks, ranges, count)
    return _union(connection, sql, params, marks, ranges, count)


def _union(connection: Any, sql: str, params: list[Any], marks: tuple[int, int], ranges: Sequence[Range],
           count: bool) -> list[tuple[Any, ...]]:
    select = "SELECT {cell}, COUNT(*) FROM ({sql}) t" if count else "SELECT {cell}, t.* FROM ({sql}) t"
    per_query = max(1, min(MAX_TERMS, _max_params(connection) // max(1, len(params))))
    rows: list[tuple[Any, ...]] = []
    for first in range(0, len(ranges), per_query):
        terms, values = [], []
        for item in ranges[first:first + per_query]:
            terms.append(select.format(cell=int(item.cell), sql=sql))
            params[marks[0]] = connection.ops.adapt_datetimefield_value(item.start)
            params[marks[1]] = connection.ops.adapt_datetimefield_value(item.end)
            values += params
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(terms), values)
            rows += cursor.fetchall()
    return rows


def _lateral(connection: Any, sql: str, params: list[Any], marks: tuple[int, int], ranges: Sequence[Range],
             count: bool) -> list[tuple[Any, ...]]:
    # The text is the ORM's SQL and placeholders only: every value is a parameter.
    pieces, last = [], 0
    for index, offset in enumerate(_placeholders(sql)):
        if index in marks:
            pieces += [sql[last:offset], "r.lo" if index == marks[0] else "r.hi"]
            last = offset + 2
    inner = "".join([*pieces, sql[last:]])
    ranges_sql = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz)"] * len(ranges))
    rows_sql = f"(SELECT COUNT(*) AS n FROM ({inner}) u)" if count else f"({inner})"  # noqa: S608
    values = [value for item in ranges for value in (item.cell, item.start, item.end)]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The planner cannot see the bounds (they come from the VALUES list), so it guesses
        # ten times the rows a range holds: it then hashed the workspace's 2,000 posts once
        # per range (51 ms for a week, 4 ms with index lookups), and spent ~18 ms compiling
        # (JIT) hundreds of index searches to save nothing.
        cursor.execute("SET LOCAL jit = off; SET LOCAL enable_hashjoin = off")
        cursor.execute(f"SELECT r.cell, t.* FROM (VALUES {ranges_sql}) AS r(cell, lo, hi) "  # noqa: S608
                       f"CROSS JOIN LATERAL {rows_sql} AS t",
                       values + [value for index, value in enumerate(params) if index not in marks])
        return list(cursor.fetchall())


def _placeholders(sql: str) -> list[int]:
    """Where the `%s` placeholders are in SQL compiled by Django (`%%` is a literal %)."""
    found, at = [], sql.find("%")
    while at != -1:
        if sql.startswith("%s", at):
            found.append(at)
        at = sql.find("%", at + 2)
    return found


def _max_params(connection: Any) -> int:
    """Parameters one query may carry. Django assumes 999 on SQLite, the limit before
    SQLite 3.32; ask the library for its own (32,766 since then)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return int(connection.features.max_query_params or 65_535)  # PostgreSQL's protocol: 65,535


def _events_in(publications: QuerySet[Publication], start: datetime, end: datetime) -> QuerySet[Any]:
    """The events (due_at, post_id) of [start, end), in order."""
    return (publications.filter(due_at__gte=start, due_at__lt=end).values_list("due_at", "post_id")
            .distinct().order_by("due_at", "post_id"))


# -- the events of the cells ------------------------------------------------------------------

def planned(workspace_ids: Iterable[int], filters: PlanFilters, accounts: Iterable[int] | None = None
            ) -> QuerySet[Publication]:
    """The publications of the plan, filtered, at any time: each query below bounds the
    time itself (the database uses one range per index search: the range of a cell, not of
    the page). `accounts`: when one workspace is shown, its accounts, so that the database
    walks their (account, due_at) index instead of every workspace's publications by time."""
    found = Publication.objects.filter(post__workspace_id__in=list(workspace_ids), post__kind=PostKind.POST)
    if accounts is not None:
        found = found.filter(account_id__in=list(accounts))
    return filters.apply(found)


def cells_between(publications: QuerySet[Publication], tz: ZoneInfo, start: datetime, end: datetime,
                  minutes: int, lines: int) -> dict[int, Cell]:
    """The cells of [start, end) that have events, each filling at most `lines` lines:
    every event if they fit, else one line fewer and "+N more"."""
    ranges = _occupied(cell_ranges(tz, start, end, minutes), start, end)
    found: dict[int, list[tuple[datetime, int]]] = {}
    for cell, due, post_id in _per_range(lambda lo, hi: _events_in(publications, lo, hi)[:lines], ranges):
        found.setdefault(cell, []).append((_moment(due), post_id))
    totals = {cell: len(keys) for cell, keys in found.items()}
    crowded = [item for item in ranges if totals.get(item.cell, 0) >= lines]
    counted: dict[int, int] = {}
    for cell, count in _per_range(lambda lo, hi: _events_in(publications, lo, hi).order_by()[:COUNT_CAP + 1],
                                  crowded, count=True):
        counted[cell] = counted.get(cell, 0) + count
    totals.update(counted)
    shown = {}
    for cell, keys in found.items():
        keys.sort()
        shown[cell] = keys[:lines] if totals[cell] <= lines else keys[:lines - 1]
    events = _events_of(publications, [key for keys in shown.values() for key in keys])
    return {cell: Cell([events[key] for key in keys if key in events], min(totals[cell], COUNT_CAP + 1),
                       capped=totals[cell] > COUNT_CAP)
            for cell, keys in shown.items()}


def _occupied(ranges: list[Range], start: datetime, end: datetime) -> list[Range]:
    """The ranges where anything at all is due, when there are many (a week's 336 half
    hours, most of them empty at night or for a small plan): read from the index alone,
    for any workspace, so a superset; the per-range queries then skip the others."""
    if len(ranges) <= OCCUPIED_ABOVE:
        return ranges
    times = list(Publication.objects.filter(due_at__gte=start, due_at__lt=end).order_by("due_at")
                 .values_list("due_at", flat=True).distinct()[:OCCUPIED_TIMES + 1])
    if len(times) > OCCUPIED_TIMES:  # busy everywhere: not worth sorting out
        return ranges
    by_start = sorted(ranges, key=lambda item: item.start)
    starts = [item.start for item in by_start]
    occupied = {id(by_start[bisect_right(starts, moment) - 1]) for moment in times if moment is not None}
    return [item for item in ranges if id(item) in occupied]


def cell_page(publications: QuerySet[Publication], tz: ZoneInfo, day: date, minutes: int, cell: int,
              offset: int, limit: int) -> Cell:
    """Events `offset`+1 … `offset`+`limit` of one cell of `day` (the day itself, or one of
    its half hours, by number), and the exact number of its events."""
    within = Q()
    for item in cell_ranges(tz, *span([day], tz), minutes):
        if item.cell == cell:
            within |= Q(due_at__gte=item.start, due_at__lt=item.end)
    if not within:
        return Cell(offset=offset)
    inside = publications.filter(within)
    keys: list[tuple[datetime, int]] = list(
        inside.values_list("due_at", "post_id").distinct().order_by("due_at", "post_id")[offset:offset + limit])  # type: ignore[arg-type]
    events = _events_of(inside, keys)
    total = inside.values_list("due_at", "post_id").distinct().order_by().count()
    return Cell([events[key] for key in keys if key in events], total, offset)


def _events_of(publications: QuerySet[Publication], keys: list[tuple[datetime, int]]) -> dict[tuple[datetime, int],
                                                                                                  Event]:
    """The events of these (due_at, post_id) keys with their publications, text, movability
    and first media: three queries, whatever their number."""
    wanted = set(keys)
    if not wanted:
        return {}
    dues = [due for due, _post_id in wanted]
    rows = (publications.filter(post_id__in={post_id for _due, post_id in wanted},
                                due_at__gte=min(dues), due_at__lte=max(dues)).order_by("pk")
            .values_list("pk", "post_id", "due_at", "state", "account_id", "post__workspace_id", "post__campaign_id"))
    events: dict[tuple[datetime, int], Event] = {}
    for pk, post_id, due, state, account_id, workspace_id, campaign_id in rows:
        if (due, post_id) in wanted:
            event = events.setdefault((due, post_id), Event(post_id, workspace_id, due,  # type: ignore[arg-type]
                                                            campaign_id=campaign_id))
            event.publications.append((pk, account_id, state))
    _complete(list(events.values()))
    return events


def _complete(events: list[Event]) -> None:
    by_post: dict[int, list[Event]] = {}
    for event in events:
        by_post.setdefault(event.post_id, []).append(event)
    posts = Post.objects.filter(pk__in=by_post).order_by().annotate(
        short=Substr("text", 1, TEXT_CHARS),
        locked=Exists(Publication.objects.filter(post=OuterRef("pk"), state__in=LOCKED_STATES)),
        pending=Exists(Publication.objects.filter(post=OuterRef("pk"), state__in=(State.SCHEDULED, State.DRAFT))),
    ).values_list("pk", "short", "locked", "pending", "approval_state")
    for pk, short, locked, pending, approval_state in posts:
        for event in by_post[pk]:
            # Movable: nothing of the post is out or going out, and something is still to move.
            event.text, event.movable, event.approval_state = short, pending and not locked, approval_state
    media = (PostMedia.objects.filter(post_id__in=by_post).order_by("post_id", "position", "pk")
             .values_list("post_id", "asset_id", "asset__kind"))
    seen: set[int] = set()
    for post_id, asset_id, kind in media:
        if post_id not in seen:
            seen.add(post_id)
            for event in by_post[post_id]:
                event.image = asset_id if kind == MediaAsset.Kind.IMAGE else None
                event.video = kind == MediaAsset.Kind.VIDEO

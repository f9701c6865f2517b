"""Running the keyword monitors: on what arrives, on what was there, and in the query lab.

What arrives: entries of feeds and inbox items carry `monitored_at`, None until the
monitors have looked at them; a sweep queues a job that takes them by batches (a partial
index finds them), runs every relevant monitor at once (`MonitorSet`: each text is read
once, and only the monitors whose words it holds are evaluated) and records the hits.
A crash leaves them unmarked, so the next job takes them again; hits are unique per
monitor and text, so nothing is counted twice.

What was there: a new or edited monitor is applied to the last 30 days (`apply_monitor`,
a job the sweep queues and queues again if its worker died). Hits get the inbox's
language, sentiment and flags (the inbox's own analysis for its items; the same models
on the title and opening of an entry).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.utils import timezone

from parvis.inbox.models import Item as InboxItem
from parvis.listening.models import Entry, Hit, Monitor, Subscription
from parvis.listening.prefilter import narrow
from parvis.listening.query import Item as Text
from parvis.listening.query import Match, MonitorSet, Query, QuerySyntaxError, compile_query
from parvis.networks import registry

log = logging.getLogger(__name__)
WINDOW = timedelta(days=30)
BATCH = 500
APPLY_REQUEUE = timedelta(minutes=5)


# -- texts as the query language reads them ------------------------------------------------------

def entry_text(entry: Entry) -> Text:
    site = urlsplit(entry.url).hostname or urlsplit(entry.source.site_url or entry.source.url).hostname or ""
    network = entry.source.kind if entry.source.kind in registry.NETWORKS else ""
    return Text(title=entry.title, text=entry.text, author=entry.author, site=site, lang=entry.language,
                network=network)


def item_text(item: InboxItem) -> Text:
    author = item.author
    return Text(title="", text=item.text, author=f"{author.display_name} {author.handle}".strip(), site="",
                lang=item.language, network=item.network)


def compiled(monitors: Iterable[Monitor]) -> dict[int, Query]:
    """The monitors' queries, compiled; one that no longer parses (saved by an older
    version) is skipped and logged, never fatal to the others."""
    queries = {}
    for monitor in monitors:
        try:
            queries[monitor.pk] = compile_query(monitor.query)
        except QuerySyntaxError as exc:
            log.warning("monitor %s: query does not parse: %s", monitor.pk, exc)
    return queries


def spans_of(match: Match) -> list[list[object]]:
    return [[span.field, span.start, span.end] for span in match.spans]


# -- hits -------------------------------------------------------------------------------------

def _entry_hits(entries: Sequence[Entry], monitors: Sequence[Monitor], now: datetime) -> list[Hit]:
    queries = compiled(monitors)
    if not queries:
        return []
    by_pk = {m.pk: m for m in monitors}
    followed: dict[int, set[int]] = {}
    for workspace_id, source_id in Subscription.objects.filter(
            workspace_id__in={m.workspace_id for m in monitors}).values_list("workspace_id", "source_id"):
        followed.setdefault(workspace_id, set()).add(source_id)
    engine = MonitorSet(queries)
    hits = []
    for entry in entries:
        for pk, match in engine.match(entry_text(entry)):
            if entry.source_id in followed.get(by_pk[pk].workspace_id, ()):
                hits.append(Hit(monitor_id=pk, entry=entry, published_at=entry.published_at, found_at=now,
                                spans=spans_of(match), language=entry.language[:8]))
    _analyse_entry_hits(hits)
    return hits


def _analyse_entry_hits(hits: list[Hit]) -> None:
    """The inbox's models on what was found in feeds, once per entry."""
    if not hits:
        return
    from parvis.inbox.understand import analyse

    entries = {hit.entry_id: hit.entry for hit in hits if hit.entry is not None}
    ordered = list(entries.values())
    texts = [f"{e.title}. {e.text[:500]}" for e in ordered]
    found = dict(zip([e.pk for e in ordered], analyse(texts), strict=True))
    for hit in hits:
        analysis = found[hit.entry.pk]  # type: ignore[union-attr]
        hit.language = hit.language or analysis.language
        hit.sentiment, hit.toxic, hit.spam = analysis.sentiment, analysis.toxic, analysis.spam


def _item_hits(items: Sequence[InboxItem], monitors: Sequence[Monitor], now: datetime) -> list[Hit]:
    queries = compiled(monitors)
    if not queries:
        return []
    by_pk = {m.pk: m for m in monitors}
    engine = MonitorSet(queries)
    hits = []
    for item in items:
        for pk, match in engine.match(item_text(item)):
            if by_pk[pk].workspace_id == item.workspace_id:
                hits.append(Hit(monitor_id=pk, item=item, published_at=item.created_at, found_at=now,
                                spans=spans_of(match), language=item.language, sentiment=item.sentiment,
                                toxic=item.toxic, spam=item.spam))
    return hits


def _save(hits: list[Hit]) -> int:
    Hit.objects.bulk_create(hits, ignore_conflicts=True, batch_size=500)
    return len(hits)


# -- what arrives -----------------------------------------------------------------------------

def monitor_new_entries(now: datetime | None = None, batch: int = BATCH) -> int:
    """Run the monitors on a batch of entries not looked at yet; how many were looked at."""
    now = now or timezone.now()
    ids = list(Entry.objects.filter(monitored_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    entries = list(Entry.objects.filter(pk__in=ids).select_related("source"))
    sources = {e.source_id for e in entries}
    monitors = list(Monitor.objects.filter(active=True, in_feeds=True,
                                           workspace__feed_subscriptions__source_id__in=sources).distinct())
    if monitors:
        _save(_entry_hits(entries, monitors, now))
    Entry.objects.filter(pk__in=ids).update(monitored_at=now)
    return len(ids)


def monitor_new_items(now: datetime | None = None, batch: int = BATCH) -> int:
    """Run the monitors on a batch of inbox items not looked at yet."""
    now = now or timezone.now()
    ids = list(InboxItem.objects.filter(monitored_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    items = list(InboxItem.objects.filter(pk__in=ids, in_inbox=True, deleted_at__isnull=True)
                 .select_related("author"))
    monitors = list(Monitor.objects.filter(active=True, in_inbox=True,
                                           workspace_id__in={i.workspace_id for i in items}))
    if monitors:
        _save(_item_hits(items, monitors, now))
    InboxItem.objects.filter(pk__in=ids).update(monitored_at=now)
    return len(ids)


def monitor_new(now: datetime | None = None, most: int = 20) -> int:
    """Batches of both until nothing is left (or `most` batches: the next job goes on)."""
    done = 0
    for _batch in range(most):
        moved = monitor_new_entries(now) + monitor_new_items(now)
        done += moved
        if not moved:
            break
    return done


def anything_new() -> bool:
    return (Entry.objects.filter(monitored_at__isnull=True).exists()
            or InboxItem.objects.filter(monitored_at__isnull=True).exists())


# -- what was there: a new or edited monitor ----------------------------------------------------------

# What monitors read of an entry and its source (not its HTML, which can be long).
ENTRY_FIELDS = ("id", "source_id", "title", "author", "url", "language", "published_at", "text",
                "source__title", "source__url", "source__site_url", "source__kind")


def recent_entries(monitor: Monitor, since: datetime) -> QuerySet[Entry]:
    followed = Subscription.objects.filter(workspace_id=monitor.workspace_id).values("source_id")
    return (Entry.objects.filter(source_id__in=followed, published_at__gte=since).select_related("source")
            .only(*ENTRY_FIELDS))


def recent_items(monitor: Monitor, since: datetime) -> QuerySet[InboxItem]:
    return InboxItem.objects.filter(workspace_id=monitor.workspace_id, in_inbox=True, deleted_at__isnull=True,
                                    created_at__gte=since).select_related("author")


def _chunks(rows: QuerySet[Any], size: int = BATCH) -> Iterator[list[Any]]:
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def apply_monitor(monitor_id: int, now: datetime | None = None) -> int:
    """Apply a monitor's current query to the last 30 days: its hits are made again."""
    now = now or timezone.now()
    monitor = Monitor.objects.filter(pk=monitor_id).first()
    if monitor is None:
        return 0
    started = monitor.updated_at
    Hit.objects.filter(monitor=monitor).delete()
    found = 0
    queries = compiled([monitor])
    if not queries:
        return 0
    query = queries[monitor.pk]
    if monitor.active and monitor.in_feeds:
        for chunk in _chunks(narrow(recent_entries(monitor, now - WINDOW), "listening_entry", query)):
            found += _save(_entry_hits(chunk, [monitor], now))
    if monitor.active and monitor.in_inbox:
        for chunk in _chunks(narrow(recent_items(monitor, now - WINDOW), "inbox_item", query)):
            found += _save(_item_hits(chunk, [monitor], now))
    # Edited meanwhile: leave it to do again (the sweep queues it).
    Monitor.objects.filter(pk=monitor.pk, updated_at=started).update(applied_at=now)
    return found


def queue_applications(now: datetime, enqueue: Callable[[int], object]) -> int:
    """Queue the monitors to apply (new, edited, or whose job died)."""
    waiting = Monitor.objects.filter(applied_at__isnull=True)
    ids = [pk for pk, queued in waiting.values_list("pk", "apply_queued_at")
           if queued is None or queued < now - APPLY_REQUEUE]
    if ids:
        Monitor.objects.filter(pk__in=ids).update(apply_queued_at=now)
        for pk in ids:
            enqueue(pk)
    return len(ids)


def save_monitor(monitor: Monitor, now: datetime | None = None) -> Monitor:
    """Save a monitor whose query or sources changed: its hits are made again."""
    monitor.updated_at = now or timezone.now()
    monitor.applied_at = None
    monitor.apply_queued_at = None
    monitor.save()
    return monitor


# -- the query lab ------------------------------------------------------------------------------

@dataclass
class Example:
    kind: str  # "entry" or "item"
    title: list[tuple[str, bool]]  # segments of text, True where the query matched
    text: list[tuple[str, bool]]
    where: str  # the feed's title, or the inbox's network and author
    url: str
    published_at: datetime


@dataclass
class LabResult:
    count: int = 0
    read: int = 0  # texts looked at (those the full-text index says may match)
    complete: bool = True  # False: the time budget ran out before the oldest texts
    examples: list[Example] = field(default_factory=list)
    error: str = ""
    error_at: int | None = None


def _network(key: str) -> str:
    return registry.NETWORKS[key].label if key in registry.NETWORKS else key


def segments(text: str, spans: list[tuple[int, int]], around: int | None = None) -> list[tuple[str, bool]]:
    """`text` cut into (piece, matched) pieces; with `around`, only that many characters
    around the first match (an excerpt)."""
    spans = sorted(spans)
    start, end = 0, len(text)
    if around is not None and len(text) > 2 * around:
        first = spans[0][0] if spans else 0
        start = max(0, first - around // 2)
        end = min(len(text), start + 2 * around)
    out: list[tuple[str, bool]] = [("…", False)] if start else []
    cursor = start
    for a, b in spans:
        a, b = max(a, cursor), min(b, end)
        if a >= b:
            continue
        if a > cursor:
            out.append((text[cursor:a], False))
        out.append((text[a:b], True))
        cursor = b
    if cursor < end:
        out.append((text[cursor:end], False))
    if end < len(text):
        out.append(("…", False))
    return out


def _example(kind: str, text: Text, match: Match, where: str, url: str, at: datetime) -> Example:
    return Example(kind, segments(text.title, match.in_field("title")),
                   segments(text.text, match.in_field("text"), around=160), where, url, at)


def lab(workspace_id: int, query: str, *, in_feeds: bool = True, in_inbox: bool = True, now: datetime | None = None,
        examples: int = 5, budget: float = 1.5) -> LabResult:
    """How many texts of the last 30 days `query` would have matched, newest first,
    with examples and where each matched. Bounded by `budget` seconds: past it, the
    count covers the texts read so far and says so."""
    try:
        compiled_query = compile_query(query)
    except QuerySyntaxError as exc:
        return LabResult(error=exc.message, error_at=exc.position)
    now = now or timezone.now()
    since = now - WINDOW
    engine = MonitorSet({0: compiled_query})
    result = LabResult()
    deadline = time.monotonic() + budget
    probe = Monitor(workspace_id=workspace_id)
    streams: list[tuple[str, QuerySet[Any]]] = []
    # Only the texts the full-text index says may match are read (prefilter.py).
    if in_feeds:
        entries = narrow(recent_entries(probe, since), "listening_entry", compiled_query)
        streams.append(("entry", entries.order_by("-published_at", "-id")))
    if in_inbox:
        items = narrow(recent_items(probe, since), "inbox_item", compiled_query)
        streams.append(("item", items.order_by("-created_at", "-id")))
    for kind, rows in streams:
        for row in rows.iterator(chunk_size=1000):
            text = entry_text(row) if kind == "entry" else item_text(row)
            result.read += 1
            for _pk, match in engine.match(text):
                result.count += 1
                if len(result.examples) < examples:
                    where = row.source.title if kind == "entry" else f"{_network(row.network)} · {row.author.handle}"
                    at = row.published_at if kind == "entry" else row.created_at
                    result.examples.append(_example(kind, text, match, where, row.url, at))
            if result.read % 200 == 0 and time.monotonic() > deadline:
                result.complete = False
                return result
    return result

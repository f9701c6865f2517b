"""A network's stream of every new public post (NetworkInfo.public_stream: Bluesky's
Jetstream) read for la veille's stream watches (kind "stream"): every new post of the
network goes by, and those whose text matches a watch's words become entries of that
watch's source, as a search's posts do. Only run when an administrator sets the stream's
address (`parvis manage veille_jetstream`, or `parvis up` itself).

A watch's words are matched with the monitors' query engine, not by a plain word search:
the words mean here what they mean in a monitor (accents and case folded, French and
English word forms, "phrases", OR, NOT), and a MonitorSet skips the posts that contain
none of the words without tokenising them, which matters at the stream's rate.

The invariant that makes a restart resume by itself: the stream's cursor (unix
microseconds) is saved in every stream watch's `Watch.cursor` only after the posts read
before it were stored, and reading resumes from the newest cursor saved. A post read
twice over a reconnection's overlap is stored once (the store deduplicates by post id).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections
from django.db.models import QuerySet
from django.utils import timezone

from parvis.listening.feeds.types import ParsedFeed
from parvis.listening.models import Source, Watch
from parvis.listening.query import Item, MonitorSet, Query, QuerySyntaxError, compile_query
from parvis.listening.store import store_entries
from parvis.listening.watching import STREAM, _entry
from parvis.networks import registry
from parvis.networks.public import PublicPost, ReadError, StreamCursor

log = logging.getLogger(__name__)

RETRY_AFTER = 60.0  # seconds before reading again after the server could not be reached


def _stream_watches() -> QuerySet[Watch]:
    return Watch.objects.filter(network=registry.stream_network() or "", kind=STREAM)


def resume_cursor() -> int | None:
    """Where the last reader stopped (the newest cursor saved), None for the live tail."""
    saved = [int(value) for value in _stream_watches().exclude(cursor="").values_list("cursor", flat=True)
             if value.isdigit()]
    return max(saved, default=None)


def save_cursor(time_us: int) -> None:
    _stream_watches().update(cursor=str(time_us))


class Matcher:
    """The followed stream watches' queries, reloaded when they change."""

    def __init__(self) -> None:
        self._terms: dict[int, str] = {}
        self._sources: dict[int, int] = {}
        self._set: MonitorSet[int] | None = None

    def reload(self) -> None:
        rows = list(_stream_watches().filter(source__subscriptions__isnull=False).distinct()
                    .values_list("pk", "source_id", "term"))
        terms = {pk: term for pk, _source, term in rows}
        if terms == self._terms:
            return
        queries: dict[int, Query] = {}
        for pk, term in terms.items():
            try:
                queries[pk] = compile_query(term)
            except QuerySyntaxError:
                log.warning("stream watch %s: its words %r are not a query, skipped", pk, term)
        self._terms, self._sources = terms, {pk: source for pk, source, _term in rows}
        self._set = MonitorSet(queries) if queries else None

    def sources_of(self, post: PublicPost) -> list[int]:
        if self._set is None:
            return []
        item = Item(title="", text=post.text, author=post.author_handle, lang=post.language, network=post.network)
        return [self._sources[pk] for pk, _match in self._set.match(item)]


def _store(source_id: int, post: PublicPost) -> int:
    source = Source.objects.filter(pk=source_id).first()
    if source is None:  # its last follower left since the watches were loaded
        return 0
    now = timezone.now()
    new = store_entries(source, ParsedFeed("watch", title=source.title, entries=[_entry(post)]), now)
    if new:
        Source.objects.filter(pk=source_id).update(last_changed_at=now)
    return len(new)


def _wake_paused() -> None:
    """Stream watches paused while the stream was off are read again now that it is on."""
    Source.objects.filter(watch__network=registry.stream_network() or "", watch__kind=STREAM,
                          paused_at__isnull=False).update(
        paused_at=None, paused_reason="", failures=0)


def read(url: str, *, stop: threading.Event | None = None, max_events: int | None = None,
         timeout: float = 30) -> int:
    """Read the stream from where the last reader stopped until `stop` is set (or
    `max_events` events went by); the number of entries stored. Raises ReadError."""
    _wake_paused()
    matcher = Matcher()
    matcher.reload()
    stored = 0
    network = registry.stream_network()
    if network is None:
        raise ReadError("No network's stream of new posts is turned on.", transient=False)
    read_stream, _address = registry.public_stream(network)
    for item in read_stream(url, cursor_us=resume_cursor(), max_events=max_events, timeout=timeout, stop=stop):
        if isinstance(item, StreamCursor):
            save_cursor(item.time_us)  # every post before it is stored: a restart resumes here
            matcher.reload()  # watches made or dropped meanwhile
            continue
        for source_id in matcher.sources_of(item):
            stored += _store(source_id, item)
    return stored


def run(url: str = "", *, stop: threading.Event | None = None) -> ReadError | None:
    """Read the stream until `stop`, reading again after the server was out of reach.
    Returns early with a refusal that reading again cannot mend (logged)."""
    url = url or stream_address()
    while stop is None or not stop.is_set():
        try:
            read(url, stop=stop)
        except ReadError as exc:
            if not exc.transient:
                log.error("Jetstream %s: %s", url, exc.message)
                return exc
            wait = exc.retry_after or RETRY_AFTER
            log.warning("Jetstream %s: %s; reading again in %s s", url, exc.message, wait)
            if stop is not None:
                stop.wait(wait)
            else:
                threading.Event().wait(wait)
        finally:
            close_old_connections()
    return None


def stream_address() -> str:
    network = registry.stream_network()
    return registry.public_stream(network)[1] if network else ""


def start_thread() -> threading.Event | None:
    """The stream read in a thread of this process when its address is set (for Bluesky,
    PARVIS_BLUESKY_JETSTREAM); the event that stops it, or None when it is off."""
    if not stream_address():
        return None
    stop = threading.Event()
    threading.Thread(target=run, kwargs={"stop": stop}, name="parvis-jetstream", daemon=True).start()
    return stop


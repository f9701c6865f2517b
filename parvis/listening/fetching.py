"""Fetching feeds: politely, once for everyone, and resuming by itself after a crash.

The dispatcher claims due sources (`next_fetch_at`) like inbox pollers, at most
`PARVIS_FEEDS_PER_HOST` at once per server, and queues one job each; the job takes a
lease on its row, so a job queued twice (or again after its worker died, once the lease
has run out) never fetches the same source twice at once.

Each fetch is one conditional GET through the guarded HTTP layer (ETag and Last-Modified
sent back as the server gave them; gzip, deflate and brotli). An unchanged feed costs
that request and nothing else: a 304, or a 200 whose body hashes as last time, is not
parsed. The next fetch follows how often the source publishes, as Miniflux's
entry-frequency scheduler does: a week's time divided by the entries of the last week,
between `PARVIS_FEEDS_MIN_INTERVAL` (5 minutes) and `PARVIS_FEEDS_MAX_INTERVAL` (a day),
never sooner than its Cache-Control max-age or Expires, nor than a Retry-After. Errors
back off exponentially. A permanent redirect (301, 308 at every hop) moves the source to
its new address; a 410, or `PAUSE_AFTER` failures in a row, pause it, and the reason is
shown to those who follow it.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.core import due
from parvis.core.http import GuardError, client
from parvis.listening.feeds.parse import parse_feed
from parvis.listening.feeds.types import FeedError, ParsedFeed
from parvis.listening.models import WATCH, Entry, Source, Subscription
from parvis.listening.sanitise import plain_text
from parvis.listening.store import store_entries, web_address

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=3)
REQUEUE_AFTER = timedelta(minutes=2)
PAUSE_AFTER = 10  # failures in a row (with the back-off, about two days of them)
MAX_HOPS = 5
BATCH = 200
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
          "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
WEEK = 7 * 24 * 3600


def min_interval() -> int:
    return int(settings.PARVIS_FEEDS_MIN_INTERVAL)


def max_interval() -> int:
    return int(settings.PARVIS_FEEDS_MAX_INTERVAL)


def server_of(url: str) -> str:
    """What the per-host limit counts: the server's name and port."""
    parts = urlsplit(url)
    return (parts.netloc or "").lower()


# -- scheduling --------------------------------------------------------------------------------

def entry_frequency_interval(weekly_entries: int) -> int:
    """Seconds until the next fetch for a source that published `weekly_entries` entries
    in the last seven days."""
    if weekly_entries <= 0:
        return max_interval()
    return max(min_interval(), min(max_interval(), WEEK // weekly_entries))


def _http_date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cache_delay(headers: httpx.Headers, now: datetime) -> int:
    """Seconds the server asks not to be asked again in (max-age, else Expires), 0 if none."""
    for directive in headers.get("cache-control", "").split(","):
        name, _sep, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return int(value.strip())
    expires = _http_date(headers.get("expires", ""))
    return max(0, int((expires - now).total_seconds())) if expires else 0


def retry_after(headers: httpx.Headers, now: datetime) -> int:
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return int(value)
    when = _http_date(value)
    return max(0, int((when - now).total_seconds())) if when else 0


# -- dispatching -------------------------------------------------------------------------------

def _due(now: datetime) -> QuerySet[Source]:
    return Source.objects.filter(paused_at__isnull=True, next_fetch_at__lte=now,
                                 subscriptions__isnull=False).distinct()


def claim_due(now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due sources, at most PARVIS_FEEDS_PER_HOST per server counting
    those being fetched already; the others wait for the next pass."""
    per_host = int(settings.PARVIS_FEEDS_PER_HOST)
    busy = Counter(server_of(url) for url in Source.objects.filter(lease_expires_at__gt=now)
                   .values_list("url", flat=True))
    waiting = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    with transaction.atomic():
        candidates = list(due.skip_locked(Source.objects.filter(pk__in=_due(now).values("pk")).filter(waiting)
                                          .order_by("next_fetch_at")).values_list("pk", "url")[:limit * 4])
        ids = []
        for pk, url in candidates:
            host = server_of(url)
            if busy[host] < per_host:
                busy[host] += 1
                ids.append(pk)
            if len(ids) >= limit:
                break
        if ids:
            Source.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def dispatch(enqueue: Callable[[int], object], now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = claim_due(now)
    for pk in ids:
        enqueue(pk)
    return len(ids)


def take_lease(source_id: int, now: datetime) -> Source | None:
    token = uuid.uuid4().hex
    taken = Source.objects.filter(pk=source_id, paused_at__isnull=True).filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    ).update(lease_token=token, lease_expires_at=now + LEASE)
    if not taken:
        return None
    return Source.objects.get(pk=source_id, lease_token=token)


# -- one fetch ---------------------------------------------------------------------------------

@dataclass
class FetchResult:
    status: int | None = None
    new: int = 0
    changed: bool = False
    error: str = ""
    paused: bool = False
    moved_to: str = ""
    skipped: bool = False
    new_entries: list[Entry] | None = None


@dataclass
class _Answer:
    response: httpx.Response
    url: str  # where the answer came from
    permanent: bool  # every redirect on the way was permanent


def _get(source: Source, http: httpx.Client) -> _Answer:
    headers = {"Accept": ACCEPT}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    url, permanent = source.url, True
    for _hop in range(MAX_HOPS + 1):
        response = http.get(url, headers=headers)
        if response.status_code not in (301, 302, 303, 307, 308) or "location" not in response.headers:
            return _Answer(response, url, permanent)
        permanent = permanent and response.status_code in (301, 308)
        url = str(response.url.join(response.headers["location"]))
        if url != source.url:  # validators belong to the old address
            headers.pop("If-None-Match", None)
            headers.pop("If-Modified-Since", None)
    raise GuardError(_("Too many redirects (more than %(n)d).") % {"n": MAX_HOPS})


def fetch(source_id: int, *, now: datetime | None = None, http: httpx.Client | None = None) -> FetchResult:
    """Fetch one source once, store what is new, and schedule the next fetch."""
    now = now or timezone.now()
    source = take_lease(source_id, now)
    if source is None:
        return FetchResult(skipped=True)
    started = time.monotonic()
    result = FetchResult()
    own = http is None
    http = http or client(redirects="return")
    try:
        if source.kind == WATCH:
            _watch(source, now, result)
        else:
            _fetch(source, http, now, result)
    except GuardError as exc:
        _failed(source, now, exc.message, result)
    except (httpx.HTTPError, OSError) as exc:
        _failed(source, now, _("The server could not be reached: %(error)s") % {"error": exc or type(exc).__name__},
                result)
    except Exception:  # noqa: BLE001 - a source must never be left leased and unscheduled
        log.exception("feed %s: fetch failed", source.pk)
        _failed(source, now, _("parvis could not read this feed (an error of parvis's, logged)."), result)
    finally:
        if own:
            http.close()
        source.last_duration_ms = int((time.monotonic() - started) * 1000)
        source.lease_token, source.lease_expires_at, source.enqueued_at = "", None, None
        source.fetches += 1
        source.last_fetched_at = now
        # An update, never an insert: a source its last follower dropped while it was
        # being fetched stays deleted.
        values = {f.attname: getattr(source, f.attname) for f in Source._meta.concrete_fields if not f.primary_key}
        if not Source.objects.filter(pk=source.pk).update(**values):
            log.info("feed %s: gone while it was fetched", source.pk)
    return result


def _fetch(source: Source, http: httpx.Client, now: datetime, result: FetchResult) -> None:
    answer = _get(source, http)
    response = answer.response
    result.status = source.last_status = response.status_code
    if answer.url != source.url and answer.permanent and response.status_code in (200, 304):
        result.moved_to = _move(source, answer.url)
        if source.paused_at:  # merged into the source that had the address already
            return
    if response.status_code == 304:
        source.not_modified += 1
        _succeeded(source, now, response.headers)
        return
    if response.status_code == 410:
        _pause(source, now, _("The site says this feed is gone for good (HTTP 410)."), result)
        return
    if response.status_code in (429, 503) and "retry-after" in response.headers:
        wait = retry_after(response.headers, now)
        _failed(source, now, _("The site asked parvis to wait (HTTP %(status)d).") % {"status": response.status_code},
                result, at_least=wait)
        return
    if response.status_code != 200:
        _failed(source, now, _("The site answered HTTP %(status)d.") % {"status": response.status_code}, result)
        return
    body = response.content
    digest = hashlib.sha256(body).hexdigest()
    source.etag = response.headers.get("etag", "")[:300]
    source.last_modified = response.headers.get("last-modified", "")[:100]
    if digest == source.body_hash:  # a server without validators, same document
        source.not_modified += 1
        _succeeded(source, now, response.headers)
        return
    try:
        feed = parse_feed(body, url=answer.url, content_type=response.headers.get("content-type", ""))
    except FeedError as exc:
        _failed(source, now, str(exc), result)
        return
    _describe(source, feed)
    dates = [e.published or e.updated for e in feed.entries]
    source.window_start = min((d for d in dates if d), default=now) if all(dates) else None
    new = store_entries(source, feed, now)
    source.body_hash = digest
    source.last_changed_at = now
    result.changed, result.new, result.new_entries = True, len(new), new
    _succeeded(source, now, response.headers)


def _watch(source: Source, now: datetime, result: FetchResult) -> None:
    """A watch of public posts: read through the network's reader, scheduled as a feed."""
    from parvis.listening import watching
    from parvis.networks.public import ReadError

    try:
        new = watching.read(source, now)
    except ReadError as exc:
        if exc.transient:
            _failed(source, now, exc.message, result, at_least=int(exc.retry_after or 0))
        else:  # the instance will not show it (signed-in only, search disabled…): say so
            _pause(source, now, exc.message, result)
        return
    source.last_status = 200
    if new:
        source.last_changed_at = now
    result.status, result.changed, result.new, result.new_entries = 200, bool(new), len(new), new
    wait = source.next_fetch_at
    _succeeded(source, now, httpx.Headers())
    source.next_fetch_at = max(source.next_fetch_at, wait)


def _describe(source: Source, feed: ParsedFeed) -> None:
    source.title = plain_text(feed.title)[:300] or source.title
    source.site_url = web_address(feed.link) or source.site_url
    source.description = plain_text(feed.description)[:2000]
    source.language = (feed.language or "")[:20]
    source.image = web_address(feed.image)


def _succeeded(source: Source, now: datetime, headers: httpx.Headers) -> None:
    weekly = Entry.objects.filter(source=source, published_at__gte=now - timedelta(days=7)).count()
    interval = entry_frequency_interval(weekly)
    wait = min(max_interval(), max(interval, cache_delay(headers, now)))
    source.interval, source.failures, source.last_error = interval, 0, ""
    source.next_fetch_at = now + timedelta(seconds=wait)


def _failed(source: Source, now: datetime, reason: str, result: FetchResult, at_least: int = 0) -> None:
    source.failures += 1
    source.last_error = result.error = reason
    if source.failures >= PAUSE_AFTER:
        _pause(source, now, _("Paused after %(n)d failed fetches in a row. Last: %(reason)s")
               % {"n": source.failures, "reason": reason}, result)
        return
    backoff = min(max_interval(), min_interval() * 2 ** min(source.failures - 1, 10))
    source.next_fetch_at = now + timedelta(seconds=max(backoff, min(at_least, 7 * 24 * 3600)))


def _pause(source: Source, now: datetime, reason: str, result: FetchResult) -> None:
    source.paused_at, source.paused_reason = now, reason
    source.last_error = result.error = reason
    result.paused = True
    log.info("feed %s paused: %s", source.pk, reason)


def _move(source: Source, url: str) -> str:
    """Follow a permanent redirect: the source takes its new address; if another source
    has it already, its followers are moved there and this one is paused."""
    url = url[:2000]
    other = Source.objects.filter(url=url).exclude(pk=source.pk).first()
    if other is None:
        source.url = url
        source.etag = source.last_modified = ""
        return url
    taken = set(Subscription.objects.filter(source=other).values_list("workspace_id", flat=True))
    Subscription.objects.filter(source=source).exclude(workspace_id__in=taken).update(source=other)
    source.paused_at = timezone.now()
    source.paused_reason = _("Moved for good to %(url)s, followed there.") % {"url": url}
    return url


def resume(source: Source, now: datetime | None = None) -> None:
    """Fetch a paused source again at the next pass (someone asked to)."""
    now = now or timezone.now()
    Source.objects.filter(pk=source.pk).update(paused_at=None, paused_reason="", failures=0, next_fetch_at=now)

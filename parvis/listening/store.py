"""Storing a parsed feed's entries: deduplicated, sanitised, once.

Within a source an entry is known by its `key`: the feed's own id, else its link, else a
hash of its title and text (feeds that give neither id nor link exist). Across sources,
the same article is known by its `story`: its link without tracking parameters (utm_*,
fbclid…), scheme, `www.` or trailing slash, so that the press review reached through two
feeds is shown once, with "also in …".
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import Entry, Source
from parvis.listening.sanitise import clean_html, plain_text
from parvis.listening.search import folded

TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_")
TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "igshid", "yclid", "_hsenc", "_hsmi",
                            "ref_src", "xtor", "at_medium", "at_campaign", "cmpid"})
FUTURE_SLACK = timedelta(hours=1)  # a date further ahead than this is a mistake of the feed's
TEXT_LIMIT = 5000  # characters of plain text kept for monitors: an article's opening says enough


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def canonical_link(url: str) -> str:
    """`url` as the same article's address from any feed would be written."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:  # "http://[::1": not an address; compared as it is
        return url.strip()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_NAMES]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", host, path, urlencode(sorted(query)), ""))


def entry_key(entry: ParsedEntry) -> str:
    if entry.guid:
        return _digest("id:" + entry.guid)[:64]
    if entry.link:
        return _digest("link:" + entry.link)[:64]
    return _digest("hash:" + entry.title + "\n" + (entry.content or entry.summary))[:64]


def story_key(entry: ParsedEntry, key: str) -> str:
    if entry.link:
        return _digest("story:" + canonical_link(entry.link))[:64]
    return key  # nothing to recognise it by elsewhere


def web_address(url: str) -> str:
    """`url` if it is an http(s) address, else "" (a feed's `javascript:` link is not one)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and len(url) <= 2000
    except ValueError:  # a malformed address in a feed ("http://[::1"): none
        return ""
    return url if ok else ""


def _row(source: Source, entry: ParsedEntry, key: str, now: datetime) -> Entry:
    link = web_address(entry.link)
    base = link or source.site_url or source.url
    published = entry.published or entry.updated or now
    if published > now + FUTURE_SLACK:
        published = now
    summary = clean_html(entry.summary, base)
    content = clean_html(entry.content, base) if entry.content and entry.content != entry.summary else ""
    title = plain_text(entry.title)[:1000]
    author = plain_text(entry.author)[:300]
    text = plain_text(content or summary)
    return Entry(
        source=source, key=key, story=story_key(entry, key), guid=entry.guid[:2000], url=link,
        title=title, author=author, summary=summary, content=content, image=web_address(entry.image),
        language=(entry.language or source.language)[:20], published_at=published, updated_at=entry.updated,
        fetched_at=now, search_text=folded(" ".join((title, author, text))), text=text[:TEXT_LIMIT],
    )


def store_entries(source: Source, feed: ParsedFeed, now: datetime) -> list[Entry]:
    """Add the feed's entries that `source` does not have yet; update those the feed says
    were updated since. Returns the new ones."""
    keyed: dict[str, ParsedEntry] = {}
    for entry in feed.entries:
        keyed.setdefault(entry_key(entry), entry)  # a feed repeating an entry counts it once
    known = {row.key: row for row in Entry.objects.filter(source=source, key__in=list(keyed))
             .only("id", "key", "updated_at")}
    new = [_row(source, entry, key, now) for key, entry in keyed.items() if key not in known]
    Entry.objects.bulk_create(new, ignore_conflicts=True, batch_size=200)
    _update_changed(source, keyed, known, now)
    if not new:
        return []
    # Read back: bulk inserts that ignore conflicts give no ids, and a concurrent fetch
    # may have stored some of them first.
    return list(Entry.objects.filter(source=source, key__in=[row.key for row in new], fetched_at=now))


def _update_changed(source: Source, keyed: dict[str, ParsedEntry], known: dict[str, Entry],
                    now: datetime) -> None:
    for key, row in known.items():
        entry = keyed[key]
        if entry.updated and (row.updated_at is None or entry.updated > row.updated_at):
            fresh = _row(source, entry, key, now)
            Entry.objects.filter(pk=row.pk).update(
                title=fresh.title, summary=fresh.summary, content=fresh.content, updated_at=entry.updated,
                search_text=fresh.search_text, author=fresh.author, image=fresh.image, text=fresh.text)

"""From la veille to publishing: a post drafted from an article.

The draft carries the article's title, a short excerpt and its address without tracking
parameters (the charter adds its own UTM parameters to every link when the post is
published, per network)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parvis.listening.models import Entry
from parvis.listening.sanitise import excerpt
from parvis.listening.store import TRACKING_NAMES, TRACKING_PREFIXES

EXCERPT = 200  # characters: room is left for the CM's own words and the link


def clean_link(url: str) -> str:
    """`url` without the tracking parameters someone else added (utm_*, fbclid…)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_NAMES]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def post_text(entry: Entry) -> str:
    parts = [entry.title.strip()]
    summary = excerpt(entry.summary or entry.content, EXCERPT)
    if summary and summary.casefold() != entry.title.strip().casefold():
        parts.append(f"« {summary} »" if entry.language.startswith("fr") else f"“{summary}”")
    if entry.url:
        parts.append(clean_link(entry.url))
    return "\n\n".join(p for p in parts if p)

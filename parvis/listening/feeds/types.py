"""What a parsed feed is, whatever its format: the contract between the parser, the
fetcher and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class FeedError(ValueError):
    """The document is not a feed parvis can read; the message is for people."""


@dataclass(frozen=True)
class Enclosure:
    url: str
    type: str = ""
    length: int | None = None


@dataclass
class ParsedEntry:
    guid: str = ""  # the feed's own id for the entry (RSS guid, Atom id, JSON Feed id); "" if none
    link: str = ""  # absolute URL of the article (resolved against xml:base / the feed's URL)
    title: str = ""  # plain text (markup and entities resolved, whitespace collapsed)
    author: str = ""  # plain text; the first author's name (else email)
    published: datetime | None = None  # aware, UTC
    updated: datetime | None = None  # aware, UTC
    summary: str = ""  # HTML as the feed gave it (unsanitised: the store sanitises)
    content: str = ""  # HTML as the feed gave it (unsanitised)
    categories: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)
    image: str = ""  # absolute URL of the entry's picture when the feed names one
    language: str = ""


@dataclass
class ParsedFeed:
    kind: str  # "rss", "atom", "json", "rdf"
    version: str = ""  # e.g. "rss20", "rss091", "rss10", "atom10", "json11"
    title: str = ""
    link: str = ""  # the site's address
    description: str = ""
    language: str = ""
    image: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    bozo: str = ""  # why the document was not well-formed, when it was recovered anyway

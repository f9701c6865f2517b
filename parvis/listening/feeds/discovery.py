"""From what a person types to a feed's address.

Accepted: a feed's own address; a site's address (its `<link rel="alternate">` feeds,
else a few usual paths); a YouTube channel or playlist; an account of a network that
publishes public feeds (its handle or its profile's address; each network's package
says how, `NetworkInfo.public_feed`). Everything is
read through the guarded HTTP layer: the address is hostile until proven otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from django.utils.translation import gettext as _
from lxml import html as lxml_html

from parvis.core.http import GuardError, client
from parvis.listening.feeds.parse import parse_feed
from parvis.listening.feeds.types import FeedError, ParsedFeed
from parvis.networks import registry

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
              "application/rdf+xml", "application/xml", "text/xml")
USUAL_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml")
YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com")
FEED, YOUTUBE = "feed", "youtube"  # the other kinds of source are networks' keys


class DiscoveryError(ValueError):
    """Nothing to follow at that address; the message is for people."""


@dataclass
class Found:
    url: str  # the feed's address
    kind: str  # "feed", "youtube" or a network's key
    title: str = ""
    feed: ParsedFeed | None = None  # when it was read already


def known_address(typed: str) -> tuple[str, str] | None:
    """A feed address and kind for accounts and channels whose feeds are at known places
    (no request needed): a network's account (each network's package says where its
    public feeds are) or a YouTube channel or playlist; else None."""
    typed = typed.strip()
    for info in registry.NETWORKS.values():
        if feed := info.public_feed(typed):
            return feed, info.key
    try:
        parts = urlsplit(typed)
        parts.hostname  # noqa: B018 - raises on a malformed host
    except ValueError:
        return None
    host, path = (parts.hostname or "").lower(), parts.path.rstrip("/")
    if host in YOUTUBE_HOSTS:
        if match := re.fullmatch(r"/channel/(UC[\w-]{22})", path):
            return f"https://www.youtube.com/feeds/videos.xml?channel_id={match[1]}", YOUTUBE
        if path == "/playlist" and (playlist := parse_qs(parts.query).get("list")):
            return f"https://www.youtube.com/feeds/videos.xml?playlist_id={playlist[0]}", YOUTUBE
        if path == "/feeds/videos.xml":
            return typed, YOUTUBE
    return None


def alternate_links(page: bytes | str, base_url: str) -> list[tuple[str, str]]:
    """The feeds a page announces: (address, title) from `<link rel="alternate">`."""
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return []
    found: list[tuple[str, str]] = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href and "comments" not in href.lower():
            try:
                address = urljoin(base_url, href)
                urlsplit(address).hostname  # noqa: B018 - raises on a malformed host
            except ValueError:
                continue
            if urlsplit(address).scheme in ("http", "https") and address not in [a for a, _t in found]:
                found.append((address, (link.get("title") or "").strip()))
    return found


def kind_of(url: str) -> str:
    """The kind of source a feed address is (see `known_address`)."""
    return (known_address(url) or (url, FEED))[1]


def _read(http: httpx.Client, url: str) -> httpx.Response:
    try:
        return http.get(url, headers={"Accept": "application/rss+xml, application/atom+xml, "
                                                "application/feed+json, text/html;q=0.9, */*;q=0.5"})
    except GuardError as exc:
        raise DiscoveryError(exc.message) from exc
    except (httpx.HTTPError, OSError) as exc:
        raise DiscoveryError(_("The address could not be reached: %(error)s") % {"error": exc}) from exc


def _as_feed(response: httpx.Response) -> ParsedFeed | None:
    try:
        return parse_feed(response.content, url=str(response.url),
                          content_type=response.headers.get("content-type", ""))
    except FeedError:
        return None


def discover(typed: str, http: httpx.Client | None = None) -> list[Found]:
    """The feeds at what someone typed, best first; raises DiscoveryError with the reason
    when there is none."""
    typed = typed.strip()
    if not typed:
        raise DiscoveryError(_("Type a site's or a feed's address."))
    known = known_address(typed)
    url = known[0] if known else (typed if "://" in typed else "https://" + typed)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[::1", "http://a:99999": not addresses
        valid = False
    if not valid:
        raise DiscoveryError(_("This is not a web address."))
    own = http is None
    http = http or client(redirects="follow")
    try:
        return _discover(http, url, known[1] if known else "")
    finally:
        if own:
            http.close()


def _discover(http: httpx.Client, url: str, kind: str) -> list[Found]:
    response = _read(http, url)
    if response.status_code != 200:
        raise DiscoveryError(_("The address answered HTTP %(status)d.") % {"status": response.status_code})
    final = str(response.url)
    if feed := _as_feed(response):
        return [Found(final, kind or kind_of(final), feed.title, feed)]
    links = alternate_links(response.content, final)
    if links:
        return [Found(address, kind_of(address) if kind in ("", FEED) else kind, title)
                for address, title in links]
    root = f"{urlsplit(final).scheme}://{urlsplit(final).netloc}"
    for path in USUAL_PATHS:
        try:
            candidate = _read(http, root + path)
        except DiscoveryError:
            continue
        if candidate.status_code == 200 and (feed := _as_feed(candidate)):
            return [Found(str(candidate.url), FEED, feed.title, feed)]
    raise DiscoveryError(_("No feed was found at this address."))

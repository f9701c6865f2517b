"""Feed documents for tests, written as the web writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

BASE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def rss(items: list[dict[str, str]], title: str = "Le Blog du Modérateur", link: str = "https://blog.example/",
        encoding: str = "utf-8", declared: str | None = None) -> bytes:
    """An RSS 2.0 document; each item's keys: title, link, guid, description, date (RFC 822)."""
    parts = [f'<?xml version="1.0" encoding="{declared or encoding}"?>',
             '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
             f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>",
             "<description>Actualités des réseaux sociaux</description><language>fr</language>"]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "author"):
            if key in item:
                parts.append(f"<{key}>{escape(item[key])}</{key}>")
        if "date" in item:
            parts.append(f"<pubDate>{item['date']}</pubDate>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding)


def items(count: int, start: datetime = BASE, every: timedelta = timedelta(hours=6), prefix: str = "Article",
          site: str = "https://blog.example") -> list[dict[str, str]]:
    """`count` items, newest first, one every `every` going back from `start`."""
    return [{"title": f"{prefix} {n}", "link": f"{site}/{prefix.lower()}-{n}", "guid": f"{site}/?p={n}",
             "description": f"<p>Résumé de l’article {n} sur les réseaux sociaux.</p>",
             "date": format_datetime(start - every * n)} for n in range(count)]

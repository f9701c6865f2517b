"""The whole article, for entries whose feed gives only a summary: read from the
article's page (trafilatura finds the main text among menus, ads and comments), then
sanitised like everything else from outside. Only for the sources a workspace asked it
for ("fetch the full article"): it costs one more request per entry."""

from __future__ import annotations

import logging

import httpx
from django.utils import timezone

from parvis.core.http import GuardError, client
from parvis.listening.models import Entry, Subscription
from parvis.listening.sanitise import clean_html, plain_text
from parvis.listening.search import folded
from parvis.listening.store import TEXT_LIMIT

log = logging.getLogger(__name__)
SHORT = 600  # characters of text: a summary this short is not the article


def wanted(entry_ids: list[int], source_id: int) -> list[int]:
    """Of `entry_ids` (new entries of one source), those to complete from their page."""
    if not entry_ids or not Subscription.objects.filter(source_id=source_id, full_text=True).exists():
        return []
    rows = Entry.objects.filter(pk__in=entry_ids, full_text=False, content="").exclude(url="")
    return [row.pk for row in rows.only("id", "summary") if len(plain_text(row.summary)) < SHORT]


def article_html(page: str, url: str) -> str:
    """The main text of an article page as (unsanitised) HTML, "" if none is found."""
    import trafilatura  # heavy to import: only workers that extract pay for it

    extracted = trafilatura.extract(page, url=url, output_format="html", include_links=True,
                                    include_images=True, include_comments=False, include_tables=True)
    return extracted or ""


def extract(entry: Entry, http: httpx.Client) -> bool:
    """Fill `entry.content` from its page; whether it was."""
    try:
        response = http.get(entry.url, headers={"Accept": "text/html,application/xhtml+xml"})
    except (GuardError, OSError, Exception) as exc:  # noqa: BLE001 - the summary stays; say why in the log
        log.info("entry %s: article page not read: %s", entry.pk, exc)
        return False
    if response.status_code != 200 or "html" not in response.headers.get("content-type", "html"):
        return False
    content = clean_html(article_html(response.text, str(response.url)), str(response.url))
    if len(plain_text(content)) <= len(plain_text(entry.summary)):
        return False  # nothing better than what the feed gave
    text = plain_text(content)
    entry.content, entry.full_text, entry.text = content, True, text[:TEXT_LIMIT]
    entry.search_text = folded(" ".join((entry.title, entry.author, text)))
    entry.save(update_fields=["content", "full_text", "search_text", "text"])
    return True


def extract_all(entry_ids: list[int]) -> int:
    done = 0
    with client(redirects="follow") as http:
        for entry in Entry.objects.filter(pk__in=entry_ids, full_text=False):
            done += extract(entry, http)
    log.debug("full text: %d of %d entries at %s", done, len(entry_ids), timezone.now())
    return done

"""Full-text search in the inbox, on SQLite (FTS5) and PostgreSQL (GIN), same behaviour:
every word typed must appear, as a word or the start of one, whatever the case and the
accents ("cafe" finds "Café", "rembours" finds "remboursement")."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import QuerySet

from parvis.core.fulltext import matching, prefix_queries
from parvis.inbox.models import Item

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8  # a pasted paragraph is not a search; keep the query cheap


def normalise(text: str) -> str:
    """What the index holds: lower case, no accents (é→e, ç→c, œ stays a letter)."""
    if text.isascii():  # nothing to decompose (most English comments)
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def terms(query: str) -> list[str]:
    return _WORD.findall(normalise(query))[:MAX_TERMS]


def search(items: QuerySet[Item], query: str) -> QuerySet[Item]:
    words = terms(query)
    if not words:
        return items
    tsquery, fts = prefix_queries(words)
    return matching(items, "inbox_item", tsquery=tsquery, fts=fts)

"""Full-text search in the inbox, on SQLite (FTS5) and PostgreSQL (GIN), same behaviour:
every word typed must appear, as a word or the start of one, whatever the case and the
accents ("cafe" finds "Café", "rembours" finds "remboursement")."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import QuerySet

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
    if connection.vendor == "postgresql":
        # The same expression as the GIN index (migration 0002), so that it is used.
        tsquery = " & ".join(f"{word}:*" for word in words)
        return items.extra(  # noqa: S610 - parameters are bound, not interpolated
            where=["to_tsvector('simple'::regconfig, inbox_item.search_text) @@ to_tsquery('simple', %s)"],
            params=[tsquery],
        )
    # FTS5: each word quoted (no operator can be injected) and matched as a prefix.
    match = " ".join('"' + word.replace('"', "") + '"*' for word in words)
    return items.extra(  # noqa: S610 - parameters are bound, not interpolated
        where=["inbox_item.id IN (SELECT rowid FROM inbox_item_fts WHERE inbox_item_fts MATCH %s)"],
        params=[match],
    )

"""Searching the entries people read, on SQLite (FTS5) and PostgreSQL (GIN), the same
way as the inbox: every word typed must appear, as a word or the start of one, whatever
the case and the accents ("societe" finds "Société", "numér" finds "numérique")."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from parvis.inbox.search import normalise, terms
from parvis.listening.models import Entry


def folded(text: str) -> str:
    """What the index holds for an entry: lower case, no accents."""
    return normalise(text)


def search(entries: QuerySet[Entry], query: str) -> QuerySet[Entry]:
    words = terms(query)
    if not words:
        return entries
    if connection.vendor == "postgresql":
        # The same expression as the GIN index (migration 0002), so that it is used.
        tsquery = " & ".join(f"{word}:*" for word in words)
        return entries.extra(  # noqa: S610 - parameters are bound, not interpolated
            where=["to_tsvector('simple'::regconfig, listening_entry.search_text) @@ to_tsquery('simple', %s)"],
            params=[tsquery],
        )
    match = " ".join('"' + word.replace('"', "") + '"*' for word in words)
    return entries.extra(  # noqa: S610 - parameters are bound, not interpolated
        where=["listening_entry.id IN (SELECT rowid FROM listening_entry_fts WHERE listening_entry_fts MATCH %s)"],
        params=[match],
    )

"""Searching the entries people read, on SQLite (FTS5) and PostgreSQL (GIN), the same
way as the inbox: every word typed must appear, as a word or the start of one, whatever
the case and the accents ("societe" finds "Société", "numér" finds "numérique")."""

from __future__ import annotations

from django.db.models import QuerySet

from parvis.core.fulltext import matching, prefix_queries
from parvis.inbox.search import normalise, terms
from parvis.listening.models import Entry


def folded(text: str) -> str:
    """What the index holds for an entry: lower case, no accents."""
    return normalise(text)


def search(entries: QuerySet[Entry], query: str) -> QuerySet[Entry]:
    words = terms(query)
    if not words:
        return entries
    tsquery, fts = prefix_queries(words)
    return matching(entries, "listening_entry", tsquery=tsquery, fts=fts)

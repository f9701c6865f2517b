"""Asking the full-text index for the texts a query could match, before matching them.

A compiled query knows the words an item must hold for it to match (`Query.requirements`:
groups of keys, one key of each group at least: stems, phrase words, a prefix's start).
The index (FTS5 on SQLite, GIN on PostgreSQL, over the folded `search_text` of entries
and inbox items) is asked for texts holding, for every group, a word starting with the
first letters of one of its keys. Four letters: Snowball's stems are prefixes of the
words they stand for but for a few rewritten endings (chevaux → cheval, happy → happi),
which never touch the first four; so the index's answer holds every text the query can
match (and more, which the matcher then drops). Negations, fields and NEAR are left to
the matcher: they only remove texts.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django.db.models import Model, QuerySet

from parvis.core.fulltext import matching
from parvis.listening.query import Query

_M = TypeVar("_M", bound=Model)
PREFIX = 4
_KEY = re.compile(r"^(?:fr|en|p):")
_NON_WORD = re.compile(r"\W+", re.UNICODE)


def _prefixes(query: Query) -> list[list[str]] | None:
    """For each required group, the word starts to ask the index for; None when a group
    has nothing the index can look up (the texts must then all be read)."""
    groups = []
    for group in query.requirements:
        starts = set()
        for key in group:
            word = _NON_WORD.sub("", _KEY.sub("", key).lstrip("#@"))
            if not word:
                return None
            starts.add(word[:PREFIX])
        groups.append(sorted(starts))
    return groups or None


def narrow(rows: QuerySet[_M], table: str, query: Query) -> QuerySet[_M]:
    """`rows` (of `table`, which has a `search_text` indexed as above) limited to those the
    index says may match; `rows` as it is when the query gives nothing to look up."""
    groups = _prefixes(query)
    if groups is None:
        return rows
    tsquery = " & ".join("(" + " | ".join(f"{start}:*" for start in group) + ")" for group in groups)
    fts = " AND ".join("(" + " OR ".join(f'"{start}"*' for start in group) + ")" for group in groups)
    return matching(rows, table, tsquery=tsquery, fts=fts)

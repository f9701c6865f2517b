"""The one place that asks the full-text index of a table whose `search_text` is folded
(lower case, no accents) and indexed the same way on both databases: an FTS5 table
`<table>_fts` on SQLite (kept by triggers), a GIN index on the 'simple' text-search
vector on PostgreSQL. Callers build the query in both syntaxes (the inbox's and la
veille's search, la veille's monitors' prefilter)."""

from __future__ import annotations

from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

_M = TypeVar("_M", bound=Model)


def matching(rows: QuerySet[_M], table: str, *, tsquery: str, fts: str) -> QuerySet[_M]:
    """`rows` of `table` (a table of ours, never a person's text) whose search_text the
    index matches: `tsquery` on PostgreSQL, `fts` (an FTS5 MATCH expression) on SQLite,
    both bound as parameters."""
    if connection.vendor == "postgresql":
        # The same expression as the GIN index, so that it is used.
        return rows.extra(  # noqa: S610 - the table name is ours; the query is bound
            where=[f"to_tsvector('simple'::regconfig, {table}.search_text) @@ to_tsquery('simple', %s)"],
            params=[tsquery])
    return rows.extra(  # noqa: S610 - the table name is ours; the query is bound
        where=[f"{table}.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s)"],  # noqa: S608
        params=[fts])


def prefix_queries(words: list[str]) -> tuple[str, str]:
    """(tsquery, fts) requiring every word, as a word or the start of one."""
    tsquery = " & ".join(f"{word}:*" for word in words)
    # FTS5: each word quoted (no operator can be injected) and matched as a prefix.
    fts = " ".join('"' + word.replace('"', "") + '"*' for word in words)
    return tsquery, fts

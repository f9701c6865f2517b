"""Keeping the database planner's statistics in step with the inbox tables' growth.

A planner that believes a table is nearly empty picks plans that are fine for ten rows
and slow for a hundred thousand: measured during a backlog import on PostgreSQL, the
"is this item already stored?" lookup went from an index probe to reading every item of
the account (7 ms a page of 40 at 30,000 items, growing with the table). PostgreSQL's
autovacuum prevents that when it runs, but it can be switched off (it is on our CI
server) and it wakes only once a minute; SQLite has no such daemon at all.

So ingestion counts the rows it writes, and every CHECK_EVERY rows asks the database
whether the statistics are stale: on PostgreSQL, tables modified by more than a fifth
since their last ANALYZE are analysed (the rule autovacuum applies, at twice its
threshold). On SQLite, which keeps no such counters, the row count ANALYZE recorded is
compared with the table's highest id. A check is a few small queries; an ANALYZE samples
a bounded number of rows, so it costs about the same at any size, and happens each time
a table grows by a fifth. A failed check is logged and never fails the ingestion.
"""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

TABLES = ("inbox_item", "inbox_author", "inbox_thread")
CHECK_EVERY = 2000
STALE_SHARE = 0.2  # autovacuum's default is 0.1; this runs besides it, so lazier
STALE_MINIMUM = 500
QUICK_STATISTICS_TARGET = 10  # PostgreSQL's default is 100 (samples 300 rows per unit)

_lock = threading.Lock()
_written = {"rows": 0}


def note_writes(rows: int) -> bool:
    """Count rows written to the inbox tables; refresh stale statistics now and then.
    Returns True when this call checked them."""
    with _lock:
        _written["rows"] += rows
        if _written["rows"] < CHECK_EVERY:
            return False
        _written["rows"] = 0
    try:
        refresh()
    except DatabaseError:  # e.g. a database user that does not own the tables
        log.warning("could not refresh the inbox tables' planner statistics", exc_info=True)
    return True


def refresh(force: bool = False) -> list[str]:
    """Analyse the inbox tables whose statistics are stale (all of them when forced);
    returns the ones analysed."""
    if connection.vendor == "postgresql":
        return _refresh_postgresql(force)
    if connection.vendor == "sqlite":
        return _refresh_sqlite(force)
    return []


def _refresh_postgresql(force: bool) -> list[str]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(TABLES)])
        stale = [name for name, live, modified in cursor.fetchall()
                 if force or modified > max(STALE_MINIMUM, STALE_SHARE * live)]
        if stale and not force:
            # While ingesting, a coarse sample (3,000 rows instead of 30,000: 0.05 s
            # instead of 0.5 s at 100,000 items, measured) is enough to stop the planner
            # believing a table is empty; the periodic refresh (force) keeps full detail.
            cursor.execute(f"SET LOCAL default_statistics_target = {int(QUICK_STATISTICS_TARGET)}")
        for name in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return stale


def _refresh_sqlite(force: bool) -> list[str]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        analysed: dict[str, int] = {}
        if cursor.fetchone():
            cursor.execute("SELECT tbl, stat FROM sqlite_stat1")
            for table, stat in cursor.fetchall():  # an index's stat starts with its table's rows
                rows = int(str(stat).split()[0]) if stat else 0
                analysed[table] = max(analysed.get(table, 0), rows)
        stale = []
        for name in TABLES:
            # max(id) is an index lookup; COUNT(*) would read the table (ids only grow)
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            rows = cursor.fetchone()[0]
            known = analysed.get(name, 0)
            if force or rows - known > max(STALE_MINIMUM, STALE_SHARE * known):
                stale.append(name)
        if stale:
            # analysis_limit samples each index instead of reading all of it (what SQLite
            # recommends for periodic use): the cost stays flat as tables grow.
            cursor.execute("PRAGMA analysis_limit=1000")
            for name in stale:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return stale

"""Full-text search over items' `search_text` (lower-case, accents removed in Python).

SQLite: an FTS5 index kept in step by triggers (external content: the text is stored
once, in inbox_item). PostgreSQL: a GIN index on the 'simple' text-search vector (no
stemming: brand names, handles and French and English words alike are matched as
typed, by prefix). `parvis/inbox/search.py` writes the matching queries.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE inbox_item_fts USING fts5(search_text, content='inbox_item', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER inbox_item_fts_insert AFTER INSERT ON inbox_item BEGIN"
    " INSERT INTO inbox_item_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER inbox_item_fts_delete AFTER DELETE ON inbox_item BEGIN"
    " INSERT INTO inbox_item_fts(inbox_item_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    " END",
    "CREATE TRIGGER inbox_item_fts_update AFTER UPDATE OF search_text ON inbox_item BEGIN"
    " INSERT INTO inbox_item_fts(inbox_item_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO inbox_item_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO inbox_item_fts(inbox_item_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS inbox_item_fts_update",
    "DROP TRIGGER IF EXISTS inbox_item_fts_delete",
    "DROP TRIGGER IF EXISTS inbox_item_fts_insert",
    "DROP TABLE IF EXISTS inbox_item_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX inbox_item_search ON inbox_item USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS inbox_item_search"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]

"""Full-text search over entries' `search_text` (lower-case, accents removed in Python),
as the inbox does: on SQLite an FTS5 index kept in step by triggers (external content,
the text stored once), on PostgreSQL a GIN index on the 'simple' text-search vector.
`parvis/listening/search.py` writes the matching queries."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE listening_entry_fts USING fts5(search_text, content='listening_entry',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER listening_entry_fts_insert AFTER INSERT ON listening_entry BEGIN"
    " INSERT INTO listening_entry_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER listening_entry_fts_delete AFTER DELETE ON listening_entry BEGIN"
    " INSERT INTO listening_entry_fts(listening_entry_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER listening_entry_fts_update AFTER UPDATE OF search_text ON listening_entry BEGIN"
    " INSERT INTO listening_entry_fts(listening_entry_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO listening_entry_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO listening_entry_fts(listening_entry_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS listening_entry_fts_update",
    "DROP TRIGGER IF EXISTS listening_entry_fts_delete",
    "DROP TRIGGER IF EXISTS listening_entry_fts_insert",
    "DROP TABLE IF EXISTS listening_entry_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX listening_entry_search ON listening_entry"
    " USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS listening_entry_search"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("listening", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]

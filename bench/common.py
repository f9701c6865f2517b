"""What the in-process benchmarks share: Django on a fresh data folder, on SQLite or on a
throw-away PostgreSQL database (created here, dropped by `drop_database`)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def setup_django(data_dir: Path, db: str = "sqlite", **env: str) -> str | None:
    """Configure and migrate parvis in this process; returns the PostgreSQL database's
    name to drop afterwards (None on SQLite)."""
    os.environ.update(PARVIS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="parvis.settings",
                      PARVIS_LOG_LEVEL="WARNING", **env)
    os.environ.pop("DATABASE_URL", None)
    dbname = None
    if db == "postgres":
        import psycopg

        dbname = f"parvis_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dbname


def drop_database(dbname: str | None) -> None:
    if not dbname:
        return
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

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


def page_times(client: object, url: str, requests: int) -> tuple[float, float]:
    """p50 and p95, in ms, of `requests` GETs of `url` through a Django test client (each
    must answer 200)."""
    import statistics
    import time

    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]

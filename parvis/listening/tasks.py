"""Background jobs (huey) and the dispatcher sweep that schedules them (listed, with the
others, in `settings.PARVIS_SWEEPS`). Thin: the work is in `fetching` and `fulltext`."""

from __future__ import annotations

from datetime import datetime

from huey.contrib.djhuey import db_task

from parvis.listening import fetching, fulltext


@db_task()
def fetch_task(source_id: int) -> None:
    result = fetching.fetch(source_id)
    if result.new_entries:
        ids = fulltext.wanted([entry.pk for entry in result.new_entries if entry.pk], source_id)
        if ids:
            full_text_task(ids)


@db_task(retries=1, retry_delay=60)
def full_text_task(entry_ids: list[int]) -> None:
    fulltext.extract_all(entry_ids)


def enqueue_fetch(source_id: int) -> object:
    return fetch_task(source_id)


def dispatch_feed_fetches(now: datetime) -> int:
    return fetching.dispatch(enqueue_fetch, now)

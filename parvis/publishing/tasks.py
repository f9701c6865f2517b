"""Background jobs (huey). Thin: the work is in `engine`."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from parvis.publishing import engine


@db_task()
def publish_task(publication_id: int) -> str:
    return engine.publish(publication_id)

"""Background jobs (huey). Thin: the work is in `engine`."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from parvis.publishing import engine


@db_task()
def publish_task(publication_id: int) -> str:
    return engine.publish(publication_id)


@db_task()
def import_task(batch_id: int) -> None:
    """Create the posts of a checked CSV import (see `importer.run_import`); queued again
    by `import_lease.resume_stale_imports` if the worker running it dies."""
    from parvis.publishing.importer import run_import
    from parvis.publishing.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is not None:
        run_import(batch)

"""Creating the posts of a checked import (step 2): in the background, in chunks, each row
checked again first; idempotent, so that a retry, a second click or a crash half-way never
creates a post twice (see `run_import` and `lease`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parvis.accounts.actions import notify
from parvis.accounts.audit import record
from parvis.accounts.models import User
from parvis.core.texts import Text
from parvis.publishing import events
from parvis.publishing.actions import save_post
from parvis.publishing.crashpoints import crashpoint
from parvis.publishing.importer import lease as import_lease
from parvis.publishing.importer.check import Context, RowCheck, check_row, column_of, load_context, split_list
from parvis.publishing.importer.media import is_url
from parvis.publishing.models import ImportBatch, Label, Post
from parvis.publishing.types import PostValidationError

log = logging.getLogger(__name__)


# -- step 2: import ----------------------------------------------------------------------

def start_import(batch: ImportBatch) -> bool:
    """Queue the import of the valid rows; False if there is nothing to import or it is
    already running. A failed import, or one whose run died, can be started again: it
    resumes (the rows already created are skipped)."""
    if not batch.valid_rows:
        return False
    now = timezone.now()
    startable = Q(status__in=[ImportBatch.Status.VALIDATED, ImportBatch.Status.FAILED]) | import_lease.stale(now)
    started = ImportBatch.objects.filter(startable, pk=batch.pk).update(
        status=ImportBatch.Status.IMPORTING, error="", finished_at=None, enqueued_at=now)
    if started:
        import_lease.enqueue(batch.pk, now)
        batch.refresh_from_db()
    return bool(started)


def pending(rows: list[dict[str, Any]]) -> list[int]:
    """Indexes of valid rows not yet created nor refused at creation."""
    return [i for i, row in enumerate(rows) if not row["errors"] and not row.get("post")]


def chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_import(batch: ImportBatch, chunk_size: int | None = None) -> ImportBatch:
    """Create a post for every valid row, `chunk_size` rows per transaction, recording the
    post's id on its row in the same transaction: running it again (a retry, a second
    click, a crash half-way) skips what exists. Each row is checked again first; a row
    that became invalid (an account removed, a time now past) gets its errors instead.
    One run at a time holds the batch (`import_lease`); another returns at once.

    It runs in the language of the person who uploaded the file (else the workspace's),
    not the worker's: what it writes on the rows (a file that could not be downloaded, a
    row now invalid) reads like the checks they saw when uploading."""
    with translation.override(_uploader_language(batch)):
        return _run_import(batch, chunk_size)


def _uploader_language(batch: ImportBatch) -> str:
    uploader = batch.created_by
    return (uploader.language if uploader else "") or batch.workspace.language or settings.LANGUAGE_CODE


def _run_import(batch: ImportBatch, chunk_size: int | None) -> ImportBatch:
    lease = import_lease.claim(batch.pk)
    if lease is None:
        batch.refresh_from_db()
        return batch  # done, or a live run has it
    batch.refresh_from_db()
    try:
        ctx = load_context(batch.workspace)
        ctx.fetch_urls, ctx.author = True, batch.created_by
        _create_labels(ctx, batch.rows)
        for indexes in chunks(pending(batch.rows), chunk_size or settings.PARVIS_IMPORT_CHUNK_ROWS):
            for index in indexes:  # downloads are slow: say we are alive between rows
                lease.renew_if_half_gone()
                _download_media(ctx, batch.rows, [index])
            _run_chunk(batch.pk, ctx, indexes, lease)
            crashpoint("import_chunk")
    except import_lease.LeaseLost:
        log.warning("import %s: taken over by another run after ours was taken for dead", batch.pk)
        batch.refresh_from_db()
        return batch
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the batch; done chunks stay
        log.exception("import %s failed", batch.pk)
        with transaction.atomic():
            released = import_lease.release(
                lease, status=ImportBatch.Status.FAILED, finished_at=timezone.now(),
                error=_("The import stopped: %(error)s. The posts created before remain; start it again to "
                        "import the rest.") % {"error": exc})
            batch.refresh_from_db()
            if released:
                events.import_finished(batch)
        return batch
    _finish(batch, lease)
    return batch


def _create_labels(ctx: Context, rows: list[dict[str, Any]]) -> None:
    names = {n.casefold(): n for i in pending(rows) for n in rows[i].get("new_labels", [])}
    missing = [name for key, name in names.items() if key not in ctx.labels]
    if missing:
        with transaction.atomic():
            for name in missing:
                label, _created = Label.objects.get_or_create(workspace=ctx.workspace, name=name)
                ctx.labels[name.casefold()] = label


def _download_media(ctx: Context, rows: list[dict[str, Any]], indexes: list[int]) -> None:
    """Download the chunk's web addresses before its transaction takes the batch's lock
    (a slow server must not hold it); each address once per run (`Context.download`)."""
    for index in indexes:
        for value in split_list(rows[index]["values"].get("media", "")):
            if is_url(value) and not ctx.url_error(value):
                ctx.download(value)


def _run_chunk(batch_id: int, ctx: Context, indexes: list[int], lease: import_lease.Lease) -> None:
    with transaction.atomic():
        # The lock (SQLite: the IMMEDIATE transaction) makes the lease check and the
        # chunk one step: a run taken for dead records nothing once another has the batch.
        locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
        lease.check_and_extend(locked)
        rows = locked.rows
        author = locked.created_by
        for index in indexes:
            row = rows[index]
            if not row["errors"] and not row.get("post"):
                _create_row(ctx, author, row)
                crashpoint("import_row")
        locked.processed_rows = sum(1 for row in rows if row.get("post") or row.get("import_failed"))
        locked.created_posts = sum(1 for row in rows if row.get("post"))
        locked.save(update_fields=["rows", "processed_rows", "created_posts", "lease_expires_at"])


def _create_row(ctx: Context, author: User | None, row: dict[str, Any]) -> None:
    check = check_row(ctx, row["values"])
    if check.post_input is None:
        row["errors"], row["import_failed"] = check.errors, True
        return
    try:
        post = save_post(ctx.workspace, author, check.post_input)  # type: ignore[arg-type]  # None: author left
    except PostValidationError as exc:
        errors = RowCheck()
        for error in exc.errors:
            errors.add(column_of(error), error.message)
        row["errors"], row["import_failed"] = errors.errors, True
        return
    row["post"] = post.pk


def _finish(batch: ImportBatch, lease: import_lease.Lease) -> None:
    with transaction.atomic():
        done = import_lease.release(lease, status=ImportBatch.Status.DONE, finished_at=timezone.now())
        batch.refresh_from_db()
        if not done:
            return
        failed = batch.processed_rows - batch.created_posts
        summary = Text.ngettext("%(count)d post imported from %(file)s", "%(count)d posts imported from %(file)s",
                                "count", count=batch.created_posts, file=batch.filename)
        if failed:
            summary = Text.gettext("%(imported)s; %(refused)s", imported=summary, refused=Text.ngettext(
                "%(count)d row refused at creation", "%(count)d rows refused at creation", "count", count=failed))
        record(batch.workspace, "posts.imported", actor=batch.created_by, target=batch, summary=summary)
        events.import_finished(batch)
        if batch.created_by is not None:
            notify([batch.created_by], batch.workspace, "import_done", summary, summary,
                   reverse("web:import_detail", args=[batch.workspace_id, batch.pk]))


def created_posts(batch: ImportBatch) -> list[Post]:
    ids = [row["post"] for row in batch.rows if row.get("post")]
    return list(Post.objects.filter(pk__in=ids, workspace=batch.workspace))

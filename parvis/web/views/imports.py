"""Bulk import from CSV: upload, a preview of every row with its errors, then the import
of the valid rows in the background with a progress bar. Editors and above only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.publishing import importer
from parvis.publishing.models import ImportBatch
from parvis.web.forms import TimezoneField

ROWS_PER_PAGE = 100


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"),
                           help_text=gettext_lazy("Columns: date, time, timezone, text, accounts, media, campaign, "
                                                  "labels (or their French names), and network.option for post "
                                                  "options. 5 MB and 20,000 rows at most."))
    timezone = TimezoneField(label=gettext_lazy("Time zone of rows without one"))


def _batch(workspace: Workspace, batch_id: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.defer("rows"), pk=batch_id, workspace=workspace)


@workspace_view(Role.EDITOR)
def import_upload(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, initial={"timezone": workspace.timezone})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importer.validate(workspace, upload, user=request.user,
                                      filename=upload.name, default_timezone=form.cleaned_data["timezone"])
        except importer.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("web:import_detail", workspace_id=workspace.pk, batch_id=batch.pk)
    recent = ImportBatch.objects.filter(workspace=workspace).defer("rows").select_related("created_by")[:10]
    return render(request, "parvis/import_upload.html", {
        "workspace": workspace, "form": form, "recent": recent, "options": _option_columns(workspace),
    }, status=400 if form.errors else 200)


def _option_columns(workspace: Workspace) -> list[importer.OptionColumn]:
    """The option columns of the workspace's networks; of every network while it has none
    with options (the page then shows what is possible)."""
    networks = set(workspace.social_accounts.values_list("network", flat=True))
    return importer.option_columns(networks) or importer.option_columns()


@workspace_view(Role.EDITOR)
def import_template(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    response = HttpResponse(importer.template_csv(workspace), content_type="text/csv; charset=utf-8")
    name = slugify(workspace.name) or "parvis"
    response["Content-Disposition"] = f'attachment; filename="{name}-import-template.csv"'
    return response


def _preview_rows(request: HttpRequest, batch: ImportBatch) -> tuple[Any, bool]:
    only_errors = request.GET.get("errors") == "1"
    rows = [row for row in batch.rows if row["errors"]] if only_errors else batch.rows
    return Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page")), only_errors


@workspace_view(Role.EDITOR)
def import_detail(request: AuthedRequest, workspace: Workspace, batch_id: int) -> HttpResponse:
    """The preview while checked, the progress while importing, the summary after."""
    batch = get_object_or_404(ImportBatch, pk=batch_id, workspace=workspace)
    page, only_errors = _preview_rows(request, batch)
    return render(request, "parvis/import_detail.html", {
        "workspace": workspace, "batch": batch, "page": page, "only_errors": only_errors,
        "columns": [(c, importer.COLUMN_LABELS[c]) for c in importer.COLUMNS]
        + [(c, c) for c in importer.columns_in(batch.rows)],  # options: named as in the file
        "invalid_rows": batch.total_rows - batch.valid_rows, "notice": importer.encoding_notice(batch),
        "refused": [m for row in batch.rows if row.get("import_failed") for m in importer.row_messages(row)][:200],
        "posts": importer.created_posts(batch)[:50] if batch.status != ImportBatch.Status.VALIDATED else [],
        "refused_rows": batch.processed_rows - batch.created_posts, "percent": _percent(batch),
    })


def _percent(batch: ImportBatch) -> int:
    return min(100, round(100 * batch.processed_rows / batch.valid_rows)) if batch.valid_rows else 100


@workspace_view(Role.EDITOR)
def import_progress(request: AuthedRequest, workspace: Workspace, batch_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; once finished, the whole page reloads as the summary."""
    batch = _batch(workspace, batch_id)
    response = render(request, "parvis/_import_progress.html", {
        "workspace": workspace, "batch": batch, "percent": _percent(batch)})
    if batch.status != ImportBatch.Status.IMPORTING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def import_run(request: AuthedRequest, workspace: Workspace, batch_id: int) -> HttpResponse:
    batch = _batch(workspace, batch_id)
    if importer.start_import(batch):
        messages.success(request, ngettext("Importing %(count)d row.", "Importing %(count)d rows.",
                                           batch.valid_rows) % {"count": batch.valid_rows})
    elif not batch.valid_rows:
        messages.error(request, _("No row can be imported: correct the file and upload it again."))
    else:
        messages.error(request, _("This import has already been started."))
    return redirect(reverse("web:import_detail", args=[workspace.pk, batch.pk]))

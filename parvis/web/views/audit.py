"""The audit log, for managers: read it page by page, filter it, export it as CSV — in
the reader's language (actions, summaries, column names) and zone."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.models import AuditEntry, Role, Workspace
from parvis.accounts.scoping import workspace_for
from parvis.web.zones import viewer_tz


@dataclass
class Row:
    """One entry as its reader reads it."""

    entry: AuditEntry
    action: str
    target: str
    summary: str
    before: str
    after: str


def _rows(entries: Iterable[AuditEntry]) -> Iterator[Row]:
    for entry in entries:
        target = f"{audit.target_label(entry.target_type)} {entry.target_id}".strip()
        yield Row(entry, audit.action_label(entry.action), target, *(
            audit.shown_field(entry, name) for name in ("summary", "before", "after")))


def _entries(request: HttpRequest, workspace: Workspace) -> tuple[QuerySet[AuditEntry], str, list[tuple[str, str]]]:
    entries = workspace.audit_entries.all()
    codes = set(entries.values_list("action", flat=True))
    actions = sorted(((code, audit.action_label(code)) for code in codes), key=lambda pair: pair[1].casefold())
    action = request.GET.get("action", "")
    if action in codes:
        entries = entries.filter(action=action)
    else:
        action = ""
    return entries, action, actions


def _cell(value: str) -> str:
    # Excel runs a cell starting with = + - @ as a formula: the log holds other people's text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv(entries: QuerySet[AuditEntry], tz: ZoneInfo, workspace: Workspace) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = datetime.now(tz).strftime("%Y-%m-%d")
    name = slugify(workspace.name) or workspace.pk
    response["Content-Disposition"] = f'attachment; filename="audit-{name}-{stamp}.csv"'
    response.write("\ufeff")  # the BOM: Excel then reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("When"), _("Who"), _("Action"), _("Code"), _("Target"), _("Summary"), _("Before"),
                     _("After")])
    for row in _rows(entries.iterator()):
        # The time as a spreadsheet sorts it, in the reader's zone; the words in their language.
        when = row.entry.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
        writer.writerow([when, *(_cell(v) for v in (row.entry.actor_label, row.action, row.entry.action, row.target,
                                                   row.summary, row.before, row.after))])
    return response


@login_required
def audit_log(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)  # type: ignore[arg-type]
    entries, action, actions = _entries(request, workspace)
    tz = viewer_tz(request, workspace.timezone)
    if request.GET.get("format") == "csv":
        return _csv(entries, tz, workspace)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "parvis/audit.html", {
        "workspace": workspace, "page": page, "rows": list(_rows(page)), "action": action, "actions": actions,
        "tz": tz,
    })

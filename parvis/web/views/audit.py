"""The audit log, for managers: read it page by page, filter it, export it as CSV."""

from __future__ import annotations

import csv
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from parvis.accounts.models import AuditEntry, Role, Workspace
from parvis.accounts.scoping import workspace_for
from parvis.web.zones import viewer_tz

COLUMNS = ["when", "who", "action", "target", "summary", "before", "after"]


def _entries(request: HttpRequest, workspace: Workspace) -> tuple[QuerySet[AuditEntry], str, list[str]]:
    entries = workspace.audit_entries.all()
    actions = sorted(set(entries.values_list("action", flat=True)))
    action = request.GET.get("action", "")
    if action in actions:
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
    writer.writerow(COLUMNS)
    for entry in entries.iterator():
        target = f"{entry.target_type} {entry.target_id}".strip()
        writer.writerow([entry.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
                         *(_cell(v) for v in (entry.actor_label, entry.action, target, entry.summary,
                                              entry.before, entry.after))])
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
        "workspace": workspace, "page": page, "action": action, "actions": actions, "tz": tz,
    })

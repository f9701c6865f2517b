"""The audit log, for managers: read it page by page, filter it, export it as CSV — in
the reader's language (actions, summaries, column names) and zone. The reading itself is
`parvis.accounts.audit_log`, shared with the API."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from parvis.accounts import audit_log as log
from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.web.zones import viewer_tz


@workspace_view(Role.MANAGER)
def audit_log(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    actions = log.actions_in(workspace)
    action = request.GET.get("action", "")
    if action not in dict(actions):
        action = ""
    entries = log.entries(workspace, log.AuditFilters(action=action))
    tz = viewer_tz(request, workspace.timezone)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{log.csv_name(workspace, tz)}"'
        log.write_csv(response, entries, tz)
        return response
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "parvis/audit.html", {
        "workspace": workspace, "page": page, "rows": list(log.rows(page)), "action": action,
        "actions": actions, "tz": tz,
    })

"""The inbox's views strip: the built-in views and the person's own, each with its
count (loaded after the list, so that the list never waits for them), saving the
current filters as a view, and deleting one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parvis.accounts.models import Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspaces_for
from parvis.core.ids import parse_id
from parvis.inbox import saved_views
from parvis.inbox.models import SavedView
from parvis.inbox.queries import InboxFilters


def _workspace(request: AuthedRequest, raw: str | None) -> Workspace | None:
    """The workspace of a workspace's inbox (one of the person's), or None: all of them."""
    pk = parse_id(raw or "")
    return get_object_or_404(workspaces_for(request.user), pk=pk) if pk is not None else None


def strip_context(request: AuthedRequest, workspace: Workspace | None, filters: InboxFilters,
                  counted: bool = False) -> dict[str, object]:
    """The views of this inbox, the one the list shows marked, their counts when asked."""
    shown = {k: v for k, v in filters.as_query().items() if not (workspace and k == "workspace")}
    current = urlencode(shown)
    scope = [workspace] if workspace else list(workspaces_for(request.user))
    views = []
    for view in saved_views.views_for(request.user, workspace):
        views.append({"view": view, "current": saved_views.normalised(view.query) == current,
                      "count": saved_views.count(view, scope, request.user) if counted else ""})
    return {"saved_views": views, "views_workspace": workspace, "current_query": current, "counted": counted}


@login_required
@require_GET
def inbox_view_counts(request: AuthedRequest) -> HttpResponse:
    workspace = _workspace(request, request.GET.get("in"))
    filters = InboxFilters.from_query(QueryDict(request.GET.get("list", "")))
    return render(request, "parvis/inbox/_views.html", strip_context(request, workspace, filters, counted=True))


def _list_url(workspace: Workspace | None, query: str) -> str:
    base = reverse("web:inbox_workspace", args=[workspace.pk]) if workspace else reverse("web:inbox")
    return f"{base}?{query}" if query else base


@login_required
@require_POST
def inbox_view_save(request: AuthedRequest) -> HttpResponse:
    workspace = _workspace(request, request.POST.get("in"))
    query = request.POST.get("query", "")
    try:
        view = saved_views.save_view(request.user, workspace, request.POST.get("name", ""), query)
    except saved_views.ViewError as exc:
        messages.error(request, exc.message)
        return redirect(_list_url(workspace, query))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(workspace, view.query))


@login_required
@require_POST
def inbox_view_delete(request: AuthedRequest, view_id: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)
    workspace = view.workspace
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(_list_url(workspace, ""))

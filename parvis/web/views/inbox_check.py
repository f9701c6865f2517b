""""Check now" in the inbox: read the accounts of one workspace (or of every workspace the
person sees, from the all-workspaces inbox) at the next dispatcher pass. The work and
its rate limit are in `inbox.check_now`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from parvis.accounts.models import User
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for, workspaces_for
from parvis.inbox.check_now import CheckResult, TooSoon, check_now
from parvis.inbox.queries import InboxFilters
from parvis.web.views.inbox import list_query


@login_required
@require_POST
def inbox_check_now(request: AuthedRequest, workspace_id: int | None = None) -> HttpResponse:
    user: User = request.user
    workspaces = [workspace_for(user, workspace_id)] if workspace_id is not None else list(workspaces_for(user))
    done: list[CheckResult] = []
    refused: list[TooSoon] = []
    for workspace in workspaces:
        try:
            done.append(check_now(workspace))
        except TooSoon as exc:
            refused.append(exc)
    if done or not refused:
        messages.success(request, sum(done, CheckResult()).message)
    else:
        messages.error(request, max(refused, key=lambda exc: exc.retry_after).message)
    url = reverse("web:inbox_workspace", args=[workspace_id]) if workspace_id is not None else reverse("web:inbox")
    query = list_query(InboxFilters.from_query(QueryDict(request.POST.get("list", ""))))
    return redirect(f"{url}?{query}" if query else url)

"""The calendar, the planning tool: month and week grids in the viewer's zone, for one
workspace or all of the person's, filtered, coloured by network or status; drag a post to
reschedule it; the private ICS feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.actions import absolute_url
from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.scoping import membership_in, workspace_for, workspaces_for
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import reschedule_post
from parvis.publishing.ics import build_feed, issue_feed_token, revoke_feed_token, workspace_for_feed
from parvis.publishing.models import ApprovalState, Campaign, Label, Post, State
from parvis.publishing.plan import (
    PlanFilters,
    events_between,
    month_days,
    month_grid,
    same_time_on,
    slot_of,
    slot_start,
    span,
    week_days,
    week_grid,
)
from parvis.publishing.validation import FieldError, PostValidationError, parse_timezone
from parvis.web.zones import viewer_tz


def _parse_day(raw: str, today: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else today
    except ValueError:
        return today


def _options(workspaces: QuerySet[Workspace]) -> dict[str, Any]:
    accounts = list(SocialAccount.objects.filter(workspace__in=workspaces).select_related("workspace"))
    return {
        "accounts": accounts, "networks": sorted({(a.network, a.network_label) for a in accounts}),
        "campaigns": Campaign.objects.filter(workspace__in=workspaces).select_related("workspace"),
        "labels": Label.objects.filter(workspace__in=workspaces).select_related("workspace"),
        "states": State.choices, "approvals": ApprovalState.choices,
    }


def _render(request: HttpRequest, workspaces: QuerySet[Workspace], workspace: Workspace | None) -> HttpResponse:
    tz = viewer_tz(request, workspace.timezone if workspace else "Europe/Paris")
    today = timezone.now().astimezone(tz).date()
    view = "week" if request.GET.get("view") == "week" else "month"
    anchor = _parse_day(request.GET.get("day", ""), today)
    days = week_days(anchor) if view == "week" else month_days(anchor)
    filters = PlanFilters.from_query(request.GET)
    events = events_between(workspaces, filters, *span(days, tz))
    if view == "week":
        prev_day, next_day = days[0] - timedelta(days=7), days[0] + timedelta(days=7)
    else:
        prev_day = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_day = (anchor.replace(day=1) + timedelta(days=32)).replace(day=1)
    editable = set(Membership.objects.filter(
        user=request.user, workspace__in=workspaces,  # type: ignore[misc]
        role__in=(Role.OWNER, Role.MANAGER, Role.EDITOR)).values_list("workspace_id", flat=True))
    return render(request, "parvis/calendar.html", {
        "workspace": workspace, "all_workspaces": workspaces if workspace is None else None,
        "view": view, "anchor": anchor, "today": today, "tz": tz, "days": days[:7],
        "weeks": month_grid(days, events, tz) if view == "month" else None,
        "rows": week_grid(days, events, tz) if view == "week" else None,
        "prev_day": prev_day, "next_day": next_day, "filters": filters.as_strings(),
        "colour": "network" if request.GET.get("colour") == "network" else "status",
        "editable": editable, "n_events": len(events),
        "can_manage_feed": workspace is not None and membership_in(
            request.user, workspace.pk).at_least(Role.MANAGER),  # type: ignore[arg-type]
        **_options(workspaces),
    })


@login_required
def calendar(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id)  # type: ignore[arg-type]
    return _render(request, Workspace.objects.filter(pk=workspace.pk), workspace)


@login_required
def calendar_all(request: HttpRequest) -> HttpResponse:
    """Every workspace the person belongs to, on one calendar (and only those)."""
    return _render(request, workspaces_for(request.user), None)  # type: ignore[arg-type]


# -- drag and drop -----------------------------------------------------------------------

def _drop_time(request: HttpRequest, post: Post, tz_name: str) -> Any:
    """Month view sends `day` (keep the time of day); week view sends `at` (a cell)."""
    if parse_timezone(tz_name) is None:
        raise PostValidationError([FieldError("tz", _("“%(tz)s” is not a known time zone.") % {"tz": tz_name})])
    if request.POST.get("day"):
        try:
            day = date.fromisoformat(request.POST["day"])
        except ValueError:
            raise PostValidationError([FieldError("day", _("Enter a day like 2026-12-24."))]) from None
        return same_time_on(post, day)
    if request.POST.get("at"):
        return slot_start(request.POST["at"], tz_name)
    raise PostValidationError([FieldError("at", _("Drop the post on a day or a time."), "required")])


@login_required
@require_POST
def post_reschedule(request: HttpRequest, workspace_id: int, post_id: int) -> JsonResponse:
    workspace = workspace_for(request.user, workspace_id, Role.EDITOR)  # type: ignore[arg-type]
    post = get_object_or_404(Post, pk=post_id, workspace=workspace)
    user: User = request.user  # type: ignore[assignment]
    tz_name = request.POST.get("tz") or user.timezone
    try:
        when = _drop_time(request, post, tz_name)
        reschedule_post(post, when, user)
    except PostValidationError as exc:
        return JsonResponse({"ok": False, "errors": exc.by_field(),
                             "message": " ".join(e.message for e in exc.errors)}, status=400)
    tz = ZoneInfo(tz_name)
    day, slot = slot_of(when, tz)
    local = when.astimezone(tz)
    return JsonResponse({
        "ok": True, "due_at": when.isoformat(), "day": day.isoformat(), "at": f"{day.isoformat()}T{slot:%H:%M}",
        "time": f"{local:%H:%M}",
        "message": _("Moved to %(when)s.") % {"when": formats.date_format(local, "l j F Y H:i")},
    })


# -- the private ICS feed ----------------------------------------------------------------

@login_required
def calendar_feed(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Managers create, regenerate or revoke the feed URL; its token is shown once."""
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)  # type: ignore[arg-type]
    feed_url = ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        if revoke_feed_token(workspace, request.user):  # type: ignore[arg-type]
            messages.success(request, _("The calendar feed URL was revoked: it no longer works."))
        return redirect("web:calendar_feed", workspace_id=workspace.pk)
    if request.method == "POST":
        token = issue_feed_token(workspace, request.user)  # type: ignore[arg-type]
        feed_url = absolute_url(reverse("web:ics_feed", args=[token]))
    return render(request, "parvis/calendar_feed.html", {
        "workspace": workspace, "feed_url": feed_url, "has_feed": bool(workspace.ics_token_hash),
    })


def ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token is the key. Unknown or revoked tokens are simply not found."""
    workspace = workspace_for_feed(token)
    if workspace is None:
        raise Http404
    response = HttpResponse(build_feed(workspace), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="parvis.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

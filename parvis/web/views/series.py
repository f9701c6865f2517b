"""Recurring posts: the list of a workspace's series, one series with its occurrences to
come (in the series' own zone), editing its rule or text, stopping it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.publishing import recurrence
from parvis.publishing.models import Series
from parvis.publishing.validation import PostValidationError
from parvis.web.composer import read_end


@workspace_view()
def series_list(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return render(request, "parvis/series_list.html", {"workspace": workspace,
                                                       "series_list": recurrence.series_of(workspace)})


@membership_view(min_role_post=Role.EDITOR)
def series_detail(request: AuthedRequest, membership: Membership, series_id: int) -> HttpResponse:
    user = request.user
    workspace = membership.workspace
    series = get_object_or_404(Series.objects.select_related("template"), pk=series_id, workspace=workspace)
    errors: dict[str, list[str]] = {}
    values = {"text": recurrence.source_text(series), "rrule": series.rrule,
              "repeat_end": "until" if series.until else "count" if series.count else "never",
              "repeat_until": series.until.isoformat() if series.until else "", "repeat_count": series.count or ""}
    if request.method == "POST":
        values = request.POST.dict()  # type: ignore[assignment]
        until, count, end_errors = read_end(request.POST)
        try:
            if end_errors:
                raise PostValidationError(end_errors)
            recurrence.edit_series(series, user, text=request.POST.get("text", ""),
                                   variants=series.template.variants if series.template else {},
                                   rule=request.POST.get("rrule", ""), until=until, count=count)
        except PostValidationError as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("Series saved: the posts still to come follow the new rule and text."))
            return redirect("web:series", workspace_id=workspace.pk, series_id=series.pk)
    return render(request, "parvis/series.html", {
        "workspace": workspace, "series": series, "occurrences": recurrence.upcoming(series),
        "tz": recurrence.ZoneInfo(series.timezone), "errors": errors, "values": values,
        "start_label": recurrence.series_start(series).strftime("%Y-%m-%d %H:%M"),
        "can_edit": membership.at_least(Role.EDITOR),
    }, status=400 if errors else 200)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def series_stop(request: AuthedRequest, workspace: Workspace, series_id: int) -> HttpResponse:
    series = get_object_or_404(Series, pk=series_id, workspace=workspace)
    count = recurrence.stop_series(series, request.user)
    messages.success(request, _("Series stopped.") + " " + ngettext(
        "%(count)d publication still to come was cancelled.",
        "%(count)d publications still to come were cancelled.", count) % {"count": count})
    return redirect("web:series", workspace_id=workspace.pk, series_id=series.pk)

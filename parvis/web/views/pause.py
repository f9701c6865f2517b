"""Crisis pause pages: the switch (with a reason), its status for everyone in the
workspace, and the resume page where each held publication gets a decision."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.publishing.models import EditorialSettings, Publication
from parvis.publishing.pause import (
    ACTIONS,
    DEFAULTS,
    DROP,
    PUBLISH_NOW,
    RESCHEDULE,
    Decision,
    PauseConflict,
    ResumeResult,
    missed_publications,
    pause_status,
    pause_workspace,
    resume_workspace,
)
from parvis.publishing.schedule import parse_local_time
from parvis.publishing.validation import PostValidationError, parse_timezone
from parvis.web.forms import PauseForm, timezone_choices
from parvis.web.zones import viewer_tz


@membership_view()
def workspace_pause(request: AuthedRequest, membership: Membership) -> HttpResponse:
    """Everyone in the workspace may read the status (notifications link here); only
    managers may pause."""
    workspace, can_manage = membership.workspace, membership.at_least(Role.MANAGER)
    form = PauseForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                status = pause_workspace(workspace, request.user, form.cleaned_data["reason"])
            except PauseConflict as exc:
                messages.error(request, exc.message)
            except PostValidationError as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _pause_done(status.in_flight))
                return redirect("web:workspace_pause", workspace_id=workspace.pk)
    return render(request, "parvis/pause.html", {
        "workspace": workspace, "status": pause_status(workspace), "form": form, "can_manage": can_manage,
        "tz": viewer_tz(request, workspace.timezone),
    }, status=400 if form.errors else 200)


def _pause_done(in_flight: int) -> str:
    done = _("Publishing paused. Nothing scheduled in this workspace will be published until you resume.")
    if in_flight:
        done += " " + ngettext(
            "%(n)d publication was already being published: it finishes.",
            "%(n)d publications were already being published: they finish.", in_flight) % {"n": in_flight}
    return done


def _read_rows(request: HttpRequest, missed: list[Publication], tz: ZoneInfo) -> tuple[
        list[Decision], dict[int, str]]:
    """One decision per listed row. Times are entered in a zone of the person's choice;
    a time that does not exist there (the spring-forward gap) is refused."""
    decisions, errors = [], {}
    for publication in missed:
        pk = publication.pk
        action = request.POST.get(f"action_{pk}", "")
        if action not in ACTIONS:
            errors[pk] = _("Choose publish now, reschedule or drop.")
            continue
        when = None
        if action == RESCHEDULE:
            raw, zone = request.POST.get(f"at_{pk}", "").strip(), request.POST.get(f"tz_{pk}", "").strip() or tz.key
            when, problems = parse_local_time(raw, zone)
            if parse_timezone(zone) is None:
                errors[pk] = _("“%(tz)s” is not a known time zone (for example Europe/Paris).") % {"tz": zone}
            elif problems:
                errors[pk] = problems[0].message
            elif when is None:
                errors[pk] = _("Choose the new date and time.")
        decisions.append(Decision(pk, action, when))
    return decisions, errors


def _row_errors(exc: PostValidationError, decisions: list[Decision]) -> tuple[dict[int, str], list[str]]:
    """Map the action's `decisions[i].field` errors back to the page's rows."""
    rows, general = {}, []
    for error in exc.errors:
        if error.field.startswith("decisions["):
            index = int(error.field[len("decisions["):error.field.index("]")])
            rows[decisions[index].publication_id] = error.message
        else:
            general.append(error.message)
    return rows, general


def _resumed(result: ResumeResult) -> str:
    counts = result.counts
    return _("Publishing resumed: %(now)d published now, %(later)d rescheduled, %(dropped)d dropped.") % {
        "now": counts[PUBLISH_NOW], "later": counts[RESCHEDULE], "dropped": counts[DROP]}


@workspace_view(Role.MANAGER)
def workspace_resume(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    if not EditorialSettings.of(workspace).is_paused:
        messages.info(request, _("Publishing is not paused in this workspace."))
        return redirect("web:workspace_pause", workspace_id=workspace.pk)
    tz = viewer_tz(request, workspace.timezone)
    missed = list(missed_publications(workspace))
    row_errors: dict[int, str] = {}
    general: list[str] = []
    if request.method == "POST":
        decisions, row_errors = _read_rows(request, missed, tz)
        default = request.POST.get("default", "")
        if default not in DEFAULTS:
            general.append(_("Choose what happens to anything else that fell due: publish now or drop."))
        if not row_errors and not general:
            try:
                result = resume_workspace(workspace, request.user, decisions, default)
            except PauseConflict as exc:
                messages.error(request, exc.message)
                return redirect("web:workspace_pause", workspace_id=workspace.pk)
            except PostValidationError as exc:
                row_errors, general = _row_errors(exc, decisions)
            else:
                messages.success(request, _resumed(result))
                return redirect("web:publications", workspace_id=workspace.pk)
    return render(request, "parvis/resume.html", _resume_context(request, workspace, missed, tz, row_errors,
                                                                 general), status=400 if row_errors or general else 200)


def _resume_context(request: HttpRequest, workspace: Workspace, missed: list[Publication], tz: ZoneInfo,
                    row_errors: dict[int, str], general: list[str]) -> dict[str, Any]:
    rows = []
    for publication in missed:
        pk = publication.pk
        rows.append({
            "publication": publication, "error": row_errors.get(pk, ""),
            "action": request.POST.get(f"action_{pk}", PUBLISH_NOW),
            "at": request.POST.get(f"at_{pk}", ""), "tz": request.POST.get(f"tz_{pk}", tz.key),
        })
    counts = {action: sum(1 for row in rows if row["action"] == action) for action in ACTIONS}
    return {
        "workspace": workspace, "rows": rows, "tz": tz,
        "general_errors": general, "default": request.POST.get("default", PUBLISH_NOW),
        "counts": counts, "timezones": timezone_choices(),
    }

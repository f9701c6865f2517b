"""The mission page (what the contract promises per network this month, and where the
month stands), and the progress strips the home page and the calendar show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import Membership, Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view
from parvis.publishing import missions
from parvis.publishing.missions import MissionProgress
from parvis.publishing.types import PostValidationError


@dataclass(frozen=True)
class Bar:
    """Widths in % of the bar, as SVG attributes (the Content-Security-Policy allows no
    inline style), written with a dot whatever the language: "12.5", never "12,5"."""

    planned: str
    published: str
    promised: str
    over: bool  # more planned than promised: the promise is a mark inside the bar


def bar(row: MissionProgress) -> Bar:
    scale = max(row.promised, row.planned, 1)

    def width(n: int) -> str:
        return f"{100 * n / scale:.1f}"

    return Bar(width(row.planned), width(row.published), width(row.promised), row.planned > row.promised)


def strip(progress: Iterable[MissionProgress]) -> list[dict[str, Any]]:
    """The promised networks with their bars (home page, calendar)."""
    return [{"row": row, "bar": bar(row)} for row in progress if row.promised]


def _month(raw: str, fallback: date) -> date:
    try:
        return missions.parse_month(raw)
    except PostValidationError:
        return fallback


@membership_view(Role.VIEWER, min_role_post=Role.MANAGER)
def mission(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace, now = membership.workspace, timezone.now()
    current = missions.current_month(workspace, now)
    month = _month(request.GET.get("month", ""), current)
    errors: dict[str, list[str]] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = {key.removeprefix("promises."): request.POST.get(key, "") for key in request.POST
                  if key.startswith("promises.")}
        try:
            month = missions.parse_month(request.POST.get("month", ""))
            missions.set_promises(workspace, month, posted, request.user, now=now)
        except PostValidationError as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("Mission saved."))
            return redirect(f"{reverse('web:mission', args=[workspace.pk])}?month={month:%Y-%m}")
    found = missions.month_promises(workspace, month, now)
    progress = {row.network: row for row in missions.progress(workspace, month, now)}
    networks = set(workspace.social_accounts.values_list("network", flat=True)) | set(progress)
    rows = []
    for network in sorted(networks, key=missions.network_order):
        row = progress.get(network) or MissionProgress(network, missions.network_label(network), 0, 0, 0, 0, False)
        rows.append({"row": row, "bar": bar(row), "field": f"promises.{network}",
                     "value": posted.get(network, row.promised or "") if errors else row.promised or "",
                     "errors": errors.get(f"promises.{network}", [])})
    return render(request, "parvis/mission.html", {
        "workspace": workspace, "month": month, "current": current, "rows": rows, "errors": errors,
        "carried_from": found.carried_from, "can_edit": membership.at_least(Role.MANAGER),
        "previous": missions.previous_month(month), "next": missions.next_month(month),
        "last_day": missions.last_day(month),
    }, status=400 if errors else 200)

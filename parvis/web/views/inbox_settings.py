"""The inbox's settings screens: crisis thresholds and the workspace's model, working hours
and the on-duty rota, response times, and the crisis banner's acknowledgement. The rules
are in `inbox_rules`, the notification channels in `inbox_channels`.

Settings are for owners and managers; the response-time figures are read by every member.
Times of the rota are wall-clock times in the workspace's zone; the page also shows them
in the viewer's zone, for a CM who answers a French brand from Montréal.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import member_of, membership_view, workspace_view
from parvis.core.ids import parse_int
from parvis.inbox import crisis, duty, learning, metrics
from parvis.inbox.models import Correction, CrisisAlert, DutySlot, InboxSettings, Weekday, WorkspaceModel
from parvis.web.views.inbox_rules import actor
from parvis.web.zones import viewer_tz

NEW_HOUR_ROWS = 3  # empty rows offered under the existing periods
CHART_DAYS = 30


class CrisisForm(forms.ModelForm):
    crisis_min_items = forms.IntegerField(label=gettext_lazy("At least this many negative items in an hour"),
                                          min_value=1, max_value=100_000)
    crisis_factor = forms.FloatField(label=gettext_lazy("And this many times the usual level"), min_value=1.0,
                                     max_value=1000.0)

    class Meta:
        model = InboxSettings
        fields = ["crisis_alerts", "crisis_min_items", "crisis_factor"]


class TargetForm(forms.ModelForm):
    response_target_minutes = forms.IntegerField(
        label=gettext_lazy("Answer within (minutes)"), min_value=1, max_value=60 * 24 * 30,
        help_text=gettext_lazy("An item with no response after this long is shown as overdue."))

    class Meta:
        model = InboxSettings
        fields = ["response_target_minutes"]


class SlotForm(forms.Form):
    user = forms.TypedChoiceField(label=gettext_lazy("Person"), coerce=int)
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=Weekday.choices, coerce=int)
    starts = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=gettext_lazy("To"), widget=forms.TimeInput(attrs={"type": "time"}),
                           help_text=gettext_lazy("Earlier than the start: runs past midnight into the next day."))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=DutySlot.Role.choices)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__email")
        self.fields["user"].choices = [(m.user_id, m.user.first_name or m.user.email) for m in members]  # type: ignore[attr-defined]


def _banner(workspace: Workspace, can_manage: bool, can_edit: bool) -> dict[str, Any]:
    return {"alert": crisis.active_alert(workspace), "can_pause": can_manage, "can_acknowledge": can_edit}


# -- crisis thresholds and the model ---------------------------------------------------

@workspace_view(Role.MANAGER)
def inbox_settings(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    config = InboxSettings.of(workspace)
    form = CrisisForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Crisis alert settings saved."))
        return redirect("web:inbox_settings", workspace_id=workspace.pk)
    return render(request, "parvis/inbox/settings_inbox.html", {
        "workspace": workspace, "form": form, **_banner(workspace, True, True),
        "corrections": Correction.objects.filter(workspace=workspace).count(),
        "model": WorkspaceModel.objects.filter(workspace=workspace).defer("data").first(),
        "tz": viewer_tz(request, workspace.timezone),
        "window_hours": int(crisis.WINDOW / timedelta(hours=1)), "history_days": crisis.HISTORY.days,
        "quiet_hours": int(crisis.QUIET_AFTER / timedelta(hours=1)),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def inbox_retrain(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    model = learning.retrain(workspace)
    if model is None:
        messages.info(request, _("No correction to learn from yet: the inbox keeps using the shipped model. "
                                 "Correct the sentiment or the flags of a few items first."))
    else:
        messages.success(request, ngettext(
            "Model retrained on %(count)d corrected text. New items are analysed with it.",
            "Model retrained on %(count)d corrected texts. New items are analysed with it.",
            model.corrections) % {"count": model.corrections})
    return redirect("web:inbox_settings", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def crisis_acknowledge(request: AuthedRequest, workspace: Workspace, alert_id: int) -> HttpResponse:
    """Editors and above: the people who work the inbox say they have seen it."""
    alert = get_object_or_404(CrisisAlert, pk=alert_id, workspace=workspace)
    crisis.acknowledge(alert, actor(request))
    messages.success(request, _("Crisis alert acknowledged."))
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect("web:inbox_workspace", workspace_id=workspace.pk)


# -- working hours and the rota --------------------------------------------------------

def read_hours(data: Any) -> tuple[list[dict[str, str]], list[tuple[int, time, time]], list[tuple[str, str]]]:
    """The rows of the hours form as typed, the periods they make, and errors by field.
    Rows ticked `remove` and rows left empty are left out."""
    rows, periods, errors = [], [], []
    removed = set(data.getlist("remove"))
    for index, (day, raw_from, raw_to) in enumerate(zip(data.getlist("day"), data.getlist("starts"),
                                                       data.getlist("ends"), strict=False)):
        row = {"day": day, "starts": raw_from.strip(), "ends": raw_to.strip()}
        if str(index) in removed or not (row["starts"] or row["ends"]):
            continue
        rows.append(row)
        parsed: dict[str, time] = {}
        for field in ("starts", "ends"):
            try:
                parsed[field] = time.fromisoformat(row[field])
            except ValueError:
                errors.append((field, _("“%(time)s” is not a time like 09:00.") % {"time": row[field]}
                               if row[field] else _("Give both the start and the end of each period.")))
        weekday = parse_int(day, max(Weekday.values))
        if weekday not in Weekday.values:
            errors.append(("weekday", _("Choose a day of the week.")))
        elif len(parsed) == 2:
            periods.append((weekday, parsed["starts"], parsed["ends"]))
    return rows, periods, errors


def _this_week(workspace_tz: ZoneInfo, now: datetime) -> date:
    local = now.astimezone(workspace_tz)
    return local.date() - timedelta(days=local.weekday())


def in_zone(weekday: int, at: time, workspace_tz: ZoneInfo, zone: ZoneInfo, monday: date) -> datetime:
    """A wall-clock time of the rota (this week, workspace zone) as seen in another zone."""
    return datetime.combine(monday + timedelta(days=weekday), at, tzinfo=workspace_tz).astimezone(zone)


def _hours_context(request: HttpRequest, workspace: Workspace, hour_rows: list[dict[str, str]] | None = None,
                   hour_errors: list[tuple[str, str]] | None = None, slot_form: SlotForm | None = None
                   ) -> dict[str, Any]:
    now = timezone.now()
    ws_tz, viewer = workspace.tz, viewer_tz(request, workspace.timezone)
    if hour_rows is None:
        hour_rows = [{"day": str(h.weekday), "starts": h.starts.strftime("%H:%M"), "ends": h.ends.strftime("%H:%M")}
                     for h in workspace.inbox_hours.all()]
    monday = _this_week(ws_tz, now)
    week = []
    for day, slots in duty.week_table(workspace):
        week.append({"day": Weekday(day).label, "slots": [
            {"slot": s, "overnight": s.ends < s.starts,
             "viewer_starts": in_zone(day, s.starts, ws_tz, viewer, monday),
             "viewer_ends": in_zone(day if s.starts < s.ends else day + 1, s.ends, ws_tz, viewer, monday)}
            for s in slots]})
    return {
        "workspace": workspace, **_banner(workspace, True, True),
        "hour_rows": hour_rows + [{"day": "", "starts": "", "ends": ""}] * NEW_HOUR_ROWS,
        "hour_errors": hour_errors or [], "weekdays": Weekday.choices,
        "slot_form": slot_form or SlotForm(workspace=workspace), "week": week,
        "has_rota": any(day["slots"] for day in week),
        "now_workspace": now.astimezone(ws_tz), "now_viewer": now.astimezone(viewer),
        "ws_tz": ws_tz, "viewer_tz": viewer, "same_zone": ws_tz.key == viewer.key,
        "on_duty": duty.on_duty(workspace, now), "relays": duty.relays(workspace, now),
        "working": duty.is_working_time(workspace, now),
    }


@workspace_view(Role.MANAGER)
def hours_page(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    if request.method != "POST":
        return render(request, "parvis/inbox/settings_hours.html", _hours_context(request, workspace))
    rows, periods, errors = read_hours(request.POST)
    if not errors:
        try:
            duty.set_hours(workspace, periods)
        except duty.DutyError as exc:
            errors = [(exc.field, exc.message)]
        else:
            messages.success(request, _("Working hours saved.") if periods else
                             _("No working hours: the inbox counts as always open."))
            return redirect("web:inbox_hours", workspace_id=workspace.pk)
    return render(request, "parvis/inbox/settings_hours.html", _hours_context(request, workspace, rows, errors),
                  status=400)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def duty_add(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form = SlotForm(request.POST, workspace=workspace)
    if form.is_valid():
        data = form.cleaned_data
        user = member_of(workspace.pk, data["user"])
        try:
            if user is None:
                raise duty.DutyError("user", _("Choose a member of this workspace."))
            duty.add_slot(workspace, user, data["weekday"], data["starts"], data["ends"], data["role"])
        except duty.DutyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Added to the rota."))
            return redirect("web:inbox_hours", workspace_id=workspace.pk)
    return render(request, "parvis/inbox/settings_hours.html",
                  _hours_context(request, workspace, slot_form=form), status=400)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def duty_delete(request: AuthedRequest, workspace: Workspace, slot_id: int) -> HttpResponse:
    get_object_or_404(DutySlot, pk=slot_id, workspace=workspace).delete()
    messages.success(request, _("Removed from the rota."))
    return redirect("web:inbox_hours", workspace_id=workspace.pk)


# -- response times --------------------------------------------------------------------

def chart(days: list[tuple[date, float | None]], width: int = 600, height: int = 140) -> dict[str, Any]:
    """Bars of an inline SVG (server-drawn: no script, no CDN), one per day."""
    top = max((value for _day, value in days if value is not None), default=0.0)
    step = width / max(len(days), 1)
    bars = []
    for index, (day, value) in enumerate(days):
        bar_height = 0.0 if not value or not top else round(value / top * (height - 20), 1)
        bars.append({"day": day, "value": value, "x": round(index * step + 1, 1), "width": round(step - 2, 1),
                     "y": round(height - bar_height, 1), "height": bar_height})
    return {"bars": bars, "width": width, "height": height, "top": top}


@membership_view()
def response_times(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace, can_manage = membership.workspace, membership.at_least(Role.MANAGER)
    form = TargetForm(request.POST or None, instance=InboxSettings.of(workspace))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("Response target saved."))
            return redirect("web:inbox_response_times", workspace_id=workspace.pk)
    now = timezone.now()
    viewer = viewer_tz(request, workspace.timezone)
    periods = [(_("Last 7 days"), metrics.figures([workspace], now - timedelta(days=7), now=now)),
               (_("Last 30 days"), metrics.figures([workspace], now - timedelta(days=30), now=now))]
    return render(request, "parvis/inbox/settings_response_times.html", {
        "workspace": workspace, "form": form, "can_manage": can_manage,
        **_banner(workspace, can_manage, membership.at_least(Role.EDITOR)),
        "periods": periods, "people": list(periods[1][1].by_person.values()),
        "overdue_now": metrics.overdue(workspace, now).count(), "target": metrics.target(workspace),
        "chart": chart(metrics.daily_medians(workspace, CHART_DAYS, viewer, now)), "chart_days": CHART_DAYS,
        "tz": viewer,
    }, status=400 if form.errors else 200)

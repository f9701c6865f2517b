"""Analytics in the browser: a client's dashboard, and the agency's across every client
the person works for. The figures come from `parvis.analytics.dashboard`; the charts
are drawn from `parvis.analytics.charts` descriptions (the report draws the same)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view, workspaces_for
from parvis.analytics import best_time, charts, collect, experiments
from parvis.analytics.dashboard import PERIOD_DAYS, Dashboard, Period, PeriodError, add_competitors, build, period_of
from parvis.analytics.models import TimingExperiment
from parvis.core.ids import parse_id
from parvis.networks import registry
from parvis.networks.models import SocialAccount


def _period(request: AuthedRequest, today: date) -> tuple[Period, PeriodError | None]:
    try:
        return period_of(request.GET, today), None
    except PeriodError as exc:
        return period_of({}, today), exc


def day_label(day: date) -> str:
    return formats.date_format(day, "j M")


def dashboard_charts(board: Dashboard) -> list[charts.Chart]:
    """The dashboard's pictures: followers per account over the days, and each day's
    posts' interactions."""
    labels = [day_label(d) for d in board.days]
    return [
        charts.Chart("line", _("Followers"), labels,
                     [charts.ChartSeries(s.name, s.values) for s in board.followers]),
        charts.Chart("bar", _("Interactions of the day's posts"), labels,
                     [charts.ChartSeries(_("Interactions"), [float(v) for v in board.activity["interactions"]])]),
    ]


def _render(request: AuthedRequest, workspaces: Sequence[Workspace], workspace: Workspace | None,
            tz: ZoneInfo) -> HttpResponse:
    today = timezone.now().astimezone(tz).date()
    period, error = _period(request, today)
    account_ids: list[int] = []
    accounts = list(SocialAccount.objects.filter(workspace__in=workspaces).order_by("network", "handle")) \
        if workspace else []
    chosen = parse_id(request.GET.get("account", "")) if workspace else None
    if chosen and any(a.pk == chosen for a in accounts):
        account_ids = [chosen]
    board = build([w.pk for w in workspaces], period, tz, account_ids=account_ids, by_workspace=workspace is None)
    if workspace is not None and not account_ids:
        add_competitors(board, workspace, tz)
    for row in board.networks:
        row.account = registry.get(row.network).label if row.network in registry.NETWORKS else row.network
    drawn = [(chart, charts.svg(chart), charts.table_html(chart, _("Day")), charts.legend(chart))
             for chart in dashboard_charts(board)]
    context: dict[str, Any] = {
        "workspace": workspace, "board": board, "charts": drawn, "period": period, "error": error,
        "periods": [(str(days), _("%(days)s days") % {"days": days}) for days in PERIOD_DAYS],
        "days": request.GET.get("days", "") if not (request.GET.get("start") or request.GET.get("end")) else "",
        "accounts": accounts, "account": chosen if account_ids else None, "tz": tz.key,
        "has_accounts": SocialAccount.objects.filter(workspace__in=workspaces).exists(),
        "labels": {key: info.label for key, info in registry.NETWORKS.items()},
    }
    return render(request, "parvis/analytics/dashboard.html", context, status=400 if error else 200)


@workspace_view()
def analytics(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return _render(request, [workspace], workspace, workspace.tz)


@login_required
def analytics_all(request: AuthedRequest) -> HttpResponse:
    """Every client the person works for, side by side; each client's days in its own
    time zone (the person's zone says which days the period covers)."""
    try:
        tz = ZoneInfo(request.user.timezone)
    except (ValueError, KeyError):  # a zone the tz database no longer knows
        tz = ZoneInfo("UTC")
    return _render(request, list(workspaces_for(request.user)), None, tz)


# -- best time to post and timing experiments -------------------------------------------------

WEEKDAYS = (gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
            gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"))


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ExperimentForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), coerce=int,
                                     choices=[(n, name) for n, name in enumerate(WEEKDAYS)])
    # Values as <input type=time/date> needs them, whatever the page's language.
    time_a = forms.TimeField(label=gettext_lazy("A time"), widget=TIME)
    time_b = forms.TimeField(label=gettext_lazy("Against"), widget=TIME)
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                   format="%Y-%m-%d"))
    weeks = forms.IntegerField(label=gettext_lazy("Weeks"), min_value=1, max_value=experiments.MAX_WEEKS,
                               initial=4)
    add_to_queue = forms.BooleanField(label=gettext_lazy("Add both times to the account's queue"), required=False,
                                      initial=True)


def shade(cell: best_time.Cell) -> int:
    """0 (no post) to 4 (far above the account's usual post), for the grid's colours."""
    if not cell.posts:
        return 0
    return 1 if cell.score < 0.9 else 2 if cell.score <= 1.1 else 3 if cell.score <= 1.4 else 4


@membership_view(Role.VIEWER, min_role_post=Role.MANAGER)
def best_times(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    accounts = [a for a in SocialAccount.objects.filter(workspace=workspace).order_by("network", "handle")
                if collect.measured(a.network)]
    chosen = parse_id(request.GET.get("account", "")) or (accounts[0].pk if accounts else None)
    account = next((a for a in accounts if a.pk == chosen), accounts[0] if accounts else None)
    now = timezone.now()
    form = ExperimentForm(request.POST or None, initial={"starts_on": now.astimezone(workspace.tz).date()})
    if request.method == "POST" and account is not None and form.is_valid():
        data = form.cleaned_data
        try:
            experiments.start(account, data["weekday"], data["time_a"], data["time_b"], data["starts_on"],
                              data["weeks"], request.user, data["add_to_queue"])
        except experiments.ExperimentError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("Experiment started."))
            return redirect(f"{reverse('web:best_times', args=[workspace.pk])}?account={account.pk}")
    found = best_time.for_account(account.pk, workspace.tz, now) if account else None
    context = {
        "workspace": workspace, "accounts": accounts, "account": account, "found": found, "form": form,
        "rows": [(WEEKDAYS[day], [(cell, shade(cell)) for cell in row]) for day, row in enumerate(found.grid)]
        if found else [],
        "slots": [f"{h:02d}h" for h in range(0, 24, best_time.SLOT_HOURS)], "weekdays": WEEKDAYS,
        "best": [(WEEKDAYS[cell.weekday], cell) for cell in found.best] if found else [],
        "experiments": [(e, experiments.result(e, now), WEEKDAYS[e.weekday]) for e in TimingExperiment.objects.filter(
            account=account).select_related("workspace", "account")[:20]] if account else [],
        "min_posts": best_time.MIN_POSTS, "can_manage": membership.at_least(Role.MANAGER),
    }
    return render(request, "parvis/analytics/best_times.html", context, status=400 if form.errors else 200)

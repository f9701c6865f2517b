"""The calendar, the planning tool: month and week grids in the viewer's zone, for one
workspace or all of the person's, filtered, coloured by network or status; drag a post to
reschedule it; the private ICS feed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_in, workspace_view, workspaces_for
from parvis.inbox.duty import earliest_start
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import reschedule_post
from parvis.publishing.ics import (
    build_feed,
    feed_status,
    feed_url,
    issue_feed_token,
    revoke_feed_token,
    workspace_for_feed,
)
from parvis.publishing.missions import progress
from parvis.publishing.models import ApprovalState, Campaign, Label, Post, Publication, State
from parvis.publishing.plan import (
    SLOT_MINUTES,
    PlanFilters,
    day_number,
    month_days,
    month_grid,
    same_time_on,
    slot_number,
    slot_of,
    slot_start,
    span,
    week_days,
    week_grid,
)
from parvis.publishing.plan_cells import cell_page, cells_between, planned
from parvis.publishing.validation import FieldError, PostValidationError, parse_timezone
from parvis.web.views.calendar_cells import Items, Lookups, campaign_label, choices, month_cells, week_rows
from parvis.web.views.missions import strip
from parvis.web.zones import viewer_tz

# Lines a cell shows at most: its events, or one line fewer and "+N more".
MONTH_LINES, WEEK_LINES = 4, 2
# The agenda (a list, for phones): two weeks from the chosen day, a day's first posts.
AGENDA_DAYS, AGENDA_LINES = 14, 12
VIEWS = ("month", "week", "agenda")
DAY_MINUTES = 24 * 60
MORE_PAGE = 50  # events a "+N more" brings at a time
KEPT_PARAMS = ("workspace", "account", "campaign", "label", "state", "approval", "colour", "tz")


# The calendar's years: a grid around 9999-12 or 0001-01 would step out of `date`'s range.
YEARS = range(1900, 3000)


def agenda_days(anchor: date) -> list[date]:
    return [anchor + timedelta(days=i) for i in range(AGENDA_DAYS)]


def _parse_day(raw: str, today: date) -> date:
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        return today
    return day if day.year in YEARS else today


@dataclass
class Scope:
    """What every calendar request reads first: whose plan, in which zone, filtered how,
    and the names its items show (no account credentials are loaded)."""

    workspace: Workspace | None
    workspaces: list[tuple[int, str]]
    tz: ZoneInfo
    filters: PlanFilters
    accounts: list[SocialAccount]
    campaigns: list[Campaign]
    editable: set[int]
    requires_approval: set[int]

    @property
    def workspace_ids(self) -> list[int]:
        return [pk for pk, _name in self.workspaces]

    def planned(self) -> QuerySet[Publication]:
        only = self.workspace.pk if self.workspace else self.filters.workspace
        accounts = [a.pk for a in self.accounts if a.workspace_id == only] if only else None
        return planned(self.workspace_ids, self.filters, accounts)

    def items(self, request: HttpRequest, colour: str) -> Items:
        lookups = Lookups({a.pk: a for a in self.accounts}, {c.pk: c for c in self.campaigns},
                          dict(self.workspaces), self.editable, self.requires_approval)
        more = (reverse("web:calendar_more", args=[self.workspace.pk]) if self.workspace
                else reverse("web:calendar_all_more"))
        return Items(lookups, self.tz, colour, self.workspace is None, more, _kept(request))


def _scope(request: AuthedRequest, workspaces: QuerySet[Workspace], workspace: Workspace | None) -> Scope:
    tz = viewer_tz(request, workspace.timezone if workspace else "Europe/Paris")
    rows = list(workspaces.order_by("name", "pk").values_list("pk", "name", "editorial__requires_approval"))
    pairs = [(pk, name) for pk, name, _approval in rows]
    ids = [pk for pk, _name in pairs]
    accounts: list[SocialAccount] = list(SocialAccount.objects.filter(workspace_id__in=ids)
                    .only("pk", "network", "handle", "workspace_id").annotate(workspace_name=F("workspace__name")))
    campaigns: list[Campaign] = list(
        Campaign.objects.filter(workspace_id__in=ids).annotate(workspace_name=F("workspace__name")))
    editable = set(Membership.objects.filter(
        user=request.user, workspace_id__in=ids,
        role__in=(Role.OWNER, Role.MANAGER, Role.EDITOR)).values_list("workspace_id", flat=True))
    return Scope(workspace, pairs, tz, PlanFilters.from_query(request.GET), accounts, campaigns, editable,
                 {pk for pk, _name, approval in rows if approval})


WEEK_OPENS_AT = time(8)  # without working hours


def opens_at(workspace_ids: Iterable[int]) -> str:
    """The half hour the week view scrolls to: the start of the working day."""
    start = earliest_start(workspace_ids) or WEEK_OPENS_AT
    return f"{start.hour:02d}:{30 if start.minute >= 30 else 0:02d}"


def _kept(request: HttpRequest) -> dict[str, str]:
    """The filters and display choices that links from the page keep."""
    return {key: request.GET[key] for key in KEPT_PARAMS if request.GET.get(key)}


def _colour(request: HttpRequest) -> str:
    return "network" if request.GET.get("colour") == "network" else "status"


def _render(request: AuthedRequest, workspaces: QuerySet[Workspace], workspace: Workspace | None) -> HttpResponse:
    scope = _scope(request, workspaces, workspace)
    tz = scope.tz
    today = timezone.now().astimezone(tz).date()
    chosen_view = request.GET.get("view", "")
    view = chosen_view if chosen_view in VIEWS else "month"
    anchor = _parse_day(request.GET.get("day", ""), today)
    days = {"week": week_days, "month": month_days, "agenda": agenda_days}[view](anchor)
    start, end = span(days, tz)
    colour = _colour(request)
    items = scope.items(request, colour)
    if view == "week":
        prev_day, next_day = days[0] - timedelta(days=7), days[0] + timedelta(days=7)
        cells = cells_between(scope.planned(), tz, start, end, SLOT_MINUTES, WEEK_LINES)
        grid: dict[str, Any] = {"rows": week_rows(items, week_grid(days, cells)),
                                "opens_at": opens_at(scope.workspace_ids)}
    elif view == "agenda":
        prev_day, next_day = anchor - timedelta(days=AGENDA_DAYS), anchor + timedelta(days=AGENDA_DAYS)
        cells = cells_between(scope.planned(), tz, start, end, DAY_MINUTES, AGENDA_LINES)
        listed = [cell for week in month_cells(items, month_grid(days, cells)) for cell in week]
        # Days with posts, and today even when it has none: a list, not a grid of empty days.
        grid = {"agenda": [cell for cell in listed if cell["items"] or cell["day"] == today],
                "agenda_end": days[-1]}
    else:
        prev_day = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_day = (anchor.replace(day=1) + timedelta(days=32)).replace(day=1)
        cells = cells_between(scope.planned(), tz, start, end, DAY_MINUTES, MONTH_LINES)
        grid = {"weeks": month_cells(items, month_grid(days, cells))}
    networks = sorted({(a.network, a.network_label) for a in scope.accounts})
    chosen, every = scope.filters.as_strings(), workspace is None
    # The month's mission, in the workspace's own month (the one the grid shows).
    mission = strip(progress(workspace, anchor.replace(day=1))) if workspace and view != "week" else []
    labels = Label.objects.filter(workspace_id__in=scope.workspace_ids).annotate(workspace_name=F("workspace__name"))
    return render(request, "parvis/calendar.html", {
        "workspace": workspace,
        "all_workspaces": [(pk, name, str(pk) == chosen["workspace"]) for pk, name in scope.workspaces] if every
        else None,
        "view": view, "anchor": anchor, "today": today, "tz": tz, "days": days[:7], **grid,
        "prev_day": prev_day, "next_day": next_day, "filters": chosen, "colour": colour,
        "can_write": workspace is not None and workspace.pk in scope.editable,  # "+": a post at that time
        "can_manage_feed": workspace is not None and membership_in(
            request.user, workspace.pk).at_least(Role.MANAGER),
        "networks": networks,
        "account_choices": choices(scope.accounts, chosen["account"], str, every),
        "campaign_choices": choices(scope.campaigns, chosen["campaign"], campaign_label, every),
        "label_choices": choices(labels, chosen["label"], lambda label: label.name, every),
        "states": State.choices, "approvals": ApprovalState.choices, "mission": mission,
    })


@workspace_view()
def calendar(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return _render(request, Workspace.objects.filter(pk=workspace.pk), workspace)


@login_required
def calendar_all(request: AuthedRequest) -> HttpResponse:
    """Every workspace the person belongs to, on one calendar (and only those)."""
    return _render(request, workspaces_for(request.user), None)


# -- the rest of a crowded cell ("+N more") -------------------------------------------------

def _cell_of(request: HttpRequest) -> tuple[date, time | None]:
    """The cell asked for: `day` (a month's day) or `at` (a week's half hour)."""
    if request.GET.get("at"):
        try:
            at = datetime.fromisoformat(request.GET["at"])
        except ValueError:
            raise PostValidationError([FieldError("at", _("Enter a time like 2026-12-24T09:30."))]) from None
        if at.tzinfo is not None or at.second or at.microsecond or at.minute % SLOT_MINUTES or at.year not in YEARS:
            raise PostValidationError([FieldError("at", _("Enter a time like 2026-12-24T09:30."))])
        return at.date(), at.time()
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    if day is None or day.year not in YEARS:
        raise PostValidationError([FieldError("day", _("Enter a day like 2026-12-24."))])
    return day, None


def _offset(raw: str) -> int:
    return min(int(raw), 100_000) if raw.isdigit() and len(raw) < 7 else 0


def _more(request: AuthedRequest, workspaces: QuerySet[Workspace], workspace: Workspace | None) -> HttpResponse:
    """The events of a cell after the first ones, 50 at a time: a fragment for the
    calendar's script, or (without script) a page of the day or half hour."""
    try:
        day, slot = _cell_of(request)
    except PostValidationError as exc:
        return HttpResponseBadRequest(str(exc))
    scope = _scope(request, workspaces, workspace)
    minutes, number = (SLOT_MINUTES, slot_number(day, slot)) if slot else (DAY_MINUTES, day_number(day))
    cell = cell_page(scope.planned(), scope.tz, day, minutes, number,
                     _offset(request.GET.get("offset", "")), MORE_PAGE)
    colour = _colour(request)
    key, value = ("at", f"{day.isoformat()}T{slot:%H:%M}") if slot else ("day", day.isoformat())
    calendar_url = reverse("web:calendar", args=[workspace.pk]) if workspace else reverse("web:calendar_all")
    back = {**_kept(request), "view": "week" if slot else "month", "day": day.isoformat()}
    slot_end = (datetime.combine(day, slot) + timedelta(minutes=SLOT_MINUTES)).time() if slot else None
    context = {"workspace": workspace, "cell": scope.items(request, colour).cell(cell, key, value),
               "day": day, "slot": slot, "slot_end": slot_end, "total": cell.total, "tz": scope.tz,
               "back": f"{calendar_url}?{urlencode(back)}"}
    template = "parvis/_calendar_more.html" if request.headers.get("HX-Request") else "parvis/calendar_cell.html"
    return render(request, template, context)


@login_required
@require_GET
@workspace_view()
def calendar_more(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return _more(request, Workspace.objects.filter(pk=workspace.pk), workspace)


@login_required
@require_GET
def calendar_all_more(request: AuthedRequest) -> HttpResponse:
    return _more(request, workspaces_for(request.user), None)


# -- drag and drop -----------------------------------------------------------------------

def _drop_time(request: HttpRequest, post: Post, tz_name: str) -> Any:
    """Month view sends `day` (keep the time of day); week view sends `at` (a cell)."""
    if parse_timezone(tz_name) is None:
        raise PostValidationError([FieldError("tz", _("“%(tz)s” is not a known time zone.") % {"tz": tz_name})])
    if request.POST.get("day"):
        try:
            day = date.fromisoformat(request.POST["day"])
        except ValueError:
            day = None
        if day is None or day.year not in YEARS:  # beyond, converting the time overflows
            raise PostValidationError([FieldError("day", _("Enter a day like 2026-12-24."))])
        return same_time_on(post, day)
    if request.POST.get("at"):
        if not request.POST["at"][:4].isdigit() or int(request.POST["at"][:4]) not in YEARS:
            raise PostValidationError([FieldError("at", _("Enter a time like 2026-12-24T09:30."))])
        return slot_start(request.POST["at"], tz_name)
    raise PostValidationError([FieldError("at", _("Drop the post on a day or a time."), "required")])


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def post_reschedule(request: AuthedRequest, workspace: Workspace, post_id: int) -> JsonResponse:
    post = get_object_or_404(Post, pk=post_id, workspace=workspace)
    user: User = request.user
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

@workspace_view(Role.MANAGER)
def calendar_feed(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """Managers create, regenerate or revoke the feed URL; its token is shown once."""
    address = ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        if revoke_feed_token(workspace, request.user):
            messages.success(request, _("The calendar feed URL was revoked: it no longer works."))
        return redirect("web:calendar_feed", workspace_id=workspace.pk)
    if request.method == "POST":
        address = feed_url(issue_feed_token(workspace, request.user))
    status = feed_status(workspace)
    return render(request, "parvis/calendar_feed.html", {
        "workspace": workspace, "feed_url": address, "has_feed": status.exists,
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

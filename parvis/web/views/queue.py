"""An account's posting queue: its weekly slots (in the workspace zone), the posts waiting
in it in order, and the buttons that move, shuffle, pause and resume it.

Everyone in the workspace sees the queue; editors move and shuffle posts (that is
scheduling); managers change the slots and pause or resume (that is settings)."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_in, workspace_view
from parvis.core.ids import parse_int
from parvis.networks.models import SocialAccount
from parvis.publishing import queue
from parvis.publishing.models import Publication
from parvis.publishing.validation import FieldError, PostValidationError


def _account(workspace: Workspace, account_id: int) -> SocialAccount:
    return get_object_or_404(SocialAccount, pk=account_id, workspace=workspace)


def read_slots(data: object) -> tuple[list[tuple[int, time]], list[FieldError]]:
    """The rows of the slots form: `day`/`time` pairs; rows ticked `remove` and rows
    without a time are left out."""
    days, times = data.getlist("day"), data.getlist("time")  # type: ignore[attr-defined]
    removed = set(data.getlist("remove"))  # type: ignore[attr-defined]
    slots, errors = [], []
    for index, (day, raw) in enumerate(zip(days, times, strict=False)):
        if str(index) in removed or not raw.strip():
            continue
        try:
            at = time.fromisoformat(raw.strip())
        except ValueError:
            errors.append(FieldError("slots", _("“%(time)s” is not a time like 09:00.") % {"time": raw}))
            continue
        weekday = parse_int(day, 6)
        if weekday is None:
            errors.append(FieldError("slots", _("Choose a day for the slot at %(time)s.") % {"time": raw}))
            continue
        slots.append((weekday, at))
    return slots, errors


def _context(workspace: Workspace, account: SocialAccount, user: User) -> dict[str, object]:
    membership = membership_in(user, workspace.pk)
    slots = sorted(queue.slots_of(account))
    return {
        "workspace": workspace, "account": account, "queue": queue.queue_of(account),
        "slots": [{"day": d, "time": t, "label": WEEKDAYS[d]} for d, t in slots],
        "weekdays": sorted(WEEKDAYS.items()), "queued": list(queue.queued(account)),
        "next_free": queue.next_free_slots(account, 3), "tz": workspace.tz,
        "can_edit": membership.at_least(Role.EDITOR), "can_manage": membership.at_least(Role.MANAGER),
    }


@workspace_view(min_role_post=Role.MANAGER)
def queue_page(request: AuthedRequest, workspace: Workspace, account_id: int) -> HttpResponse:
    user = request.user
    account = _account(workspace, account_id)
    errors: list[FieldError] = []
    if request.method == "POST" and "bulk" in request.POST:
        # Several times at once: "weekdays at 09:00, 12:30 and 18:00".
        days = [d for d in (parse_int(v, 6) for v in request.POST.getlist("bulk_days")) if d is not None]
        try:
            made = queue.add_slots(account, days, queue.parse_times(request.POST.get("bulk_times", "")), user)
        except PostValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, ngettext("%(count)d posting time in all.", "%(count)d posting times in all.",
                                               len(made)) % {"count": len(made)})
            return redirect("web:queue", workspace_id=workspace.pk, account_id=account.pk)
    elif request.method == "POST":
        slots, errors = read_slots(request.POST)
        if not errors:
            try:
                queue.set_slots(account, slots, user)
            except PostValidationError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Posting times saved."))
                return redirect("web:queue", workspace_id=workspace.pk, account_id=account.pk)
    context = {**_context(workspace, account, user), "errors": errors}
    return render(request, "parvis/queue.html", context, status=400 if errors else 200)


def _list(request: AuthedRequest, workspace: Workspace, account: SocialAccount) -> HttpResponse:
    """htmx gets the list alone; a plain form post goes back to the page."""
    if request.headers.get("HX-Request"):
        return render(request, "parvis/_queue_list.html", _context(workspace, account, request.user))
    return redirect("web:queue", workspace_id=workspace.pk, account_id=account.pk)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def queue_move(request: AuthedRequest, workspace: Workspace, account_id: int, publication_id: int) -> HttpResponse:
    account = _account(workspace, account_id)
    publication = get_object_or_404(Publication, pk=publication_id, account=account)
    queue.move(publication, request.POST.get("direction", ""), request.user)
    return _list(request, workspace, account)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def queue_shuffle(request: AuthedRequest, workspace: Workspace, account_id: int) -> HttpResponse:
    account = _account(workspace, account_id)
    queue.shuffle(account, request.user)
    return _list(request, workspace, account)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def queue_pause(request: AuthedRequest, workspace: Workspace, account_id: int) -> HttpResponse:
    account = _account(workspace, account_id)
    paused = request.POST.get("paused") == "1"
    moved = queue.set_paused(account, paused, request.user)
    if paused:
        messages.success(request, _("Queue paused: its posts wait until you resume it."))
    else:
        messages.success(request, _("Queue resumed.") + (" " + ngettext(
            "%(count)d post whose time went by was moved to the next free slot.",
            "%(count)d posts whose time went by were moved to the next free slots.", moved)
            % {"count": moved} if moved else ""))
    return redirect("web:queue", workspace_id=workspace.pk, account_id=account.pk)


def days_label(days: list[int]) -> str:
    """"Monday – Friday" for a run of three days or more, else the days one by one."""
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]} – {WEEKDAYS[days[-1]]}"
    return ", ".join(str(WEEKDAYS[d]) for d in days)


@workspace_view()
def queues(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """Every account's queue in one view: its rhythm, what waits in it, its next free time."""
    rows = []
    for account in workspace.social_accounts.order_by("network", "handle"):
        slots = queue.slots_of(account)
        rows.append({
            "account": account, "paused": queue.queue_of(account).paused,
            "rhythm": [(days_label(days), times) for days, times in queue.week_summary(slots)],
            "waiting": queue.queued(account).count(),
            "next_free": next(iter(queue.next_free_slots(account, 1)), None) if slots else None,
        })
    return render(request, "parvis/queues.html", {"workspace": workspace, "rows": rows, "tz": workspace.tz})

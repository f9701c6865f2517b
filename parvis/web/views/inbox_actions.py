"""What the open item's controls post (status, assignee, priority, label, snooze, note,
correction, network action, reply, deleting our reply) and the list's bulk actions.

Thin on purpose: every change is `inbox.triage`, `inbox.replies` or `inbox.actions`
(which the API calls too); these views parse the form, call them, and answer with the
pane again (htmx) or a redirect to the item, with what was done or what was wrong.
Editors and above act; viewers get 403, other workspaces' items 404."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, User
from parvis.accounts.requests import AuthedRequest
from parvis.core.ids import parse_ids, parse_int
from parvis.inbox import actions, triage
from parvis.inbox.models import Item, Priority, Status
from parvis.inbox.queries import InboxFilters
from parvis.inbox.replies import send_reply
from parvis.networks import registry
from parvis.publishing.validation import PostValidationError
from parvis.web.views.inbox import item_for, items_shown, list_context, list_query, pane_context
from parvis.web.zones import viewer_tz

Handler = Callable[[AuthedRequest, Item, User], str]



def _do_status(request: AuthedRequest, item: Item, user: User) -> str:
    status = request.POST.get("status", "")
    triage.set_status(item, status, user)
    return {Status.DONE: _("Marked done."), Status.PENDING: _("Marked pending."),
            Status.OPEN: _("Reopened.")}[Status(status)]


def _do_assign(request: AuthedRequest, item: Item, user: User) -> str:
    raw = request.POST.get("assignee", "").strip()
    if raw in ("", "none"):
        triage.assign(item, None)
        return _("Unassigned.")
    assignee = user if raw == "me" else actions.workspace_member(item, raw)
    triage.assign(item, assignee)
    return _("Assigned to %(name)s.") % {"name": assignee.get_full_name() or assignee.email}


def _do_priority(request: AuthedRequest, item: Item, user: User) -> str:
    priority = parse_int(request.POST.get("priority", ""), max(Priority.values))
    if priority is None:
        raise triage.TriageError("priority", _("Choose low, normal or high."))
    triage.set_priority(item, priority)
    return _("Priority set.")


def _do_label(request: AuthedRequest, item: Item, user: User) -> str:
    label = actions.workspace_label(item, request.POST.get("label", ""))
    on = triage.toggle_label(item, label)
    return (_("Label “%(name)s” added.") if on else _("Label “%(name)s” removed.")) % {"name": label.name}


def _do_snooze(request: AuthedRequest, item: Item, user: User) -> str:
    tz = viewer_tz(request, item.workspace.timezone)
    until = actions.snooze_until(request.POST.get("until", ""), tz)
    triage.snooze(item, until)
    if until is None:
        return _("Snooze cancelled: the item is back in the list.")
    return _("Snoozed until %(when)s.") % {"when": until.astimezone(tz).strftime("%Y-%m-%d %H:%M")}


def _do_note(request: AuthedRequest, item: Item, user: User) -> str:
    triage.add_note(item, request.POST.get("note", ""), user)
    return _("Note added.")


def _do_correct(request: AuthedRequest, item: Item, user: User) -> str:
    triage.correct(item, request.POST.get("field", ""), request.POST.get("value", ""), user)
    return _("Correction kept: the models will learn from it.")


def _do_network(request: AuthedRequest, item: Item, user: User) -> str:
    triage.moderate(item, request.POST.get("network_action", ""), user, request.POST.get("reason", "").strip())
    return _("Done on %(network)s.") % {"network": registry.get(item.network).label}


def _do_reply(request: AuthedRequest, item: Item, user: User) -> str:
    send_reply(item, request.POST.get("text", ""), user)
    return _("Reply on its way.")


def _do_delete_reply(request: AuthedRequest, item: Item, user: User) -> str:
    triage.delete_our_reply(actions.our_reply_in_thread(item, request.POST.get("target", "")))
    return _("Our reply was deleted from %(network)s.") % {"network": registry.get(item.network).label}


HANDLERS: dict[str, Handler] = {
    "status": _do_status, "assign": _do_assign, "priority": _do_priority, "label": _do_label,
    "snooze": _do_snooze, "note": _do_note, "correct": _do_correct, "network": _do_network,
    "reply": _do_reply, "delete-reply": _do_delete_reply,
}


@login_required
@require_POST
def inbox_act(request: AuthedRequest, workspace_id: int, item_id: int, action: str) -> HttpResponse:
    handler = HANDLERS.get(action)
    if handler is None:
        raise Http404
    user = request.user
    item, membership = item_for(user, workspace_id, item_id, Role.EDITOR)
    errors: dict[str, str] = {}
    done = ""
    try:
        done = handler(request, item, user)
    except triage.TriageError as exc:
        errors = {exc.field: exc.message}
    except PostValidationError as exc:
        errors = {name: " ".join(found) for name, found in exc.by_field().items()}
    # Read again with its joins (a plain refresh_from_db would drop them, and the pane
    # and the row would fetch author, account and labels one query at a time).
    item = items_shown().get(pk=item.pk)
    draft = request.POST.get("text", "") if action == "reply" and errors else None
    context = pane_context(request, item, membership, errors=errors, draft=draft)
    status = 400 if errors else 200
    if request.headers.get("HX-Request"):
        context.update(done=done, row=context["item"], action=action)
        response = render(request, "parvis/inbox/_item.html", context, status=status)
        if not errors:
            # inbox.js moves on to the next item after "done", and updates the list row.
            response["HX-Trigger-After-Settle"] = json.dumps(
                {"inbox:acted": {"action": action, "status": item.status, "id": item.pk}})
        return response
    if errors:
        full = {**list_context(request, None), **context, "open_item": item, "workspace": None}
        return render(request, "parvis/inbox/index.html", full, status=status)
    messages.success(request, done)
    url = reverse("web:inbox_item", args=[item.workspace_id, item.pk])
    query = context["list_query"]
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def inbox_bulk(request: AuthedRequest) -> HttpResponse:
    """The rows ticked with `x`: mark them done, pending or open, or take them. Only items
    of workspaces where the person may act are touched; others are silently left."""
    count = actions.act_on_many(request.user, parse_ids(request.POST.getlist("ids")), request.POST.get("bulk", ""))
    if not count:
        messages.error(request, _("Tick items with x, then choose what to do with them."))
    else:
        messages.success(request, ngettext("%(n)d item updated.", "%(n)d items updated.", count) % {"n": count})
    query = list_query(InboxFilters.from_query(QueryDict(request.POST.get("list", ""))))
    url = reverse("web:inbox")
    return redirect(f"{url}?{query}" if query else url)

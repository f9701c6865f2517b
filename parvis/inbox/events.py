"""What the inbox tells the outbox (`parvis.core.events`): new items, assignments, items
past the response target, crisis alerts.

Emitted inside the transaction of the change. "Overdue" is no change of a row but time
passing: a sweep finds the items that crossed the target lately and emits each once
(the event's key), whenever the sweep runs and however many run at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse

from parvis.accounts.links import absolute_url
from parvis.accounts.models import User, Workspace
from parvis.core.events import emit, emit_many, wanted
from parvis.core.models import Event
from parvis.inbox.models import CrisisAlert, InboxSettings, Item, Status

# An item that crossed its target longer ago than this is not announced any more (a
# server down for a week does not flood its integrations with old news when it restarts).
OVERDUE_LOOKBACK = timedelta(days=1)
MAX_TARGET = timedelta(days=30)  # longer than any response target a workspace sets


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def item_data(item: Item) -> dict[str, Any]:
    author = item.author
    return {"workspace_id": item.workspace_id, "item": {
        "id": item.pk, "account_id": item.account_id, "network": item.network, "kind": item.kind,
        "private": item.private, "text": item.text, "url": item.url or None,
        "author": {"handle": author.handle, "display_name": author.display_name},
        "created_at": _iso(item.created_at), "status": item.status, "priority": item.priority,
        "sentiment": item.sentiment or None, "assignee_id": item.assignee_id,
        "link": absolute_url(reverse("web:inbox_item", args=[item.workspace_id, item.pk])),
    }}


def received(items: Sequence[Item]) -> None:
    by_workspace: dict[int, list[Item]] = {}
    for item in items:
        by_workspace.setdefault(item.workspace_id, []).append(item)
    for workspace_id, group in by_workspace.items():
        # A generator: when nobody listens, emit_many reads none of it (a poll stores many).
        emit_many(workspace_id, "inbox.item.received", (item_data(item) for item in group))


def assigned(item: Item, assignee: User | None) -> None:
    data = item_data(item)
    data["assignee"] = {"id": assignee.pk, "name": str(assignee)} if assignee is not None else None
    emit(item.workspace_id, "inbox.item.assigned", data)


def crisis(alert: CrisisAlert) -> None:
    workspace_id = alert.workspace_id
    emit(workspace_id, "crisis.alert", {"workspace_id": workspace_id, "alert": {
        "id": alert.pk, "started_at": _iso(alert.started_at), "window_end": _iso(alert.window_end),
        "count": alert.count, "usual": alert.usual,
        "link": absolute_url(reverse("web:inbox_workspace", args=[workspace_id])),
    }})


def emit_overdue(now: datetime) -> int:
    """Emit `inbox.item.overdue` once for each item that crossed its workspace's response
    target since `OVERDUE_LOOKBACK`; returns how many were emitted."""
    unanswered = Item.objects.filter(in_inbox=True, first_response_at__isnull=True).exclude(status=Status.DONE)
    recent = unanswered.filter(created_at__gt=now - OVERDUE_LOOKBACK - MAX_TARGET)
    workspace_ids = set(recent.values_list("workspace_id", flat=True).distinct())
    emitted = 0
    for workspace in Workspace.objects.filter(pk__in=workspace_ids):
        if not wanted(workspace.pk, "inbox.item.overdue"):
            continue
        target = timedelta(minutes=InboxSettings.of(workspace).response_target_minutes)
        crossed = list(unanswered.filter(workspace=workspace, created_at__lt=now - target,
                                         created_at__gte=now - target - OVERDUE_LOOKBACK)
                       .select_related("author").order_by("pk")[:500])
        if not crossed:
            continue
        keys = {f"item:{item.pk}": item for item in crossed}
        told = set(Event.objects.filter(type="inbox.item.overdue", key__in=list(keys)).values_list("key", flat=True))
        fresh = [(key, item) for key, item in keys.items() if key not in told]
        if not fresh:
            continue
        with transaction.atomic():
            done = emit_many(workspace.pk, "inbox.item.overdue",
                             [{**item_data(item), "target_minutes": int(target.total_seconds() // 60)}
                              for _, item in fresh], keys=[key for key, _ in fresh], at=now)
        emitted += sum(1 for event in done if event is not None)
    return emitted

"""`emit`: record that something happened in a workspace, inside the caller's transaction.

Publishing and the inbox call it where their state changes; they know nothing of who
listens (the `api` app's webhooks read the outbox, `core.models.Event`). Call it inside
the transaction that makes the change: the event is then recorded if and only if the
change committed, and a crash in between loses neither and invents neither.

`data` holds ids and links, never secrets or credentials: it leaves parvis.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parvis.core.models import Event

# Every event type parvis emits, with what it means (shown to people choosing them).
EVENT_TYPES: dict[str, Promise] = {
    "publication.published": _("A publication went out on a network."),
    "publication.failed": _("A publication failed for good."),
    "publication.to_check": _("The network could not say whether a publication went out: a person must check."),
    "post.submitted": _("A post was sent for review."),
    "post.approved": _("A post was approved."),
    "post.changes_requested": _("Changes were requested on a post."),
    "inbox.item.received": _("A new message arrived in the inbox."),
    "inbox.item.assigned": _("An inbox message was assigned to someone (or unassigned)."),
    "inbox.item.overdue": _("An inbox message passed the response target without an answer."),
    "crisis.alert": _("A possible crisis was detected in the inbox."),
    "pause.started": _("Publishing was paused in the workspace."),
    "pause.ended": _("Publishing was resumed in the workspace."),
    "import.finished": _("A CSV import of posts finished."),
}


# Who listens: set by the app that delivers events (the api's webhooks, when it starts).
# Most workspaces have no webhook: for a workspace and type nobody listens to, nothing is
# recorded, and callers with a costly payload ask `wanted` before building it. Until a
# listener is set, everything is recorded.
Listener = Callable[[int, str], bool]
_listener: list[Listener] = []


def set_listener(listener: Listener) -> None:
    _listener[:] = [listener]


def wanted(workspace: Any, type_: str) -> bool:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return not _listener or _listener[0](workspace_id, type_)


def new_uid() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(workspace: Any, type_: str, data: Mapping[str, Any], *, key: str | None = None,
         at: datetime | None = None) -> Event | None:
    """Record one event (None when `key` was already emitted for this type, or nobody
    listens). `workspace` is a Workspace or its id."""
    return (emit_many(workspace, type_, [data], keys=[key] if key else None, at=at) or [None])[0]


def emit_many(workspace: Any, type_: str, data: Iterable[Mapping[str, Any]], *,
              keys: list[str] | None = None, at: datetime | None = None) -> list[Event | None]:
    """Record events of one type and workspace: one entry per item of `data` (None for a
    key already emitted), or an empty list when nobody listens."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    if not wanted(workspace_id, type_):
        return []  # `data` is not read: a generator builds no payload for nobody
    data = list(data)
    at = at or timezone.now()
    rows = [Event(workspace_id=workspace_id, uid=new_uid(), type=type_, data=dict(item), created_at=at,
                  key=keys[i] if keys else None) for i, item in enumerate(data)]
    if not keys:
        return list(Event.objects.bulk_create(rows))
    done: list[Event | None] = []
    seen = set(Event.objects.filter(type=type_, key__in=keys).values_list("key", flat=True))
    for row in rows:
        if row.key in seen:
            done.append(None)
            continue
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin must not undo the caller's work
                row.save(force_insert=True)
            done.append(row)
        except IntegrityError:
            done.append(None)
    return done

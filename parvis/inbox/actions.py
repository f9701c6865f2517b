"""Item actions as a person asks for them, on a page or through the API: the ids and the
typed values they send turned into what `triage` acts on, and several items at once.

Every lookup stays inside the item's workspace: another workspace's member, label or
item answers like a missing one (the same `TriageError`, naming the field), so an id
says nothing about what lies outside. The actions themselves, and what they record, are
in triage.py; the words shown once they are done are the views'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from parvis.accounts.models import Membership, Role, User
from parvis.accounts.scoping import member_of
from parvis.core.ids import parse_id
from parvis.inbox import triage
from parvis.inbox.models import Item, Kind, Status
from parvis.publishing.models import Label
from parvis.publishing.schedule import parse_local_time

WAKE = "wake"  # a snooze "until" that brings the item back now
TOMORROW = "tomorrow"  # ... that brings it back at the start of the next working day
BULK_STATUSES = {"done": Status.DONE, "pending": Status.PENDING, "open": Status.OPEN}
ASSIGN_ME = "assign_me"
BULK_ACTIONS = (*BULK_STATUSES, ASSIGN_ME)
ACTING_ROLES = (Role.OWNER, Role.MANAGER, Role.EDITOR)


def workspace_member(item: Item, user_id: object) -> User:
    """The member of the item's workspace with this id, to assign the item to."""
    person = member_of(item.workspace_id, user_id)
    if person is None:
        raise triage.TriageError("assignee", _("Choose a member of this workspace."))
    return person


def workspace_label(item: Item, label_id: object) -> Label:
    """The label of the item's workspace with this id."""
    pk = parse_id(label_id)
    label = Label.objects.filter(pk=pk, workspace_id=item.workspace_id).first() if pk else None
    if label is None:
        raise triage.TriageError("labels", _("Choose a label of this workspace."))
    return label


def workspace_labels(item: Item, label_ids: Iterable[int]) -> list[Label]:
    """The labels of the item's workspace with these ids: all of them, or an error."""
    wanted = set(label_ids)
    labels = list(Label.objects.filter(workspace_id=item.workspace_id, pk__in=wanted))
    if len(labels) != len(wanted):
        raise triage.TriageError("labels", _("One of these labels does not exist in this workspace."))
    return labels


def snooze_until(raw: str, tz: ZoneInfo, now: datetime | None = None) -> datetime | None:
    """When a snoozed item comes back, as typed: `tomorrow`, or a date and time on the
    wall clock of `tz` (the person's zone); None for `wake` (back now)."""
    raw = raw.strip()
    if raw == WAKE:
        return None
    if raw == TOMORROW:
        return triage.tomorrow_morning(tz, now)
    until, problems = parse_local_time(raw, tz.key)
    if problems:
        raise triage.TriageError("snoozed_until", problems[0].message)
    if until is None:
        raise triage.TriageError("snoozed_until", _("Choose when the item comes back."))
    return until


def our_reply_in_thread(item: Item, reply_id: object) -> Item:
    """One of our replies in the item's conversation: the brand's own post at the top of
    the thread is not one (it is not deleted from the inbox)."""
    pk = parse_id(reply_id)
    ours = (Item.objects.select_related("account").filter(pk=pk, thread_id=item.thread_id, kind=Kind.OWN)
            .exclude(in_reply_to_remote_id="").first() if pk else None)
    if ours is None:
        raise triage.TriageError("action", _("Only our own replies in this conversation can be deleted."))
    return ours


def act_on_many(user: User, item_ids: Iterable[int], action: str) -> int:
    """Mark items done, pending or open, or assign them to `user`; how many were changed.

    Only items of workspaces where `user` may act are touched: the others are left
    without a word, like ids that name nothing. 0 for an action not in `BULK_ACTIONS`."""
    if action not in BULK_ACTIONS:
        return 0
    acting = Membership.objects.filter(user=user, role__in=ACTING_ROLES)
    items = list(Item.objects.filter(pk__in=list(item_ids), in_inbox=True,
                                     workspace_id__in=acting.values("workspace_id")).select_related("workspace"))
    for item in items:
        if action == ASSIGN_ME:
            triage.assign(item, user)
        else:
            triage.set_status(item, BULK_STATUSES[action], user)
    return len(items)

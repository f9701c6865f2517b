"""What a person does with an item: status, assignee, labels, priority, snooze, notes,
corrections of what the models found, and actions on the network (like, boost, hide,
mute, block, report, delete our reply). Views and the API call these; each checks its
input and raises `TriageError` naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import Membership, User
from parvis.inbox import events
from parvis.inbox.errors import InboxError
from parvis.inbox.models import Correction, Item, Kind, Note, Priority, Sentiment, Status
from parvis.inbox.replies import record_response
from parvis.networks import registry
from parvis.networks.base import ErrorKind, InboundItem, ItemKind, Moderation, NetworkError, RemoteAuthor
from parvis.publishing.models import Label

MAX_NOTE_CHARS = 5000
MORNING = time(9, 0)  # "snooze until tomorrow" wakes the item at the start of the working day


class TriageError(InboxError):
    """A triage action refused (bad value, or the network said no)."""


def set_status(item: Item, status: str, user: User, now: datetime | None = None) -> None:
    if status not in Status.values:
        raise TriageError("status", _("Choose open, pending or done."))
    now = now or timezone.now()
    item.status = status
    fields = ["status"]
    if status == Status.DONE:
        item.done_at, item.done_by = now, user
        fields += ["done_at", "done_by"]
        record_response(item, user, now)  # handled without a reply still counts as answered
    Item.objects.filter(pk=item.pk).update(**{f: getattr(item, f) for f in fields})


def assign(item: Item, assignee: User | None) -> None:
    # The same words for anyone outside the workspace as for an id that names no one:
    # never who they are.
    if assignee is not None and not Membership.objects.filter(workspace_id=item.workspace_id, user=assignee).exists():
        raise TriageError("assignee", _("Choose a member of this workspace."))
    item.assignee = assignee
    with transaction.atomic():
        Item.objects.filter(pk=item.pk).update(assignee=assignee)
        events.assigned(item, assignee)


def set_priority(item: Item, priority: int) -> None:
    if priority not in Priority.values:
        raise TriageError("priority", _("Choose low, normal or high."))
    item.priority = priority
    Item.objects.filter(pk=item.pk).update(priority=priority)


def set_labels(item: Item, labels: Sequence[Label]) -> None:
    if any(label.workspace_id != item.workspace_id for label in labels):
        raise TriageError("labels", _("These labels belong to another workspace."))
    item.labels.set(labels)


def toggle_label(item: Item, label: Label) -> bool:
    """Add the label, or take it off if it was there; returns whether it is on now."""
    if label.workspace_id != item.workspace_id:
        raise TriageError("labels", _("This label belongs to another workspace."))
    if item.labels.filter(pk=label.pk).exists():
        item.labels.remove(label)
        return False
    item.labels.add(label)
    return True


def snooze(item: Item, until: datetime | None, now: datetime | None = None) -> None:
    """Hide the item from the open list until `until` (None: wake it now)."""
    now = now or timezone.now()
    if until is not None and until <= now:
        raise TriageError("snoozed_until", _("Choose a time in the future."))
    item.snoozed_until = until
    Item.objects.filter(pk=item.pk).update(snoozed_until=until)


def tomorrow_morning(tz: tzinfo, now: datetime | None = None) -> datetime:
    """9:00 tomorrow on the wall clock of `tz` (the person's zone, not the server's)."""
    local_now = (now or timezone.now()).astimezone(tz)
    return datetime.combine(local_now.date() + timedelta(days=1), MORNING, tzinfo=tz)


def add_note(item: Item, text: str, user: User) -> Note:
    text = text.strip()
    if not text:
        raise TriageError("note", _("Write the note."))
    if len(text) > MAX_NOTE_CHARS:
        raise TriageError("note", _("A note holds %(max)d characters at most.") % {"max": MAX_NOTE_CHARS})
    return Note.objects.create(item=item, author=user, text=text)


_CORRECTABLE = {
    "sentiment": lambda value: value if value in Sentiment.values else None,
    "toxic": lambda value: {"true": "true", "false": "false", "1": "true", "0": "false"}.get(str(value).lower()),
    "spam": lambda value: {"true": "true", "false": "false", "1": "true", "0": "false"}.get(str(value).lower()),
}


@transaction.atomic
def correct(item: Item, field: str, value: str, user: User) -> Correction:
    """A person says what the models got wrong. The correction shows at once, is kept
    for retraining the workspace's model, and is not undone by a later analysis."""
    check = _CORRECTABLE.get(field)
    if check is None:
        raise TriageError("field", _("Only sentiment, insult and spam can be corrected."))
    clean = check(value)
    if clean is None:
        raise TriageError(field, _("This value is not valid here."))
    before = str(getattr(item, field)).lower() if field != "sentiment" else item.sentiment
    setattr(item, field, clean == "true" if field != "sentiment" else clean)
    item.corrected = True
    Item.objects.filter(pk=item.pk).update(**{field: getattr(item, field), "corrected": True})
    return Correction.objects.create(item=item, workspace_id=item.workspace_id, field=field, before=before,
                                     after=clean, text=item.text, by=user)


@dataclass(frozen=True)
class NetworkAction:
    action: Moderation
    on_author: bool  # mute, block, report act on the person, not the item


ACTIONS = {
    Moderation.LIKE: NetworkAction(Moderation.LIKE, False),
    Moderation.UNLIKE: NetworkAction(Moderation.UNLIKE, False),
    Moderation.BOOST: NetworkAction(Moderation.BOOST, False),
    Moderation.UNBOOST: NetworkAction(Moderation.UNBOOST, False),
    Moderation.HIDE: NetworkAction(Moderation.HIDE, False),
    Moderation.UNHIDE: NetworkAction(Moderation.UNHIDE, False),
    Moderation.MUTE: NetworkAction(Moderation.MUTE, True),
    Moderation.BLOCK: NetworkAction(Moderation.BLOCK, True),
    Moderation.REPORT: NetworkAction(Moderation.REPORT, True),
}


# Replies can be hidden under our own posts; a private message or our own item cannot.
HIDEABLE_KINDS = (Kind.REPLY, Kind.QUOTE, Kind.MENTION)
# An action on the item, what undoes it, and the item's field that records it.
TOGGLES = {Moderation.LIKE: (Moderation.UNLIKE, "liked_at"), Moderation.BOOST: (Moderation.UNBOOST, "boosted_at"),
           Moderation.HIDE: (Moderation.UNHIDE, "hidden_at")}


def available_actions(item: Item) -> frozenset[Moderation]:
    connector = item.account.checking_connector
    offered = getattr(connector, "moderations", None)
    return offered() if offered is not None else frozenset()


def inbound_of(item: Item) -> InboundItem:
    """The stored item in the shape connectors take."""
    return InboundItem(
        remote_id=item.remote_id, kind=ItemKind(item.kind), author=author_of(item), text=item.text,
        created_at=item.created_at, thread_key=item.thread.key, url=item.url, edited_at=item.edited_at,
        in_reply_to_id=item.in_reply_to_remote_id or None, root_id=item.root_remote_id or None,
        language=item.language or None, private=item.private, extra=item.extra,
    )


def author_of(item: Item) -> RemoteAuthor:
    a = item.author
    return RemoteAuthor(key=a.key, remote_id=a.remote_id, handle=a.handle, display_name=a.display_name, url=a.url)


def moderate(item: Item, action: str, user: User | None, reason: str = "", now: datetime | None = None) -> None:
    """Do `action` on the network, then record it. Network errors are raised as
    TriageError with the network's message (nothing is recorded then)."""
    try:
        chosen = Moderation(action)
    except ValueError:
        raise TriageError("action", _("Unknown action.")) from None
    if chosen not in available_actions(item):
        raise TriageError("action", _("%(network)s does not offer this action.") % {
            "network": registry.get(item.network).label})
    if chosen in (Moderation.HIDE, Moderation.UNHIDE) and item.kind not in HIDEABLE_KINDS:
        raise TriageError("action", _("Only replies under our posts can be hidden."))
    if chosen == Moderation.REPORT and len(reason) > 1000:
        raise TriageError("reason", _("A report's reason holds 1000 characters at most."))
    now = now or timezone.now()
    connector = registry.connector_for(item.account)
    try:
        connector.moderate(chosen, inbound_of(item), author_of(item), reason)  # type: ignore[attr-defined]
    except NetworkError as exc:
        raise TriageError("action", _("%(network)s refused: %(reason)s") % {
            "network": registry.get(item.network).label, "reason": exc.message}) from exc
    _record_action(item, chosen, now)


def _record_action(item: Item, action: Moderation, now: datetime) -> None:
    on_item: dict[Moderation, dict[str, datetime | None]] = {}
    for do, (undo, field) in TOGGLES.items():
        on_item[do], on_item[undo] = {field: now}, {field: None}
    item_fields = on_item.get(action)
    if item_fields:
        Item.objects.filter(pk=item.pk).update(**item_fields)
        for name, value in item_fields.items():
            setattr(item, name, value)
        return
    author_field = {Moderation.MUTE: "muted_at", Moderation.BLOCK: "blocked_at",
                    Moderation.REPORT: "reported_at"}[action]
    setattr(item.author, author_field, now)
    type(item.author).objects.filter(pk=item.author_id).update(**{author_field: now})


def delete_our_reply(item: Item) -> None:
    """Delete one of our own replies from the network (the item stays, marked deleted)."""
    if item.kind != Kind.OWN:
        raise TriageError("action", _("Only our own replies can be deleted from parvis."))
    try:
        registry.connector_for(item.account).delete(item.remote_id)
    except NetworkError as exc:
        if exc.kind != ErrorKind.PERMANENT or "not found" not in exc.message.lower():
            raise TriageError("action", _("%(network)s refused: %(reason)s") % {
                "network": registry.get(item.network).label, "reason": exc.message}) from exc
    Item.objects.filter(pk=item.pk).update(deleted_at=timezone.now())

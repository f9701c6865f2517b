"""Reading the inbox: the filtered list, a conversation, an author's history. Shared by
the web pages and the API, so that both filter the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.core.ids import parse_id, parse_int
from parvis.inbox.models import ADDRESSED_KINDS, Author, Item, Priority, Sentiment, Status
from parvis.inbox.search import search
from parvis.networks import registry

VIEWS = ("open", "pending", "done", "snoozed", "all")
SINCE = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
LANGUAGE_CODE = re.compile(r"[A-Za-z0-9_-]{1,8}")  # what Item.language holds
T = TypeVar("T")


@dataclass
class InboxFilters:
    """What the inbox list shows. Built from a query string; unknown values are reported
    in `errors` (by field) and ignored, never a crash."""

    view: str = "open"
    workspace: int | None = None
    account: int | None = None
    network: str = ""
    kind: str = ""
    assignee: str = ""  # a user id, "me" or "none"
    label: int | None = None
    language: str = ""
    sentiment: str = ""
    priority: int | None = None
    flag: str = ""  # "toxic" or "spam"
    since: str = ""  # received in the last "24h", "7d" or "30d"
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> InboxFilters:
        found = cls()
        view = params.get("view", "open") or "open"
        found.view = view if view in VIEWS else found._bad("view", "open")
        for name in ("workspace", "account", "label", "priority"):
            raw = (params.get(name) or "").strip()
            if raw:
                # An id no row can have (past a 64-bit column, "²") is a bad value, never a query.
                value = parse_id(raw) if name != "priority" else parse_int(raw, max(Priority.values))
                setattr(found, name, value if value is not None else found._bad(name, None))
        if found.priority is not None and found.priority not in Priority.values:
            found.priority = found._bad("priority", None)
        network = params.get("network", "")
        found.network = network if not network or network in registry.NETWORKS else found._bad("network", "")
        kind = params.get("kind", "")
        found.kind = kind if not kind or kind in {k.value for k in ADDRESSED_KINDS} else found._bad("kind", "")
        sentiment = params.get("sentiment", "")
        found.sentiment = sentiment if not sentiment or sentiment in Sentiment.values else found._bad("sentiment", "")
        flag = params.get("flag", "")
        found.flag = flag if flag in ("", "toxic", "spam") else found._bad("flag", "")
        assignee = params.get("assignee", "")
        found.assignee = assignee if assignee in ("", "me", "none") or parse_id(assignee) else found._bad(
            "assignee", "")
        language = params.get("language", "") or ""
        # A code (`fr`, `pt-br`), never control characters: PostgreSQL refuses a NUL in a query.
        found.language = language if not language or LANGUAGE_CODE.fullmatch(language) else found._bad("language", "")
        since = params.get("since", "") or ""
        found.since = since if not since or since in SINCE else found._bad("since", "")
        found.q = (params.get("q", "") or "")[:200]
        return found

    def _bad(self, name: str, default: T) -> T:
        self.errors[name] = _("This filter value is not valid; it was ignored.")
        return default

    def as_query(self) -> dict[str, str]:
        """The non-default values, for links that keep the filters."""
        out = {}
        for name in ("view", "workspace", "account", "network", "kind", "assignee", "label", "language",
                     "sentiment", "priority", "flag", "since", "q"):
            value = getattr(self, name)
            if value not in (None, "") and not (name == "view" and value == "open"):
                out[name] = str(value)
        return out


def inbox_items(workspaces: QuerySet[Workspace] | Iterable[Workspace], filters: InboxFilters, user_id: int,
                now: datetime | None = None) -> QuerySet[Item]:
    """Items addressed to the brands of `workspaces`, filtered, newest first."""
    now = now or timezone.now()
    items = Item.objects.filter(workspace__in=workspaces, in_inbox=True)
    if filters.view == "open":
        items = items.filter(status=Status.OPEN).filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
    elif filters.view == "snoozed":
        items = items.filter(snoozed_until__gt=now).exclude(status=Status.DONE)
    elif filters.view in (Status.PENDING, Status.DONE):
        items = items.filter(status=filters.view)
    if filters.workspace is not None:
        items = items.filter(workspace_id=filters.workspace)
    if filters.account is not None:
        items = items.filter(account_id=filters.account)
    if filters.network:
        items = items.filter(network=filters.network)
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.assignee == "me":
        items = items.filter(assignee_id=user_id)
    elif filters.assignee == "none":
        items = items.filter(assignee__isnull=True)
    elif filters.assignee:
        items = items.filter(assignee_id=int(filters.assignee))
    if filters.label is not None:
        items = items.filter(labels__id=filters.label)
    if filters.language:
        items = items.filter(language=filters.language)
    if filters.sentiment:
        items = items.filter(sentiment=filters.sentiment)
    if filters.priority is not None:
        items = items.filter(priority=filters.priority)
    if filters.flag == "toxic":
        items = items.filter(toxic=True)
    elif filters.flag == "spam":
        items = items.filter(spam=True)
    if filters.since:
        items = items.filter(created_at__gte=now - SINCE[filters.since])
    if filters.q:
        items = search(items, filters.q)
    return items.order_by("-created_at", "-id")


def in_order(ids: Sequence[int], *related: str, prefetch: Sequence[str] = ("labels",)) -> list[Item]:
    """The items `ids` (a page, already filtered and ordered by the database), in that
    order, with what they show. Paging ids first, then reading their rows, keeps the
    database from sorting whole joined rows when it must sort (thousands of search
    matches: 128 → 25 ms at 100,000 items)."""
    found = Item.objects.filter(pk__in=list(ids)).select_related(*related).prefetch_related(*prefetch)
    by_pk = {item.pk: item for item in found}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def conversation(item: Item, limit: int = 200) -> QuerySet[Item]:
    """The item in its conversation, oldest first: the posts it answers (up to the root),
    what answers it (ours included, and the answers to those), and the author's other
    messages in the thread with what answers them. A public thread under a busy post holds
    hundreds of other people's replies; they are not this conversation. A private thread
    is one conversation and is shown whole."""
    thread = Item.objects.filter(thread_id=item.thread_id)
    if item.private:
        keep = thread
    else:
        rows = list(thread.values_list("id", "remote_id", "in_reply_to_remote_id", "author_id"))
        keep = Item.objects.filter(id__in=_conversation_ids(item, rows))
    ordered = keep.select_related("author").order_by("-created_at", "-id")[:limit]
    return Item.objects.filter(id__in=[i.pk for i in ordered]).select_related("author").order_by("created_at", "id")


def _conversation_ids(item: Item, rows: list[tuple[int, str, str, int]]) -> set[int]:
    by_remote = {remote: (pk, parent) for pk, remote, parent, _author in rows}
    children: dict[str, list[str]] = {}
    for _pk, remote, parent, _author in rows:
        if parent:
            children.setdefault(parent, []).append(remote)
    keep: set[str] = set()
    parent = item.in_reply_to_remote_id
    while parent and parent in by_remote and parent not in keep:  # up to the root
        keep.add(parent)
        parent = by_remote[parent][1]
    starts = [item.remote_id] + [remote for _pk, remote, _p, author in rows if author == item.author_id]
    todo = list(starts)
    while todo:  # down: what answers the item and the author's other messages
        remote = todo.pop()
        if remote in keep:
            continue
        keep.add(remote)
        todo.extend(children.get(remote, []))
    return {by_remote[remote][0] for remote in keep if remote in by_remote}


def author_history(author: Author, limit: int = 20) -> QuerySet[Item]:
    """What this person has said to the brand (this workspace), newest first."""
    return Item.objects.filter(author=author, in_inbox=True).order_by("-created_at", "-id")[:limit]

"""The unified inbox on Threads, polled (webhooks need a public, verified app: meta.md 5.4).

Two streams:

``replies``
    the conversations (`GET /{post}/conversation`: top-level and nested replies) under
    the account's posts of the last `RECENT_POSTS`, newest first.
``mentions``
    `GET /{user}/mentions`: posts by others that name the account (Meta returns only
    app testers' mentions until the app has Advanced Access to threads_manage_mentions).

Cursor
    Graph's page cursors move with every new reply, and `since` is documented for the
    user's own lists only, so parvis keeps a high-water mark: the newest timestamp
    delivered and the ids delivered within `OVERLAP` below it (Threads gives timestamps
    to the second: several replies share one). A poll reads down to `mark - OVERLAP`
    and skips the ids already delivered. The first poll (no cursor) starts `FIRST_POLL`
    back: the inbox starts at the connection, not with all history.

Kinds: written by the account → OWN; a reply in a thread whose root is the account's →
REPLY; a mention → MENTION; anything else (only in `thread_context`) → CONTEXT.
``thread_key`` is the root post's id; ``extra["top_level"]`` says whether the reply
answers the root itself: only those can be hidden (nested replies follow their parent).

Moderation: Threads offers hiding and unhiding a top-level reply under the account's
own post (`POST /{reply}/manage_reply`, hide=true|false); nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from parvis.core.texts import Text
from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    InboxPage,
    ItemKind,
    Moderation,
    NetworkError,
    RemoteAuthor,
)
from parvis.networks.text import clean_text
from parvis.networks.threads.client import GraphError, ThreadsClient, as_dict, as_list
from parvis.networks.threads.publishing import parse_time

REPLIES, MENTIONS = "replies", "mentions"
STREAMS: tuple[str, ...] = (REPLIES, MENTIONS)
MODERATIONS = frozenset({Moderation.HIDE, Moderation.UNHIDE})
FIELDS = ("id,text,username,permalink,timestamp,media_type,is_reply,root_post,replied_to,hide_status,"
          "is_reply_owned_by_me")
MENTION_FIELDS = "id,text,username,permalink,timestamp,media_type,is_reply,root_post,replied_to"
RECENT_POSTS = timedelta(days=14)  # replies are read under the posts of this long
MAX_POSTS = 25
PAGE_SIZE = 100
MAX_PAGES = 3
OVERLAP = timedelta(minutes=10)
FIRST_POLL = timedelta(days=1)
MAX_SEEN = 1000
MAX_DEPTH = 50  # thread_context climbs at most this many parents
MISSING_OBJECT = 33
PROFILE = "https://www.threads.com"


def _ref(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") else None


class ThreadsInbox:
    def __init__(self, api: ThreadsClient, user_id: str, username: str) -> None:
        self.api = api
        self.user_id = user_id
        self.username = username.lstrip("@")

    # -- polling ---------------------------------------------------------------------
    def fetch(self, stream: str, cursor: str | None) -> InboxPage:
        if stream not in STREAMS:
            raise NetworkError(Text.gettext("Threads has no inbox stream “%(stream)s”.", stream=stream),
                               ErrorKind.PERMANENT)
        mark, seen = self._read_cursor(cursor)
        floor = mark - OVERLAP
        rows = self._replies(floor) if stream == REPLIES else self._rows(
            f"{self.user_id}/mentions", floor, fields=MENTION_FIELDS)
        fresh = [row for row in rows if str(row.get("id")) not in seen]
        kind = ItemKind.REPLY if stream == REPLIES else ItemKind.MENTION
        items = sorted((self.item(row, kind) for row in fresh), key=lambda item: (item.created_at, item.remote_id))
        return InboxPage(items=items, cursor=self._next_cursor(mark, seen, items))

    def _replies(self, floor: datetime) -> list[dict[str, Any]]:
        since = int((timezone.now() - RECENT_POSTS).timestamp())
        posts = self.api.get(f"{self.user_id}/threads", fields="id", since=since, limit=MAX_POSTS).get("data")
        rows: list[dict[str, Any]] = []
        for post in posts if isinstance(posts, list) else []:
            if not isinstance(post, dict) or not post.get("id"):
                continue
            try:
                rows += self._rows(f"{post['id']}/conversation", floor, fields=FIELDS, reverse="true")
            except GraphError as error:
                # A post deleted since it was listed has no replies to read; anything else stops the poll.
                if error.subcode != MISSING_OBJECT:
                    raise
        return rows

    def _rows(self, path: str, floor: datetime, **params: Any) -> list[dict[str, Any]]:
        """Rows of a newest-first list down to `floor`."""
        out: list[dict[str, Any]] = []
        after = None
        for _page in range(MAX_PAGES):
            answer = self.api.get(path, **params, limit=PAGE_SIZE, after=after)
            data = as_list(answer.get("data"))
            for row in data:
                when = parse_time(row.get("timestamp")) if isinstance(row, dict) else None
                if when is not None and when >= floor and row.get("id"):
                    out.append(row)
            paging = as_dict(answer.get("paging"))
            cursors = as_dict(paging.get("cursors"))
            oldest = parse_time(data[-1].get("timestamp")) if data and isinstance(data[-1], dict) else None
            after = cursors.get("after")
            if not paging.get("next") or not after or oldest is None or oldest < floor:
                break
        return out

    def _read_cursor(self, cursor: str | None) -> tuple[datetime, set[str]]:
        try:
            state = as_dict(json.loads(cursor)) if cursor else {}
            mark = datetime.fromisoformat(state["mark"])
            return mark, {str(i) for i in as_list(state.get("seen"))}
        except (TypeError, ValueError, KeyError):
            return timezone.now() - FIRST_POLL + OVERLAP, set()

    def _next_cursor(self, mark: datetime, seen: set[str], items: list[InboundItem]) -> str:
        newest = max([mark, *(item.created_at for item in items)])
        floor = newest - OVERLAP
        known = {item.remote_id: item.created_at for item in items}
        keep = sorted({*(i for i in seen), *known}, key=lambda i: known.get(i, newest), reverse=True)
        # Ids from before the new floor are never read again: forget them.
        keep = [i for i in keep if known.get(i, newest) >= floor][:MAX_SEEN]
        return json.dumps({"mark": newest.astimezone(UTC).isoformat(), "seen": keep})

    # -- items -----------------------------------------------------------------------
    def item(self, row: dict[str, Any], kind: ItemKind) -> InboundItem:
        username = clean_text(row.get("username"))
        own = username == self.username or row.get("is_reply_owned_by_me") is True
        root = _ref(row.get("root_post"))
        parent = _ref(row.get("replied_to"))
        remote_id = str(row["id"])
        author = RemoteAuthor(key=username, remote_id=username, handle=f"@{username}",
                              url=f"{PROFILE}/@{username}" if username else "")
        return InboundItem(
            remote_id=remote_id, kind=ItemKind.OWN if own else kind, author=author,
            text=clean_text(row.get("text")), created_at=parse_time(row.get("timestamp")) or timezone.now(),
            thread_key=root or remote_id, url=clean_text(row.get("permalink")),
            in_reply_to_id=parent, root_id=root or remote_id,
            extra={"top_level": bool(parent and parent == root), "hidden": row.get("hide_status") == "HIDDEN"},
        )

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        out: dict[str, InboundItem | None] = {}
        for remote_id in remote_ids:
            row = self._read(remote_id)
            out[remote_id] = self.item(row, self._kind(row)) if row is not None else None
        return out

    def ancestors(self, remote_id: str) -> list[InboundItem]:
        chain: list[InboundItem] = []
        row = self._read(remote_id)
        parent = _ref(row.get("replied_to")) if row else None
        while parent and len(chain) < MAX_DEPTH:
            row = self._read(parent)
            if row is None:
                break
            chain.append(self.item(row, self._kind(row)))
            parent = _ref(row.get("replied_to"))
        return chain[::-1]

    def _read(self, remote_id: str) -> dict[str, Any] | None:
        try:
            return self.api.get(remote_id, fields=FIELDS)
        except GraphError as error:
            if error.subcode == MISSING_OBJECT:
                return None
            raise

    def _kind(self, row: dict[str, Any]) -> ItemKind:
        """REPLY when the thread is the account's, MENTION when the text names it."""
        root = _ref(row.get("root_post"))
        if root and root != str(row.get("id")):
            root_row = self._read(root)
            if root_row is not None and clean_text(root_row.get("username")) == self.username:
                return ItemKind.REPLY
        if f"@{self.username}" in clean_text(row.get("text")):
            return ItemKind.MENTION
        return ItemKind.CONTEXT

    # -- moderation ------------------------------------------------------------------
    def moderate(self, action: Moderation, item: InboundItem | None) -> None:
        if action not in MODERATIONS:
            raise NetworkError(Text.gettext("Threads does not offer this action (%(action)s).", action=action.value),
                               ErrorKind.PERMANENT)
        if item is None:
            raise NetworkError(Text.gettext("This action needs a post."), ErrorKind.PERMANENT)
        if not item.extra.get("top_level"):
            raise NetworkError(Text.gettext("Threads hides only replies made directly to the account's post; "
                                            "a nested reply is hidden with the reply it answers."),
                               ErrorKind.PERMANENT)
        self.api.post(f"{item.remote_id}/manage_reply", {"hide": "true" if action is Moderation.HIDE else "false"})

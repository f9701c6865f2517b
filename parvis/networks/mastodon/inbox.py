"""The unified inbox on Mastodon: what people address to the account, polled.

Polling is the mechanism (the streaming API is not used): two streams, each with its own
opaque cursor.

``notifications``
    ``GET /api/v1/notifications`` with ``types[]=mention&types[]=quote`` and
    ``include_filtered=true``: since 4.3 Mastodon filters private mentions from strangers
    by default, and those are exactly the messages a brand must not miss (the filter is a
    person's comfort setting, not a spam verdict; parvis triages them itself). The cursor
    is the newest notification id seen; a poll asks ``min_id=cursor`` so it brings only
    the 40 notifications right above it (``more`` when the page was full). The first
    poll (no cursor) takes only the newest page: the inbox starts at the connection.

``conversations``
    ``GET /api/v1/conversations``: private conversations whose newest message is newer
    than the cursor (Mastodon pages conversations by their last status id, so the cursor
    is the newest ``last_status`` id seen and a poll asks ``min_id=cursor``). For each,
    the whole private thread is read (the root's context), and only the messages newer
    than the cursor are returned, so a long conversation is not re-sent on every new
    message. This stream is what brings the account's own messages (kind ``OWN``, sent
    from another app) and the messages between two polls; a message that federates late
    with an older id than the cursor still arrives through ``notifications``, where
    every private message addressed to the account is a mention with a fresh id.

Kinds (the same rules everywhere, so that an item met again as context keeps its kind)
    ``OWN`` the account wrote it; ``MESSAGE`` visibility ``direct`` (``private=True``);
    ``QUOTE`` it quotes one of the account's posts (or came as a ``quote`` notification);
    ``REPLY`` it answers the account or a post below one of the account's posts;
    ``MENTION`` it names the account otherwise; ``CONTEXT`` someone else's post that does
    not address the account (only ever returned by ``thread_context``).

Threads
    ``thread_key`` is the root of the reply chain: its id for a public thread, ``"conv:"``
    + its id for private messages. Mastodon does not tell a status's conversation id, only
    a conversation's, so both streams key private threads by their root (which is what a
    Mastodon conversation is: a reply chain and its participants); the conversation id
    goes in ``extra["conversation_id"]`` when known. Finding the root costs one
    ``/context`` call per reply, remembered for the rest of the poll.

Text
    Plain text from the status HTML (`content.html_to_text`: no markup survives; what
    the author typed as `<b>` stays the text `<b>`), the content warning first when
    there is one. Items refreshed by `refresh_items` carry exact text and edit time;
    their kind and thread are what the status alone tells, so the stored ones win.

``extra`` (what a reply or an action needs later, passed back as ``ReplyTarget.extra``)
    ``visibility``; ``acct`` the author as this server names them; ``mentions`` the accts
    a reply must @mention (`mentions.reply_mentions`: the author; for private messages
    every participant, since Mastodon delivers a direct message only to the accounts it
    mentions);
    ``conversation_id``; ``spoiler_text``; ``media``; ``quoted_id``.

Known differences of mastodon-mock (0.6.x) from Mastodon
    * conversation ids are the newest status id (they change with every message) and
      conversations group by participant set, not by thread; Mastodon's are stable and
      per thread. Threads here are keyed by root, so neither matters.
    * it never sends ``quote`` notifications (Mastodon 4.5+ does): a quote reaches the
      quoted account only as a ``mention`` when it @mentions it. Both are handled.
    * ``GET /api/v1/statuses?id[]=`` answers for any status, whatever its visibility;
      Mastodon (4.3+) leaves out what the account may not see. Servers without that
      endpoint (Mastodon < 4.3 answers 404) get one ``GET /api/v1/statuses/:id`` each.
    * notification policies accept everything until set (Mastodon 4.3 filters private
      mentions from strangers by default); tests set Mastodon's default explicitly.
    * a reply notifies only the accounts its text @mentions, as on Mastodon; tests
      write the mention like a Mastodon client would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    InboxPage,
    ItemKind,
    NetworkError,
    RemoteAuthor,
    ReplyTarget,
)
from parvis.networks.mastodon.client import api_get, call, http_status
from parvis.networks.mastodon.content import clean_text, html_to_text
from parvis.networks.mastodon.mentions import reply_mentions

if TYPE_CHECKING:
    from mastodon import Mastodon

NOTIFICATIONS = "notifications"
CONVERSATIONS = "conversations"
STREAMS: tuple[str, ...] = (NOTIFICATIONS, CONVERSATIONS)
PAGE_LIMIT = 40  # Mastodon's maximum page size
# Each conversation costs up to two /context calls: the first poll reads fewer of them.
FIRST_CONVERSATIONS = 20
# Mastodon 4.3 answers at most 20 statuses per GET /api/v1/statuses?id[]=.
REFRESH_BATCH = 20
_REPLY_VISIBILITIES = frozenset({"direct", "private", "unlisted"})
# How a server without GET /api/v1/statuses?id[]= (Mastodon < 4.3, others) answers it.
_NO_BATCH_STATUSES = frozenset({400, 404, 405, 422})


def id_order(remote_id: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric strings of any length (snowflakes)."""
    return (len(remote_id), remote_id)


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def as_utc(value: Any) -> datetime | None:
    """Mastodon.py parses times into the machine's local zone: store UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    return None


def author_from(account: Any, local_domain: str) -> RemoteAuthor:
    """The author as parvis keys them: `user@domain` always (a local account's `acct`
    has no domain), lower-cased because Mastodon usernames and domains are
    case-insensitive; `remote_id` is the id on the account's own server."""
    acct = str(account.get("acct") or account.get("username") or "")
    full = acct if "@" in acct else f"{acct}@{local_domain}"
    return RemoteAuthor(
        key=clean_text(full).lower(), remote_id=str(account["id"]), handle=clean_text(f"@{full}"),
        display_name=clean_text(account.get("display_name") or "").strip(),
        url=str(account.get("url") or ""),
        avatar_url=str(account.get("avatar_static") or account.get("avatar") or ""),
        bio=html_to_text(account.get("note") or ""),
        followers=account.get("followers_count") if isinstance(account.get("followers_count"), int) else None,
    )


def status_text(status: Any) -> str:
    """The text of a status: its content warning (if any) first, then its body."""
    body = html_to_text(status.get("content") or "")
    warning = clean_text(status.get("spoiler_text") or "").strip()
    return f"{warning}\n\n{body}".strip() if warning else body


def _quoted_account_id(status: Any) -> str | None:
    quote = status.get("quote") or {}
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    return _id((quoted.get("account") or {}).get("id")) if quoted else None


def _quoted_id(status: Any) -> str | None:
    quote = status.get("quote") or {}
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    return _id(quoted.get("id")) if quoted else None


# -- replies: what publish() sends (the @mentions: see mentions.py) ---------------------

def reply_visibility(target: ReplyTarget | None) -> str | None:
    """A reply is never more visible than what it answers (Mastodon clients do the
    same): a private message stays direct; a public post takes the account default."""
    if target is None:
        return None
    visibility = target.extra.get("visibility")
    return str(visibility) if visibility in _REPLY_VISIBILITIES else None


# -- the inbox ---------------------------------------------------------------------------

class MastodonInbox:
    """Inbox reads for one account, through one Mastodon.py client (the actions on
    posts and authors are in moderation.py).

    Lives as long as its connector (one poll, one action): what it learns about
    threads (`_root`, `_mine_within`) is only a cache of what the server said.
    """

    def __init__(self, client: Mastodon, account_id: str, local_domain: Callable[[], str]) -> None:
        self.client = client
        self.me = account_id
        self._local_domain = local_domain
        self._domain: str | None = None
        self._root: dict[str, str] = {}  # status id -> its thread root's id
        self._mine_within: dict[str, bool] = {}  # status id -> it or a post above is ours
        self._statuses: dict[str, Any] = {}
        # A thread's context is read once per poll: finding a reply's root reads it, and
        # the thread context the inbox asks for next is usually the same status's.
        self._contexts: dict[str, Any | None] = {}
        self._batch_get = True

    # -- polling -------------------------------------------------------------------------

    def fetch(self, stream: str, cursor: str | None) -> InboxPage:
        if stream == NOTIFICATIONS:
            return self._fetch_notifications(cursor)
        if stream == CONVERSATIONS:
            return self._fetch_conversations(cursor)
        raise ValueError(f"unknown Mastodon inbox stream {stream!r}")

    def _fetch_notifications(self, cursor: str | None) -> InboxPage:
        params: dict[str, Any] = {
            "limit": PAGE_LIMIT, "types[]": ["mention", "quote"], "include_filtered": "true",
        }
        if cursor:
            params["min_id"] = cursor
        page = list(api_get(self.client, "/api/v1/notifications", params) or [])
        page.sort(key=lambda n: id_order(str(n["id"])))
        items: dict[str, InboundItem] = {}
        for notification in page:
            status = notification.get("status")
            if not status or str(status["id"]) in items:
                continue  # the status was deleted since, or came twice (mention + quote)
            item = self._notified(status, quote=notification.get("type") == "quote")
            items[item.remote_id] = item
        newest = str(page[-1]["id"]) if page else cursor
        # The first poll's full page is the newest one: older history is left out on
        # purpose, so nothing more is waiting.
        return InboxPage(list(items.values()), newest, more=bool(cursor) and len(page) >= PAGE_LIMIT)

    def _notified(self, status: Any, *, quote: bool) -> InboundItem:
        root, above = self._locate(status)
        kind = self._kind(status, above)
        if quote and kind is not ItemKind.MESSAGE:
            kind = ItemKind.QUOTE
        elif kind in (ItemKind.CONTEXT, ItemKind.OWN):
            kind = ItemKind.MENTION  # a notification means it addressed the account
        return self._item(status, kind, root)

    def _fetch_conversations(self, cursor: str | None) -> InboxPage:
        limit = PAGE_LIMIT if cursor else FIRST_CONVERSATIONS
        page = list(call(self.client, self.client.conversations, min_id=cursor, limit=limit) or [])
        page = [c for c in page if c.get("last_status")]
        page.sort(key=lambda c: id_order(str(c["last_status"]["id"])))
        items: dict[str, InboundItem] = {}
        for conversation in page:
            root, thread = self._private_thread(conversation["last_status"])
            for status in thread:
                sid = str(status["id"])
                if sid in items or status.get("visibility") != "direct":
                    continue
                if cursor and id_order(sid) <= id_order(cursor):
                    continue  # seen by an earlier poll
                kind = ItemKind.OWN if self._is_mine(status) else ItemKind.MESSAGE
                items[sid] = self._item(status, kind, root, conversation_id=str(conversation["id"]))
        newest = str(page[-1]["last_status"]["id"]) if page else cursor
        if cursor and newest and id_order(newest) < id_order(cursor):
            newest = cursor
        ordered = sorted(items.values(), key=lambda i: id_order(i.remote_id))
        return InboxPage(ordered, newest, more=bool(cursor) and len(page) >= PAGE_LIMIT)

    def _private_thread(self, last: Any) -> tuple[str, list[Any]]:
        """The root id and every status of the thread `last` belongs to: branches too,
        which the context of `last` alone would not show."""
        root, _above = self._locate(last)
        if root == str(last["id"]):
            return root, [last]  # a conversation's last status has nothing below it
        top = self._statuses.get(root) or self._get_status(root)
        context = self._context(root)
        below = list(context["descendants"]) if context else [last]
        if not any(str(s["id"]) == str(last["id"]) for s in below):
            below.append(last)
        thread = ([top] if top else []) + below
        for status in thread:
            self._root.setdefault(str(status["id"]), root)
        return root, thread

    # -- edits, deletions, context ------------------------------------------------------

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        """Current state of items: None for a status gone (or no longer visible).

        Text, edit time, language and URL are exact. Kind and thread are what the
        status alone tells (no /context call per item): keep the stored ones."""
        wanted = list(dict.fromkeys(str(r) for r in remote_ids))
        found: dict[str, InboundItem | None] = dict.fromkeys(wanted)
        for status in self.get_many(wanted):
            sid = str(status["id"])
            if sid in found:
                found[sid] = self._refreshed(status)
        return found

    def _refreshed(self, status: Any) -> InboundItem:
        sid, parent = str(status["id"]), _id(status.get("in_reply_to_id"))
        if parent is None:
            root, above = sid, False
        else:
            root = self._root.get(sid) or self._root.get(parent) or parent
            above = self._mine_within.get(parent, False) or (
                _id(status.get("in_reply_to_account_id")) == self.me
            )
        return self._item(status, self._kind(status, above), root)

    def ancestors(self, remote_id: str) -> list[InboundItem]:
        """The posts above `remote_id`, root first, classified like polled items."""
        context = self._context(remote_id)
        if not context:
            return []
        chain = list(context["ancestors"])
        self._learn(chain)
        items = []
        for index, status in enumerate(chain):
            above = any(self._is_mine(s) for s in chain[:index]) or (
                _id(status.get("in_reply_to_account_id")) == self.me
            )
            items.append(self._item(status, self._kind(status, above), str(chain[0]["id"])))
        return items

    # -- building items -----------------------------------------------------------------

    def _is_mine(self, status: Any) -> bool:
        return _id((status.get("account") or {}).get("id")) == self.me

    def _mentions_me(self, status: Any) -> bool:
        return any(_id(m.get("id")) == self.me for m in status.get("mentions") or [])

    def _kind(self, status: Any, above_is_mine: bool) -> ItemKind:
        if self._is_mine(status):
            return ItemKind.OWN
        if status.get("visibility") == "direct":
            return ItemKind.MESSAGE
        if _quoted_account_id(status) == self.me:
            return ItemKind.QUOTE
        if above_is_mine or _id(status.get("in_reply_to_account_id")) == self.me:
            return ItemKind.REPLY
        if self._mentions_me(status):
            return ItemKind.MENTION
        return ItemKind.CONTEXT

    def _item(self, status: Any, kind: ItemKind, root: str, *,
              conversation_id: str | None = None) -> InboundItem:
        private = status.get("visibility") == "direct"
        account = status.get("account") or {}
        extra: dict[str, Any] = {
            "visibility": str(status.get("visibility") or "public"),
            "acct": str(account.get("acct") or ""),
            "mentions": reply_mentions(status, self.me),
        }
        if conversation_id:
            extra["conversation_id"] = conversation_id
        if status.get("spoiler_text"):
            extra["spoiler_text"] = clean_text(status["spoiler_text"])
        if quoted := _quoted_id(status):
            extra["quoted_id"] = quoted
        media = [
            {"type": str(m.get("type") or ""), "url": str(m.get("url") or ""),
             "preview_url": str(m.get("preview_url") or ""),
             "description": clean_text(m.get("description") or "")}
            for m in status.get("media_attachments") or []
        ]
        if media:
            extra["media"] = media
        language = status.get("language")
        return InboundItem(
            remote_id=str(status["id"]), kind=kind, author=author_from(account, self.domain),
            text=status_text(status), created_at=as_utc(status.get("created_at")) or datetime.now(UTC),
            thread_key=f"conv:{root}" if private else root,
            url=str(status.get("url") or status.get("uri") or ""),
            edited_at=as_utc(status.get("edited_at")),
            in_reply_to_id=_id(status.get("in_reply_to_id")), root_id=root,
            language=str(language) if language else None, private=private, extra=extra,
        )

    @property
    def domain(self) -> str:
        if self._domain is None:
            self._domain = self._local_domain()
        return self._domain

    # -- threads ------------------------------------------------------------------------

    def _locate(self, status: Any) -> tuple[str, bool]:
        """The thread root of `status` and whether a post above it is the account's."""
        sid, parent = str(status["id"]), _id(status.get("in_reply_to_id"))
        if parent is None:
            root, above = sid, False
        elif parent in self._root:
            root, above = self._root[parent], self._mine_within[parent]
        else:
            context = self._context(sid)
            chain = list(context["ancestors"]) if context else []
            self._learn(chain)
            # An empty chain: the parent was deleted or is hidden from the account.
            root = str(chain[0]["id"]) if chain else parent
            above = any(self._is_mine(s) for s in chain)
        above = above or _id(status.get("in_reply_to_account_id")) == self.me
        self._root[sid], self._mine_within[sid] = root, above or self._is_mine(status)
        self._statuses[sid] = status
        return root, above

    def _learn(self, chain: Iterable[Any]) -> None:
        """Remember the root and ownership of every status of an ancestor chain."""
        root: str | None = None
        mine = False
        for status in chain:
            sid = str(status["id"])
            root = root or sid
            mine = mine or self._is_mine(status)
            self._root[sid], self._mine_within[sid] = root, mine
            self._statuses[sid] = status

    # -- reads that may find nothing ----------------------------------------------------

    def _context(self, status_id: str) -> Any | None:
        if status_id in self._contexts:
            return self._contexts[status_id]
        try:
            found = call(self.client, self.client.status_context, status_id)
        except NetworkError as exc:
            if http_status(exc) not in (404, 410):
                raise
            found = None
        self._contexts[status_id] = found
        return found

    def _get_status(self, status_id: str) -> Any | None:
        try:
            return call(self.client, self.client.status, status_id)
        except NetworkError as exc:
            if http_status(exc) in (404, 410):
                return None
            raise

    def get_many(self, ids: list[str]) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(ids), REFRESH_BATCH):
            batch = ids[start:start + REFRESH_BATCH]
            if self._batch_get:
                try:
                    found += list(call(self.client, self.client.statuses, batch) or [])
                    continue
                except NetworkError as exc:
                    if http_status(exc) not in _NO_BATCH_STATUSES:
                        raise
                    self._batch_get = False  # an older server: one GET per status
            found += [s for s in (self._get_status(i) for i in batch) if s is not None]
        return found


def fetch_local_domain(client: Mastodon, server_url: str) -> str:
    """The domain in this server's local accounts' addresses (`LOCAL_DOMAIN`), which may
    differ from the host the API is served on (`WEB_DOMAIN`)."""
    info: Any = None
    try:
        info = call(client, client.instance_v2)
    except NetworkError as exc:
        if exc.kind is not ErrorKind.PERMANENT:
            raise
        try:
            info = call(client, client.instance_v1)
        except NetworkError as inner:
            if inner.kind is not ErrorKind.PERMANENT:
                raise
    domain = str((info or {}).get("domain") or (info or {}).get("uri") or "")
    domain = domain.split("://", 1)[-1].strip("/")
    return domain or server_url.split("://", 1)[-1].strip("/")


__all__ = [
    "CONVERSATIONS", "NOTIFICATIONS", "STREAMS", "MastodonInbox",
    "author_from", "fetch_local_domain", "reply_visibility", "status_text",
]

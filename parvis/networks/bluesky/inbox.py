"""The unified inbox on Bluesky: what people address to the account, polled.

One stream, ``notifications``: ``app.bsky.notification.listNotifications`` filtered to
the reasons ``reply``, ``mention`` and ``quote`` (likes, reposts and follows are not
conversations). The account's PDS proxies these reads to its AppView.

Direct messages are not supported: Bluesky keeps them in a separate chat service
(``chat.bsky.*``, reached through the PDS with ``atproto-proxy: did:web:api.bsky.chat``),
whose server is not part of the reference servers published on npm, so nothing here
could be tested against a real one.

Cursor
    listNotifications pages backwards (newest first) with its own page cursor, so the
    cursor parvis stores is a high-water mark: the newest ``indexedAt`` delivered, plus
    the uris delivered within ``OVERLAP`` below it. A poll reads pages from the newest
    down to ``mark - OVERLAP`` and skips those uris. The overlap is there because the
    AppView sorts notifications by ``min(indexedAt, createdAt)``: a post whose client
    clock runs behind lands slightly below the newest one already seen. The first poll
    (no cursor) takes the newest page only: the inbox starts at the connection.
    A poll reads at most ``MAX_PAGES`` pages; when it stops early (``more``), the cursor
    also keeps where to resume going down, and the next poll continues from there
    before moving the mark up. Items come oldest first within a poll.

Kinds (the same rules for notifications, refreshes and thread context)
    the notification's reason (``reply``/``mention``/``quote``); for posts read back
    without one: ``OWN`` the account wrote it; ``QUOTE`` it embeds one of the account's
    posts; ``REPLY`` its parent or root is the account's; ``MENTION`` a facet names the
    account; ``CONTEXT`` otherwise (only ever from ``thread_context``).

``thread_key`` is the root post's uri. ``extra`` keeps ``uri``, ``cid`` and the
``root`` and ``parent`` strong refs (``{"uri", "cid"}``; ``parent`` is None for a post
that is not a reply): a reply to the item takes the item as parent and its ``root``.

Edits: the reference apps never edit a post, but a record re-written with putRecord is
re-indexed by the AppView, and ``refresh_items`` returns its new text (Bluesky keeps no
edit time, so ``edited_at`` stays None and the inbox sees the text change).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from atproto import models
from atproto_client.models.utils import get_model_as_dict

from parvis.networks.base import ErrorKind, InboundItem, InboxPage, ItemKind, NetworkError, RemoteAuthor
from parvis.networks.text import clean_text

if TYPE_CHECKING:
    from parvis.networks.bluesky.connector import BlueskyConnector

NOTIFICATIONS = "notifications"
STREAMS: tuple[str, ...] = (NOTIFICATIONS,)
REASONS: dict[str, ItemKind] = {"reply": ItemKind.REPLY, "mention": ItemKind.MENTION, "quote": ItemKind.QUOTE}
PAGE_SIZE = 50
MAX_PAGES = 5  # per poll: a backlog is read over several polls (see "Cursor")
OVERLAP = timedelta(minutes=10)
MAX_SEEN = 1000  # uris kept in the cursor; the inbox is unique on remote_id anyway
GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 uris
PARENT_HEIGHT = 80  # getPostThread's default; the reference AppView caps it lower
POST = "app.bsky.feed.post"
WEB = "https://bsky.app"


# -- untrusted JSON -----------------------------------------------------------------

def as_dict(value: Any) -> dict[str, Any]:
    """A response or record as lexicon-shaped JSON (the SDK gives models, or plain
    dicts for records it could not parse): everything below reads dicts defensively."""
    if isinstance(value, dict):
        return value
    if value is None:
        return {}
    try:
        out = get_model_as_dict(value)
    except (AttributeError, TypeError):
        return {}
    return out if isinstance(out, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_time(value: Any) -> datetime | None:
    """An AT Protocol datetime, or None when missing, malformed or without a zone."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def strong_ref(value: Any) -> dict[str, str] | None:
    ref = as_dict(value)
    uri, cid = _str(ref.get("uri")), _str(ref.get("cid"))
    return {"uri": uri, "cid": cid} if uri.startswith("at://") and cid else None


def did_of(uri: str) -> str:
    """The repository (DID) of an ``at://did/collection/rkey`` uri."""
    parts = uri.split("/")
    return parts[2] if len(parts) > 2 and uri.startswith("at://") else ""


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


# -- text -------------------------------------------------------------------------

def plain_text(record: dict[str, Any]) -> str:
    """The post's text, with links shortened for display ("example.com/a-long-pa…")
    written out in full from their facet: the inbox shows and searches real URLs.
    Facets are untrusted: a facet whose byte range is out of bounds, overlaps another
    or cuts a character is ignored."""
    raw = _str(record.get("text")).encode()
    links: list[tuple[int, int, str]] = []
    for facet in record.get("facets") or []:
        facet = as_dict(facet)
        index = as_dict(facet.get("index"))
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(raw):
            continue
        for feature in facet.get("features") or []:
            feature = as_dict(feature)
            uri = _str(feature.get("uri"))
            if _str(feature.get("$type")).endswith("#link") and uri.lower().startswith(("https://", "http://")):
                links.append((start, end, uri))
    out, position = [], 0
    for start, end, uri in sorted(links):
        if start < position:
            continue
        try:
            shown = raw[start:end].decode()
            raw[position:start].decode()
        except UnicodeDecodeError:
            continue
        if shown == uri:
            continue
        out.append(raw[position:start])
        out.append(uri.encode())
        position = end
    out.append(raw[position:])
    return clean_text(b"".join(out).decode(errors="replace"))


# -- posts to items -------------------------------------------------------------

def author_of(profile: Any) -> RemoteAuthor:
    data = as_dict(profile)
    did = _str(data.get("did"))
    handle = clean_text(data.get("handle")) or did
    followers = data.get("followersCount")
    return RemoteAuthor(
        key=did, remote_id=did, handle=f"@{handle}", display_name=clean_text(data.get("displayName")),
        url=f"{WEB}/profile/{handle}", avatar_url=_str(data.get("avatar")),
        bio=clean_text(data.get("description")), followers=followers if isinstance(followers, int) else None,
    )


def classify(record: dict[str, Any], author_did: str, own_did: str) -> ItemKind:
    """What a post read without a notification reason is to the account."""
    if author_did == own_did:
        return ItemKind.OWN
    embed = as_dict(record.get("embed"))
    quoted = as_dict(embed.get("record"))
    quoted = as_dict(quoted.get("record")) if "record" in quoted else quoted  # recordWithMedia
    if did_of(_str(quoted.get("uri"))) == own_did:
        return ItemKind.QUOTE
    reply = as_dict(record.get("reply"))
    if any(did_of(_str(as_dict(reply.get(end)).get("uri"))) == own_did for end in ("parent", "root")):
        return ItemKind.REPLY
    for facet in record.get("facets") or []:
        for feature in as_dict(facet).get("features") or []:
            if as_dict(feature).get("did") == own_did:
                return ItemKind.MENTION
    return ItemKind.CONTEXT


def post_item(view: dict[str, Any], kind: ItemKind) -> InboundItem | None:
    """An item from a notification or a post view (both carry uri, cid, author,
    record, indexedAt); None when the record is not a usable post."""
    uri, cid = _str(view.get("uri")), _str(view.get("cid"))
    record = as_dict(view.get("record"))
    if not uri.startswith("at://") or not cid or record.get("$type") not in (POST, None):
        return None
    author = author_of(view.get("author"))
    indexed = parse_time(view.get("indexedAt"))
    created = parse_time(record.get("createdAt"))
    # createdAt is what the author's client claims: trust it unless it is in the
    # future of when the AppView saw the post.
    when = created if created and (indexed is None or created <= indexed) else indexed
    if when is None:
        return None
    reply = as_dict(record.get("reply"))
    parent, root = strong_ref(reply.get("parent")), strong_ref(reply.get("root"))
    if parent is None or root is None:
        parent = root = None
    langs = record.get("langs")
    language = (_str(langs[0])[:16] or None) if isinstance(langs, list) and langs else None
    handle = author.handle.lstrip("@")
    return InboundItem(
        remote_id=uri, kind=kind, author=author, text=plain_text(record), created_at=when,
        thread_key=root["uri"] if root else uri, url=f"{WEB}/profile/{handle}/post/{rkey_of(uri)}",
        in_reply_to_id=parent["uri"] if parent else None, root_id=root["uri"] if root else None,
        language=language,
        extra={"uri": uri, "cid": cid, "root": root or {"uri": uri, "cid": cid}, "parent": parent},
    )


# -- the cursor -------------------------------------------------------------------

@dataclass
class Mark:
    """The high-water mark kept as the stream's cursor (see the module docstring)."""

    at: datetime | None = None  # newest sort time delivered; None: everything is new
    seen: dict[str, str] = field(default_factory=dict)  # uri -> sort time, within OVERLAP of `at`
    resume_page: str | None = None  # a catch-up in progress: listNotifications page cursor
    resume_at: datetime | None = None  # ... and the mark it moves to once done
    resume_seen: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, cursor: str) -> Mark:
        try:
            data = json.loads(cursor)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return cls()  # unreadable: start again from everything the page holds
        return cls(
            at=parse_time(data.get("at")), seen=_seen(data.get("seen")),
            resume_page=_str(data.get("page")) or None, resume_at=parse_time(data.get("top")),
            resume_seen=_seen(data.get("top_seen")),
        )

    def dump(self) -> str:
        data: dict[str, Any] = {"v": 1, "at": iso(self.at) if self.at else None, "seen": self.seen}
        if self.resume_page:
            data.update(page=self.resume_page, top=iso(self.resume_at) if self.resume_at else None,
                        top_seen=self.resume_seen)
        return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _seen(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _window(at: datetime | None, seen: dict[str, str]) -> dict[str, str]:
    """The uris worth remembering under a mark at `at`, newest first, bounded."""
    if at is None:
        return {}
    floor = at - OVERLAP
    kept = [(t, uri) for uri, t in seen.items() if (parse_time(t) or floor) >= floor]
    kept.sort(reverse=True)
    return {uri: t for t, uri in kept[:MAX_SEEN]}


# -- reading --------------------------------------------------------------------

class BlueskyInbox:
    """The reads of the inbox, on one connector's client and session."""

    def __init__(self, connector: BlueskyConnector) -> None:
        self.connector = connector

    def _notifications(self, page_cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        c = self.connector
        response = c._call(  # noqa: SLF001 - the connector's session-keeping call
            c.client.app.bsky.notification.list_notifications,
            models.AppBskyNotificationListNotifications.Params(
                limit=PAGE_SIZE, cursor=page_cursor, reasons=sorted(REASONS),
            ),
        )
        data = as_dict(response)
        notifications = [as_dict(n) for n in data.get("notifications") or []]
        return notifications, _str(data.get("cursor")) or None

    def _items(self, notifications: Iterable[dict[str, Any]]) -> list[tuple[str, InboundItem]]:
        """(sort time, item) for the notifications that are conversation posts."""
        out = []
        for notification in notifications:
            kind = REASONS.get(_str(notification.get("reason")))
            sort_at = parse_time(notification.get("indexedAt"))
            item = post_item(notification, kind) if kind and sort_at else None
            if item is not None and sort_at is not None:
                out.append((iso(sort_at), item))
        return out

    def fetch(self, cursor: str | None) -> InboxPage:
        if cursor is None:
            notifications, _ = self._notifications(None)
            found = self._items(notifications)
            # No notification yet: every later one is new (at=None), not "the newest page".
            newest = max(filter(None, (parse_time(n.get("indexedAt")) for n in notifications)), default=None)
            mark = Mark(at=newest, seen=_window(newest, {i.remote_id: t for t, i in found}))
            return InboxPage(items=_oldest_first(found), cursor=mark.dump())

        mark = Mark.load(cursor)
        resuming = mark.resume_page is not None
        skip = {**mark.seen, **mark.resume_seen}
        floor = mark.at - OVERLAP if mark.at else None
        page_cursor, found, reached = mark.resume_page, [], False
        for _page in range(MAX_PAGES):
            notifications, next_cursor = self._notifications(page_cursor)
            for sort_at, item in self._items(notifications):
                if floor is not None and (parse_time(sort_at) or floor) < floor:
                    reached = True
                    break
                if item.remote_id not in skip:
                    skip[item.remote_id] = sort_at
                    found.append((sort_at, item))
            if reached or not next_cursor or not notifications:
                reached = True
                break
            page_cursor = next_cursor
        delivered = {item.remote_id: t for t, item in found}
        times = [t for t in (parse_time(t) for t in delivered.values()) if t]
        if not reached:
            # Stopped early, going down: remember where, and where the mark moves once
            # the catch-up reaches it (the top, taken when the catch-up started).
            if not resuming:
                mark.resume_at = max([*times, *([mark.at] if mark.at else [])], default=None)
            mark.resume_page = page_cursor
            mark.resume_seen = _window(mark.resume_at, {**mark.resume_seen, **delivered})
            return InboxPage(items=_oldest_first(found), cursor=mark.dump(), more=True)
        new_at = max([t for t in (mark.at, mark.resume_at) if t] + times, default=None)
        done = Mark(at=new_at, seen=_window(new_at, {**mark.seen, **mark.resume_seen, **delivered}))
        # After a catch-up, newer notifications may have piled up above it: come back soon.
        return InboxPage(items=_oldest_first(found), cursor=done.dump(), more=resuming)

    def get_posts(self, uris: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Post views by uri, in batches; posts the AppView does not return are absent."""
        c = self.connector
        views: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uris), GET_POSTS_BATCH):
            batch = list(uris[start:start + GET_POSTS_BATCH])
            response = c._call(  # noqa: SLF001
                c.client.app.bsky.feed.get_posts, models.AppBskyFeedGetPosts.Params(uris=batch),
            )
            for post in as_dict(response).get("posts") or []:
                view = as_dict(post)
                if _str(view.get("uri")) in batch:
                    views[view["uri"]] = view
        return views

    def refresh(self, uris: Sequence[str]) -> dict[str, InboundItem | None]:
        views = self.get_posts(list(dict.fromkeys(uris)))
        out: dict[str, InboundItem | None] = {}
        for uri in uris:
            view = views.get(uri)
            out[uri] = self._view_item(view) if view else None
        return out

    def _view_item(self, view: dict[str, Any], context_only: bool = False) -> InboundItem | None:
        record = as_dict(view.get("record"))
        author_did = _str(as_dict(view.get("author")).get("did"))
        kind = classify(record, author_did, self.connector.did)
        if context_only and kind is not ItemKind.OWN:
            kind = ItemKind.CONTEXT
        return post_item(view, kind)

    def thread(self, uri: str) -> list[InboundItem]:
        c = self.connector
        try:
            response = c._call(  # noqa: SLF001
                c.client.app.bsky.feed.get_post_thread,
                models.AppBskyFeedGetPostThread.Params(uri=uri, depth=0, parent_height=PARENT_HEIGHT),
            )
        except NetworkError as error:
            if error.kind is ErrorKind.PERMANENT:  # NotFound: deleted since; no context to give
                return []
            raise
        node = as_dict(as_dict(response).get("thread"))
        above: list[InboundItem] = []
        node = as_dict(node.get("parent"))
        # A parent that is deleted (notFoundPost) or hidden from us (blockedPost) has no
        # post and no parent: the chain we can see ends there.
        while node.get("post"):
            item = self._view_item(as_dict(node["post"]), context_only=True)
            if item is not None:
                above.append(item)
            node = as_dict(node.get("parent"))
        return list(reversed(above))


def _oldest_first(found: list[tuple[str, InboundItem]]) -> list[InboundItem]:
    return [item for _, item in sorted(found, key=lambda pair: (pair[1].created_at, pair[0], pair[1].remote_id))]

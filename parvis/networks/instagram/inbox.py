"""Instagram's comments in the inbox: the comments (and their replies) under the
account's recent posts, polled; hiding and unhiding them.

Instagram has no "what is new" list for an account (webhooks need a public HTTPS
address, which a self-hosted parvis often lacks): each poll reads the comments of the
`RECENT_MEDIA` latest posts, and the cursor keeps the newest time seen with the ids seen
at that very second (Graph's times have one-second steps). Text is untrusted plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    InboxPage,
    ItemKind,
    Moderation,
    NetworkError,
    RemoteAuthor,
)
from parvis.networks.graph import GraphClient, page_after, read_cursor
from parvis.networks.instagram.publishing import graph_time
from parvis.networks.text import clean_text

STREAMS = ("comments", "tags")
TAG_FIELDS = "id,caption,username,timestamp,permalink"
RECENT_MEDIA = 10
COMMENT = "id,text,timestamp,username,from,hidden,parent_id"
COMMENT_FIELDS = f"{COMMENT},replies{{{COMMENT}}}"
MODERATIONS = frozenset({Moderation.HIDE, Moderation.UNHIDE})


class InstagramInbox:
    def __init__(self, client: GraphClient, ig_id: str, username: str) -> None:
        self.client = client
        self.ig_id = ig_id
        self.username = username.lstrip("@")

    def fetch(self, stream: str, cursor: str | None) -> InboxPage:
        if stream not in STREAMS:
            raise NetworkError(f"unknown stream {stream!r}", ErrorKind.PERMANENT)
        since, seen = read_cursor(cursor, timezone.now())
        return page_after(self.comments() if stream == "comments" else self.tags(), cursor, since, seen)

    def comments(self) -> list[InboundItem]:
        items = []
        for media in self.client.pages(f"{self.ig_id}/media", max_pages=1, limit=RECENT_MEDIA,
                                       fields="id,permalink"):
            for comment in self.client.pages(f"{media['id']}/comments", max_pages=4, fields=COMMENT_FIELDS):
                for raw in [comment, *((comment.get("replies") or {}).get("data") or [])]:
                    item = self.item(raw, str(media["id"]), str(media.get("permalink") or ""))
                    if item is not None:
                        items.append(item)
        return items

    def tags(self) -> list[InboundItem]:
        """Other accounts' posts the account is tagged in: mentions of the brand (caption
        @mentions reach apps through webhooks only)."""
        items = []
        for raw in self.client.pages(f"{self.ig_id}/tags", max_pages=2, fields=TAG_FIELDS):
            created = graph_time(raw.get("timestamp"))
            username = clean_text(raw.get("username"))
            if created is None or not raw.get("id"):
                continue
            items.append(InboundItem(
                remote_id=str(raw["id"]), kind=ItemKind.MENTION,
                author=RemoteAuthor(key=username, remote_id=username, handle=f"@{username}",
                                    url=f"https://www.instagram.com/{username}/" if username else ""),
                text=clean_text(raw.get("caption")), created_at=created, thread_key=str(raw["id"]),
                url=str(raw.get("permalink") or ""), root_id=str(raw["id"]), extra={"tagged": True}))
        return items

    def item(self, raw: dict[str, Any], media_id: str, permalink: str = "") -> InboundItem | None:
        created = graph_time(raw.get("timestamp"))
        if created is None or not raw.get("id"):
            return None
        username = clean_text(raw.get("username") or (raw.get("from") or {}).get("username"))
        author_id = str((raw.get("from") or {}).get("id") or username)
        parent = raw.get("parent_id")
        return InboundItem(
            remote_id=str(raw["id"]), kind=ItemKind.OWN if username == self.username else ItemKind.REPLY,
            author=RemoteAuthor(key=author_id, remote_id=author_id, handle=f"@{username}",
                                url=f"https://www.instagram.com/{username}/" if username else ""),
            text=clean_text(raw.get("text")), created_at=created, thread_key=media_id, url=permalink,
            in_reply_to_id=str(parent) if parent else media_id, root_id=media_id,
            extra={"hidden": bool(raw.get("hidden"))},
        )

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        out: dict[str, InboundItem | None] = {}
        unreadable = []
        for remote_id in remote_ids:
            try:
                raw = self.client.get(remote_id, fields=f"{COMMENT},media{{id}}")
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    raise
                unreadable.append(remote_id)
                continue
            out[remote_id] = self.item(raw, str((raw.get("media") or {}).get("id") or ""))
        if unreadable:
            # Another account's post the brand is tagged in cannot be read by its id with
            # the brand's token: it is alive while the tags list still shows it. What is in
            # neither was deleted, or is no longer ours to see (items are followed for a
            # week, and the list's first pages reach further back than that).
            tagged = {item.remote_id: item for item in self.tags()}
            out.update({remote_id: tagged.get(remote_id) for remote_id in unreadable})
        return out

    def context(self, remote_id: str) -> list[InboundItem]:
        """The post a comment is under (as the account's own item), and the comment it
        answers, if any."""
        raw = self.client.get(remote_id, fields=f"{COMMENT},media{{id}}")
        media_id = str((raw.get("media") or {}).get("id") or "")
        if not media_id:
            return []
        media = self.client.get(media_id, fields="id,caption,timestamp,permalink")
        created = graph_time(media.get("timestamp")) or timezone.now()
        me = RemoteAuthor(key=self.ig_id, remote_id=self.ig_id, handle=f"@{self.username}",
                          url=f"https://www.instagram.com/{self.username}/")
        root = InboundItem(remote_id=media_id, kind=ItemKind.OWN, author=me, text=clean_text(media.get("caption")),
                           created_at=created, thread_key=media_id, url=str(media.get("permalink") or ""),
                           root_id=media_id)
        parent = raw.get("parent_id")
        if not parent:
            return [root]
        above = self.client.get(str(parent), fields=COMMENT)
        item = self.item(above, media_id, root.url)
        return [root, item] if item is not None else [root]

    def moderate(self, action: Moderation, item: InboundItem | None) -> None:
        if action not in MODERATIONS or item is None:
            raise NetworkError(f"Instagram does not offer {action} here", ErrorKind.PERMANENT)
        self.client.post(item.remote_id, hide=action is Moderation.HIDE)

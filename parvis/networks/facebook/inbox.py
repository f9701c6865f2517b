"""A Facebook Page's comments in the inbox: the comments (and replies) under the Page's
recent posts, polled; hiding and unhiding them. Its mentions: other people's public posts
that tag the Page (`GET /{page-id}/tagged`), polled the same way.

Like Instagram, a Page has no "what is new" list without webhooks (a public HTTPS
address): each poll reads the comments of the `RECENT_POSTS` latest posts (`filter=stream`
gives replies too, flat), and the cursor keeps the newest time seen with the ids seen at
that second. Text is untrusted plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

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
from parvis.networks.graph import GraphClient, MissingPermission, page_after, read_cursor
from parvis.networks.text import clean_text

STREAMS = ("comments", "mentions")
TAGGED_FIELDS = "id,message,created_time,permalink_url,from"
TAGGED_PAGES = 2  # pages of `/tagged` read per poll (newest first; 25 posts each)
RECENT_POSTS = 10
COMMENT_FIELDS = "id,message,created_time,from,is_hidden,parent{id},permalink_url"
MODERATIONS = frozenset({Moderation.HIDE, Moderation.UNHIDE})


def graph_time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


class FacebookInbox:
    def __init__(self, client: GraphClient, page_id: str) -> None:
        self.client = client
        self.page_id = page_id

    def fetch(self, stream: str, cursor: str | None) -> InboxPage:
        if stream not in STREAMS:
            raise NetworkError(f"unknown stream {stream!r}", ErrorKind.PERMANENT)
        since, seen = read_cursor(cursor, timezone.now())
        return page_after(self.comments() if stream == "comments" else self.tagged(), cursor, since, seen)

    def comments(self) -> list[InboundItem]:
        items = []
        for post in self.client.pages(f"{self.page_id}/published_posts", max_pages=1, limit=RECENT_POSTS,
                                      fields="id"):
            for raw in self.client.pages(f"{post['id']}/comments", max_pages=4, filter="stream",
                                         fields=COMMENT_FIELDS):
                item = self.item(raw, str(post["id"]))
                if item is not None:
                    items.append(item)
        return items

    def tagged(self) -> list[InboundItem]:
        """Other people's public posts that tag the Page: its mentions. Facebook names the
        author of a user's post only to that user, so most come without one."""
        items = []
        try:
            found = list(self.client.pages(f"{self.page_id}/tagged", max_pages=TAGGED_PAGES, fields=TAGGED_FIELDS))
        except MissingPermission as error:
            # Only mentions need it: say so without asking to reconnect for everything else.
            raise NetworkError(Text.gettext("Facebook mentions need the permission %(permissions)s, which this "
                                            "Page's connection did not grant: connect the Page again and grant "
                                            "it to see its mentions here.",
                                            permissions=", ".join(error.permissions)),
                               ErrorKind.PERMANENT) from error
        for raw in found:
            created = graph_time(raw.get("created_time"))
            if created is None or not raw.get("id"):
                continue
            post_id = str(raw["id"])
            items.append(InboundItem(
                remote_id=post_id, kind=ItemKind.MENTION, author=self.tagger(raw.get("from"), post_id),
                text=clean_text(raw.get("message")), created_at=created, thread_key=post_id,
                url=str(raw.get("permalink_url") or ""), root_id=post_id, extra={"tagged": True}))
        return items

    @staticmethod
    def tagger(author: Any, post_id: str) -> RemoteAuthor:
        author_id = str((author or {}).get("id") or "") if isinstance(author, dict) else ""
        if author_id:
            name = clean_text(author.get("name")) or author_id
            return RemoteAuthor(key=author_id, remote_id=author_id, handle=name, display_name=name)
        # Unnamed: keyed by the post, so that strangers are never merged into one person.
        name = gettext("Someone on Facebook (unnamed)")
        return RemoteAuthor(key=f"facebook-tagged:{post_id}", remote_id="", handle=name, display_name=name)

    def item(self, raw: dict[str, Any], post_id: str) -> InboundItem | None:
        created = graph_time(raw.get("created_time"))
        if created is None or not raw.get("id"):
            return None
        author = raw.get("from") or {}  # absent when Meta hides who wrote it
        author_id = str(author.get("id") or "")
        name = clean_text(author.get("name")) or "?"
        parent = (raw.get("parent") or {}).get("id")
        return InboundItem(
            remote_id=str(raw["id"]), kind=ItemKind.OWN if author_id == self.page_id else ItemKind.REPLY,
            author=RemoteAuthor(key=author_id or name, remote_id=author_id, handle=name, display_name=name),
            text=clean_text(raw.get("message")), created_at=created, thread_key=post_id,
            url=str(raw.get("permalink_url") or ""), in_reply_to_id=str(parent) if parent else post_id,
            root_id=post_id, extra={"hidden": bool(raw.get("is_hidden"))},
        )

    def post_of(self, comment_id: str) -> str:
        """A comment id is "<post number>_<comment number>"; the post is the Page's."""
        return f"{self.page_id}_{comment_id.split('_', 1)[0]}"

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        out: dict[str, InboundItem | None] = {}
        unreadable = []
        for remote_id in remote_ids:
            try:
                raw = self.client.get(remote_id, fields=COMMENT_FIELDS)
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    raise
                unreadable.append(remote_id)
                continue
            out[remote_id] = self.item(raw, self.post_of(remote_id))
        if unreadable:
            # Comment and post ids have the same shape, and someone else's post that tags
            # the Page cannot be read by its id (nor has a comment's fields): it is alive
            # while the tagged list still shows it. What is in neither was deleted.
            try:
                tagged = {item.remote_id: item for item in self.tagged()}
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    raise
                tagged = {}  # no mentions to see: the unreadable are gone, as before
            out.update({remote_id: tagged.get(remote_id) for remote_id in unreadable})
        return out

    def context(self, remote_id: str) -> list[InboundItem]:
        raw = self.client.get(remote_id, fields=COMMENT_FIELDS)
        post_id = self.post_of(remote_id)
        post = self.client.get(post_id, fields="id,message,created_time,permalink_url,from")
        page = RemoteAuthor(key=self.page_id, remote_id=self.page_id,
                            handle=clean_text((post.get("from") or {}).get("name")) or self.page_id)
        root = InboundItem(remote_id=post_id, kind=ItemKind.OWN, author=page, text=clean_text(post.get("message")),
                           created_at=graph_time(post.get("created_time")) or timezone.now(), thread_key=post_id,
                           url=str(post.get("permalink_url") or ""), root_id=post_id)
        parent = (raw.get("parent") or {}).get("id")
        if not parent:
            return [root]
        above = self.item(self.client.get(str(parent), fields=COMMENT_FIELDS), post_id)
        return [root, above] if above is not None else [root]

    def moderate(self, action: Moderation, item: InboundItem | None) -> None:
        if item is not None and item.extra.get("tagged"):
            raise NetworkError(Text.gettext("Facebook offers no hiding of a post by someone else that tags the "
                                            "Page."), ErrorKind.PERMANENT)
        if action not in MODERATIONS or item is None:
            raise NetworkError(f"Facebook does not offer {action} here", ErrorKind.PERMANENT)
        self.client.post(item.remote_id, is_hidden=action is Moderation.HIDE)

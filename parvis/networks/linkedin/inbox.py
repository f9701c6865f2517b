"""Comments under the account's posts: the LinkedIn inbox.

LinkedIn has no endpoint listing what is new for a page: each recent post's comments
are read (and the answers under each comment, one level deep as LinkedIn nests them).
The cursor is the creation time (epoch ms) of the newest comment seen; comments at that
same millisecond are listed again and dropped by the ingest (it keys on the URN).
Comment text is little text: it is unescaped into the plain text people wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from parvis.networks.base import (
    InboundItem,
    InboxPage,
    ItemKind,
    Lookup,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
)
from parvis.networks.linkedin.client import LinkedInClient, LinkedInError, enc, more_after
from parvis.networks.linkedin.little_text import escape, unescape

COMMENT_URN = re.compile(r"urn:li:comment:\((?P<target>urn:li:[A-Za-z]+:\d+),(?P<id>\d+)\)")
RECENT_POSTS = 20  # the posts whose comments are read at each poll
FIRST_POLL = timedelta(days=1)  # the inbox starts from the connection, not from all history
PAGE = 100


def comment_parts(remote_id: str) -> tuple[str, str] | None:
    """(the post's activity URN, the comment id) for a comment URN; None for a post."""
    match = COMMENT_URN.fullmatch(remote_id)
    return (match["target"], match["id"]) if match else None


def post_link(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class Comments:
    def __init__(self, api: LinkedInClient, author: str) -> None:
        self.api = api
        self.author = author
        self.names: dict[str, str] = {}

    def who(self, actor: str) -> RemoteAuthor:
        """A comment's author. A page's name is read once per poll; a person's cannot
        be (LinkedIn's People API is closed to apps): the URN stands for them."""
        if actor.startswith("urn:li:organization:") and actor not in self.names:
            try:
                org = self.api.get(f"organizations/{actor.rsplit(':', 1)[1]}")
                self.names[actor] = str(org.get("localizedName") or "")
            except LinkedInError:
                self.names[actor] = ""
        name = self.names.get(actor, "")
        return RemoteAuthor(key=actor, remote_id=actor, handle=f"@[{name}]({actor})" if name else actor,
                            display_name=name)

    # -- reading -----------------------------------------------------------------------
    def listed(self, target: str) -> Iterator[dict[str, Any]]:
        """Every comment directly under `target` (a post, or a comment for its answers)."""
        start = 0
        while True:
            answer = self.api.get(f"socialActions/{enc(target)}/comments",
                                  params={"start": str(start), "count": str(PAGE)})
            elements = answer.get("elements") or []
            yield from elements
            start += len(elements)
            if not elements or not more_after(answer, start, PAGE):
                return

    def under(self, post_urn: str) -> Iterator[tuple[dict[str, Any], str]]:
        """(comment, post URN) for the comments of a post and their answers."""
        for comment in self.listed(post_urn):
            yield comment, post_urn
            if (comment.get("commentsSummary") or {}).get("aggregatedTotalComments"):
                for answer in self.listed(comment_urn(comment)):
                    yield answer, post_urn

    def recent_posts(self) -> list[str]:
        answer = self.api.get("posts", params={"q": "author", "author": self.author, "sortBy": "LAST_MODIFIED",
                                               "count": str(RECENT_POSTS)})
        return [str(post["id"]) for post in answer.get("elements") or []]

    def fetch(self, cursor: str | None) -> InboxPage:
        since = int(cursor) if cursor and cursor.isdigit() else int(
            (timezone.now() - FIRST_POLL).timestamp() * 1000)
        items = [self.item(comment, post) for post in self.recent_posts() for comment, post in self.under(post)
                 if created_ms(comment) >= since]
        items.sort(key=lambda item: item.created_at)
        newest = max((int(item.extra["created_ms"]) for item in items), default=since)
        return InboxPage(items=items, cursor=str(newest))

    def item(self, comment: dict[str, Any], post_urn: str) -> InboundItem:
        actor = str(comment.get("actor") or "")
        urn = comment_urn(comment)
        parent = comment.get("parentComment")
        return InboundItem(
            remote_id=urn, kind=ItemKind.OWN if actor == self.author else ItemKind.REPLY,
            author=self.who(actor),
            text=unescape(str((comment.get("message") or {}).get("text") or "")),
            created_at=datetime.fromtimestamp(created_ms(comment) / 1000, tz=UTC),
            thread_key=post_urn, url=post_link(post_urn), in_reply_to_id=str(parent) if parent else post_urn,
            root_id=post_urn,
            # LinkedIn nests one level: an answer to an answer goes under the first comment.
            extra={"created_ms": created_ms(comment), "top": str(parent or urn), "object": comment.get("object")},
        )

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        """Comments as they are now (None: deleted). Read per post, answers included."""
        found: dict[str, InboundItem | None] = dict.fromkeys(remote_ids)
        for activity in {parts[0] for rid in remote_ids if (parts := comment_parts(rid))}:
            try:
                for comment, _post in self.under(activity):
                    if comment_urn(comment) in found:
                        found[comment_urn(comment)] = self.item(comment, activity)
            except LinkedInError as error:
                if error.status != 404:  # a deleted post takes its comments with it
                    raise
        return found

    def context(self, remote_id: str) -> list[InboundItem]:
        """The comment's parent (when it answers one), as LinkedIn lists it."""
        parts = comment_parts(remote_id)
        if parts is None:
            return []
        for comment, post in self.under(parts[0]):
            if comment_urn(comment) == remote_id and comment.get("parentComment"):
                parent = str(comment["parentComment"])
                return [self.item(c, post) for c, _ in self.under(parts[0]) if comment_urn(c) == parent]
        return []

    # -- answering -----------------------------------------------------------------------
    def reply(self, request: PublishRequest) -> RemotePost:
        """A comment as the account: under the post, or under the comment answered."""
        target = request.reply_to
        assert target is not None
        body: dict[str, Any] = {"actor": self.author, "object": target.root_id,
                                "message": {"text": escape(request.text)}}
        where = target.root_id
        if comment_parts(target.remote_id) is not None:
            where = str(target.extra.get("top") or target.remote_id)
            body["parentComment"] = where
        answer = self.api.rest("POST", f"socialActions/{enc(where)}/comments", write=True, json=body)
        created = answer.json() if answer.content else {}
        urn = str(created.get("$URN") or created.get("commentUrn") or "")
        if not urn:
            urn = f"urn:li:comment:({created.get('object') or target.root_id},{answer.headers.get('x-restli-id')})"
        return RemotePost(remote_id=urn, url=post_link(target.root_id), created_at=timezone.now())

    def find_reply(self, request: PublishRequest) -> Lookup:
        """Our answer, among the comments where it would be (that list is complete)."""
        target = request.reply_to
        assert target is not None
        where = str(target.extra.get("top") or target.remote_id) if comment_parts(target.remote_id) else \
            target.root_id
        wanted = escape(request.text)
        for comment in self.listed(where):
            text = str((comment.get("message") or {}).get("text") or "")
            if comment.get("actor") == self.author and (text == wanted or unescape(text) == request.text):
                return Lookup.found(RemotePost(remote_id=comment_urn(comment), url=post_link(target.root_id)))
        return Lookup.absent()


def comment_urn(comment: dict[str, Any]) -> str:
    return str(comment.get("$URN") or comment.get("commentUrn") or "")


def created_ms(comment: dict[str, Any]) -> int:
    return int((comment.get("created") or {}).get("time") or 0)

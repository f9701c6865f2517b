"""The site's comments as the unified inbox sees them, and what can be done to them.

Items: every comment of the site (approved and held for moderation; spam and trash are
out of the inbox), as plain text: a comment's HTML is the commenter's, untrusted, so it
is reduced to its text. Remote ids are `comment-<id>` (comment and post ids are counted
apart on WordPress, so a bare number would be ambiguous); a thread is one article, its
root the article's own id, which is also its publication's `remote_id`.

Cursor: the highest comment id read. WordPress numbers comments in the order they are
written and has no "newer than id" filter, so a poll reads the newest first, page by
page, down to the cursor. The first poll reads only the newest page: the inbox starts
from the connection, not from the blog's history.

Replies are comments of the account's user with the answered comment as their parent.
Exactly once: WordPress itself refuses a second comment with the same text by the same
user on the same article (409 `comment_duplicate`); before sending, and after such a
refusal or a lost answer, the reply is looked up among the user's answers to that comment.

Moderation (`Moderation` values, as they fit): HIDE holds a comment for moderation (out
of the public page), UNHIDE approves it, REPORT marks it as spam (which anti-spam plugins
learn from). Trashing, and blocking a commenter, have no `Moderation` value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import unescape
from typing import TYPE_CHECKING, Any

from django.utils.html import strip_tags

from parvis.core.texts import Text
from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    InboxPage,
    ItemKind,
    Moderation,
    NetworkError,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.text import clean_text
from parvis.networks.wordpress.client import WordPressError
from parvis.networks.wordpress.content import article_html

if TYPE_CHECKING:
    from parvis.networks.wordpress.connector import WordPressConnector

STREAMS = ("comments",)
PAGE = 100
MAX_PAGES = 10  # a poll reads at most 1,000 new comments; a larger backlog keeps its newest
FIRST_POLL = 20
COMMENT_PREFIX = "comment-"
MODERATIONS = frozenset({Moderation.HIDE, Moderation.UNHIDE, Moderation.REPORT})
_STATUS = {Moderation.HIDE: "hold", Moderation.UNHIDE: "approved", Moderation.REPORT: "spam"}


def comment_id(remote_id: str) -> int | None:
    """The comment's number in a `comment-<id>` remote id; None for anything else."""
    digits = remote_id.removeprefix(COMMENT_PREFIX)
    return int(digits) if remote_id.startswith(COMMENT_PREFIX) and digits.isdigit() else None


def plain_text(html: Any) -> str:
    """A commenter's HTML as text: paragraphs and breaks as new lines, tags dropped,
    entities decoded, control characters removed."""
    if not isinstance(html, str):
        return ""
    marked = html.replace("</p>", "\n\n").replace("<br>", "\n").replace("<br />", "\n").replace("<br/>", "\n")
    return clean_text(unescape(strip_tags(marked))).strip()


def _date(value: Any) -> datetime:
    try:
        return datetime.strptime(str(value)[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


class WordPressInbox:
    def __init__(self, connector: WordPressConnector) -> None:
        self.connector = connector
        self.client = connector.client

    @property
    def user_id(self) -> int:
        return int(self.connector.account.remote_id or self.connector.account.config.get("user_id") or 0)

    # -- reading ---------------------------------------------------------------------
    def _list(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = self.client.get("/wp/v2/comments", {"status": "all", "context": "edit", **params})
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []

    def fetch(self, cursor: str | None) -> InboxPage:
        last = int(cursor) if cursor and cursor.isdigit() else None
        newer: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            batch = self._list({"orderby": "id", "order": "desc", "page": page,
                                "per_page": FIRST_POLL if last is None else PAGE})
            newer += [c for c in batch if last is None or int(c["id"]) > last]
            if last is None or len(batch) < PAGE or any(int(c["id"]) <= last for c in batch):
                break
        newer.sort(key=lambda c: int(c["id"]))
        top = max([int(c["id"]) for c in newer], default=last or 0)
        return InboxPage(items=[self.item(c) for c in newer], cursor=str(top))

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        ids = [n for n in (comment_id(r) for r in remote_ids) if n is not None]
        found: dict[str, InboundItem | None] = dict.fromkeys(remote_ids)
        for start in range(0, len(ids), PAGE):
            chunk = ids[start:start + PAGE]
            for comment in self._list({"include": chunk, "per_page": PAGE}):
                found[f"{COMMENT_PREFIX}{comment['id']}"] = self.item(comment)
        for remote_id in remote_ids:
            if remote_id.isdigit():  # an article of ours, kept as thread context
                found[remote_id] = self._article_item(int(remote_id))
        return found

    def thread(self, remote_id: str) -> list[InboundItem]:
        """The comments above this one, then the article, returned root first."""
        above: list[InboundItem] = []
        current = comment_id(remote_id)
        post = None
        for _depth in range(20):
            if current is None:
                break
            comment = self._comment(current)
            if comment is None:
                break
            post = int(comment["post"])
            if comment_id(remote_id) != current:
                above.append(self.item(comment))
            current = int(comment.get("parent") or 0) or None
        article = self._article_item(post) if post else None
        return ([article] if article else []) + above[::-1]

    def _comment(self, number: int) -> dict[str, Any] | None:
        try:
            return dict(self.client.get(f"/wp/v2/comments/{number}", {"context": "edit"}))
        except WordPressError as error:
            if error.code == "rest_comment_invalid_id":
                return None
            raise

    def _article_item(self, post_id: int) -> InboundItem | None:
        try:
            post = self.client.get(f"/wp/v2/posts/{post_id}", {"context": "edit"})
        except WordPressError as error:
            if error.code in ("rest_post_invalid_id", "rest_forbidden"):
                return None
            raise
        account = self.connector.account
        me = RemoteAuthor(key=f"user-{account.remote_id}", remote_id=account.remote_id, handle=account.handle,
                          display_name=account.display_name)
        title = plain_text((post.get("title") or {}).get("raw") or (post.get("title") or {}).get("rendered"))
        excerpt = plain_text((post.get("excerpt") or {}).get("rendered"))
        return InboundItem(remote_id=str(post["id"]), kind=ItemKind.OWN, author=me,
                           text="\n\n".join(t for t in (title, excerpt) if t), created_at=_date(post.get("date_gmt")),
                           thread_key=f"post-{post['id']}", url=str(post.get("link") or ""),
                           root_id=str(post["id"]))

    def author(self, comment: Mapping[str, Any]) -> RemoteAuthor:
        user = int(comment.get("author") or 0)
        name = clean_text(comment.get("author_name")).strip() or "?"
        if user:
            key = f"user-{user}"
        else:  # a visitor: known by the email they gave (kept out of the key), else their name
            who = str(comment.get("author_email") or name).strip().lower()
            key = "guest-" + hashlib.sha256(who.encode()).hexdigest()[:16]
        avatars = comment.get("author_avatar_urls") if isinstance(comment.get("author_avatar_urls"), dict) else {}
        assert isinstance(avatars, dict)
        return RemoteAuthor(key=key, remote_id=key, handle=name, display_name=name,
                            url=clean_text(comment.get("author_url")), avatar_url=str(avatars.get("96") or ""))

    def item(self, comment: Mapping[str, Any]) -> InboundItem:
        post, parent = int(comment["post"]), int(comment.get("parent") or 0)
        content = comment.get("content") or {}
        mine = self.user_id and int(comment.get("author") or 0) == self.user_id
        return InboundItem(
            remote_id=f"{COMMENT_PREFIX}{comment['id']}", kind=ItemKind.OWN if mine else ItemKind.REPLY,
            author=self.author(comment), text=plain_text(content.get("raw") or content.get("rendered")),
            created_at=_date(comment.get("date_gmt")), thread_key=f"post-{post}", url=str(comment.get("link") or ""),
            in_reply_to_id=f"{COMMENT_PREFIX}{parent}" if parent else str(post), root_id=str(post),
            extra={"post": post, "parent": parent, "status": comment.get("status")},
        )

    # -- acting ----------------------------------------------------------------------
    def moderate(self, action: Moderation, item: InboundItem | None) -> None:
        number = comment_id(item.remote_id) if item else None
        if action not in MODERATIONS or number is None:
            raise NetworkError(Text.gettext("WordPress does not offer this action (%(action)s) here.",
                                            action=action.value), ErrorKind.PERMANENT)
        # Asking for the status a comment already has succeeds: a retry is safe.
        self.client.post(f"/wp/v2/comments/{number}", {"status": _STATUS[action]})

    def _target(self, target: ReplyTarget) -> tuple[int, int]:
        parent = comment_id(target.remote_id)
        post = target.extra.get("post") if isinstance(target.extra, dict) else None
        if parent is None:
            raise NetworkError(Text.gettext("Only comments can be answered on WordPress."), ErrorKind.PERMANENT)
        if not post:
            comment = self._comment(parent)
            if comment is None:
                raise NetworkError(Text.gettext("The comment to answer was deleted."), ErrorKind.PERMANENT)
            post = comment["post"]
        return int(post), parent

    def find_reply(self, request: PublishRequest) -> RemotePost | None:
        assert request.reply_to is not None
        post, parent = self._target(request.reply_to)
        wanted = article_html(request.text, []).strip()
        for comment in self._list({"post": post, "parent": parent, "author": self.user_id, "per_page": PAGE}):
            if str((comment.get("content") or {}).get("raw") or "").strip() == wanted:
                return RemotePost(remote_id=f"{COMMENT_PREFIX}{comment['id']}", url=str(comment.get("link") or ""),
                                  created_at=_date(comment.get("date_gmt")))
        return None

    def reply(self, request: PublishRequest) -> RemotePost:
        assert request.reply_to is not None
        if found := self.find_reply(request):
            return found
        post, parent = self._target(request.reply_to)
        try:
            comment = self.client.post("/wp/v2/comments", {"post": post, "parent": parent,
                                                           "content": article_html(request.text, [])})
        except WordPressError as error:
            if error.code != "comment_duplicate" and error.kind is not ErrorKind.TRANSIENT:
                raise
            if found := self.find_reply(request):
                return found
            raise
        return RemotePost(remote_id=f"{COMMENT_PREFIX}{comment['id']}", url=str(comment.get("link") or ""),
                          created_at=_date(comment.get("date_gmt")))

    def delete(self, number: int) -> None:
        try:
            self.client.delete(f"/wp/v2/comments/{number}")
        except WordPressError as error:
            if error.code not in ("rest_already_trashed", "rest_comment_invalid_id"):
                raise

"""The "mentions" inbox stream: @mentions of the account in other accounts' captions and
comments, which Instagram reveals only through its `mentions` webhook (`webhooks.py`
stores each one as a `Mention`). A poll reads the stored mentions not read yet, each
through `GET /{ig-user-id}?fields=mentioned_media.media_id(<id>){...}` or
`mentioned_comment.comment_id(<id>){...}` (meta.md, 5.4).

What it keeps: a mention reaches the inbox once it is read, never lost in between. The
cursor is the last row read; rows past it, and rows never read (a slower webhook request
may commit a smaller id after a larger one was read), are read on the next poll; storing
the same item twice changes nothing. A mention Meta no longer shows (the media or comment
was deleted, or its account turned private: a permanent error) is dropped; any other
error keeps it, and the rest after it, for the next poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from parvis.networks.base import ErrorKind, InboundItem, InboxPage, ItemKind, NetworkError, RemoteAuthor
from parvis.networks.graph import GraphClient
from parvis.networks.instagram.models import Mention
from parvis.networks.instagram.publishing import graph_time
from parvis.networks.models import SocialAccount
from parvis.networks.text import clean_text

STREAM = "mentions"
PER_PAGE = 25  # one Graph call each
# A mention read this long ago is forgotten: its item is in the inbox (and no longer
# refreshed after 7 days), and Meta stopped retrying its notification long before.
KEEP = timedelta(days=30)
MEDIA_FIELDS = "caption,username,timestamp,permalink,media_type"
COMMENT_FIELDS = "text,username,timestamp,media{id,permalink}"


class Mentions:
    def __init__(self, client: GraphClient, account: SocialAccount) -> None:
        self.client = client
        self.account = account
        self.ig_id = str(account.remote_id)

    def fetch(self, cursor: str | None) -> InboxPage:
        after = _read_cursor(cursor)
        waiting = (Mention.objects.filter(account_id=self.account.pk)
                   .filter(Q(pk__gt=after) | Q(fetched_at__isnull=True)).order_by("pk"))
        rows = list(waiting[:PER_PAGE + 1])
        more, rows = len(rows) > PER_PAGE, rows[:PER_PAGE]
        items: list[InboundItem] = []
        read: list[int] = []
        last = after
        for row in rows:
            try:
                item = self.read(row)
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    if not read or error.kind is ErrorKind.RECONNECT:
                        raise
                    more = False  # this one and the rest wait for the next poll (and its back-off)
                    break
                item = None  # Meta no longer shows it: dropped
            read.append(row.pk)
            last = max(last, row.pk)
            if item is not None:
                items.append(item)
        now = timezone.now()
        if read:
            Mention.objects.filter(pk__in=read).update(fetched_at=now)
        Mention.objects.filter(account_id=self.account.pk, fetched_at__lt=now - KEEP).delete()
        return InboxPage(items, str(last) if last else cursor, more=more)

    def read(self, row: Mention) -> InboundItem | None:
        if row.comment_id:
            answer = self.client.get(self.ig_id, fields=f"mentioned_comment.comment_id({row.comment_id})"
                                                        f"{{{COMMENT_FIELDS}}}")
            return comment_item(answer.get("mentioned_comment"), row)
        answer = self.client.get(self.ig_id, fields=f"mentioned_media.media_id({row.media_id}){{{MEDIA_FIELDS}}}")
        return media_item(answer.get("mentioned_media"), row)

    def refresh(self, remote_ids: Sequence[str]) -> tuple[dict[str, InboundItem | None], list[str]]:
        """Read again the items among `remote_ids` that are mentions (a mention's media or
        comment is not readable by its own id with the account's token); returns them
        and the ids that are not mentions."""
        if self.account.pk is None:
            return {}, list(remote_ids)  # an account never saved has no stored mentions
        ids = set(remote_ids)
        rows = {row.remote_id: row for row in Mention.objects.filter(account_id=self.account.pk).filter(
            Q(comment_id__in=ids) | Q(comment_id="", media_id__in=ids))}
        found: dict[str, InboundItem | None] = {}
        for remote_id, row in rows.items():
            try:
                found[remote_id] = self.read(row)
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    raise
                found[remote_id] = None  # deleted, or no longer ours to see
        return found, [r for r in remote_ids if r not in rows]


def _author(raw: dict[str, Any]) -> RemoteAuthor:
    username = clean_text(raw.get("username"))
    return RemoteAuthor(key=username, remote_id=username, handle=f"@{username}",
                        url=f"https://www.instagram.com/{username}/" if username else "")


def media_item(raw: Any, row: Mention) -> InboundItem | None:
    """A caption that mentions the account: the item is the media itself."""
    if not isinstance(raw, dict):
        return None
    created = graph_time(raw.get("timestamp")) or row.received_at
    return InboundItem(
        remote_id=row.media_id, kind=ItemKind.MENTION, author=_author(raw), text=clean_text(raw.get("caption")),
        created_at=created, thread_key=row.media_id, url=str(raw.get("permalink") or ""), root_id=row.media_id,
        extra={"mention": "caption", "media_type": str(raw.get("media_type") or "")})


def comment_item(raw: Any, row: Mention) -> InboundItem | None:
    """A comment (on someone else's media) that mentions the account, in the media's thread."""
    if not isinstance(raw, dict):
        return None
    media: dict[str, Any] = raw["media"] if isinstance(raw.get("media"), dict) else {}
    media_id = str(media.get("id") or row.media_id)
    created = graph_time(raw.get("timestamp")) or row.received_at
    return InboundItem(
        remote_id=row.comment_id, kind=ItemKind.MENTION, author=_author(raw), text=clean_text(raw.get("text")),
        created_at=created, thread_key=media_id, url=str(media.get("permalink") or ""), root_id=media_id,
        extra={"mention": "comment", "media_id": media_id})


def _read_cursor(cursor: str | None) -> int:
    try:
        return max(0, int(cursor or 0))
    except ValueError:
        return 0

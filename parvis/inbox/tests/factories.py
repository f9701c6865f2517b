"""Building inbox items for tests through the real way in (`ingest.store`)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from parvis.inbox.ingest import Stored, store
from parvis.inbox.models import Item
from parvis.networks.base import InboundItem, ItemKind, RemoteAuthor
from parvis.networks.models import SocialAccount

_ids = itertools.count(1)


def author(name: str = "Camille Martin", handle: str = "camille@example.social", **extra: Any) -> RemoteAuthor:
    return RemoteAuthor(key=handle, remote_id=extra.pop("remote_id", handle), handle=handle, display_name=name,
                        url=f"https://example.social/@{handle.split('@')[0]}", **extra)


def inbound(text: str, *, kind: ItemKind = ItemKind.REPLY, by: RemoteAuthor | None = None,
            thread: str | None = None, remote_id: str | None = None, at: datetime | None = None,
            in_reply_to: str | None = "our-post-1", private: bool = False, **extra: Any) -> InboundItem:
    remote_id = remote_id or f"item-{next(_ids)}"
    root = thread or in_reply_to or remote_id
    return InboundItem(
        remote_id=remote_id, kind=kind, author=by or author(), text=text, created_at=at or timezone.now(),
        thread_key=root, url=f"https://example.social/s/{remote_id}", in_reply_to_id=in_reply_to, root_id=root,
        private=private, extra=extra,
    )


def seed(account: SocialAccount, texts: list[str], *, start: datetime | None = None, **kwargs: Any) -> list[Item]:
    """Store one item per text, a minute apart (oldest first), and return them newest first
    as the inbox lists them."""
    start = start or timezone.now() - timedelta(minutes=len(texts))
    stored: Stored = store(account, [inbound(text, at=start + timedelta(minutes=n), **kwargs)
                                     for n, text in enumerate(texts)])
    return sorted(stored.created, key=lambda item: (item.created_at, item.pk), reverse=True)

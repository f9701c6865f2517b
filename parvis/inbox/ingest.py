"""Storing what the networks bring: authors, threads and items, each exactly once.

`store` is the one way in. It is idempotent (the same items twice change nothing), safe
when two polls of one account overlap (a private message comes both as a notification
and in its conversation: the unique constraint decides, the loser re-reads), and it
batches everything (a handful of queries per page, whatever the page size), because a
busy brand's backlog can be thousands of items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from parvis.inbox.models import ADDRESSED_KINDS, Author, Item, Kind, Status, Thread
from parvis.inbox.search import normalise
from parvis.networks.base import InboundItem, RemoteAuthor
from parvis.networks.models import SocialAccount

Analyser = Callable[[list[Item]], None]


@dataclass
class Stored:
    created: list[Item] = field(default_factory=list)  # new items (addressed and context)
    edited: list[Item] = field(default_factory=list)  # items whose text changed on the network
    new_threads: list[Thread] = field(default_factory=list)

    @property
    def new_in_inbox(self) -> list[Item]:
        return [item for item in self.created if item.in_inbox]


def search_text_for(text: str, author: RemoteAuthor | Author) -> str:
    return normalise(" ".join((text, author.display_name, author.handle)))


def store(account: SocialAccount, inbound: Sequence[InboundItem], *, analyser: Analyser | None = None,
          now: datetime | None = None) -> Stored:
    """Upsert `inbound` for `account`. New and edited items addressed to the brand are
    analysed (language, sentiment, flags) before they are written."""
    now = now or timezone.now()
    latest = {entry.remote_id: entry for entry in inbound}  # a page may repeat an item
    if not latest:
        return Stored()
    analyser = analyser if analyser is not None else _default_analyser()
    with transaction.atomic():
        authors = _authors(account, [entry.author for entry in latest.values()], now)
        threads, new_threads = _threads(account, list(latest.values()))
        stored = _items(account, latest, authors, threads, analyser, now)
        _touch_threads([t.pk for t in threads.values()])
    stored.new_threads = new_threads
    return stored


def _default_analyser() -> Analyser:
    from parvis.inbox.analysis import analyse_items

    return analyse_items


PROFILE_FIELDS = ("remote_id", "handle", "display_name", "url", "avatar_url", "bio", "followers")


def _authors(account: SocialAccount, seen: list[RemoteAuthor], now: datetime) -> dict[str, Author]:
    by_key = {author.key: author for author in seen}
    existing = {a.key: a for a in Author.objects.filter(
        workspace_id=account.workspace_id, network=account.network, key__in=list(by_key))}
    missing = [
        Author(workspace_id=account.workspace_id, network=account.network, key=key, remote_id=r.remote_id,
               handle=r.handle[:300], display_name=r.display_name[:300], url=r.url[:500],
               avatar_url=r.avatar_url[:500], bio=r.bio, followers=r.followers, first_seen_at=now, last_seen_at=now)
        for key, r in by_key.items() if key not in existing
    ]
    if missing:
        Author.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update({a.key: a for a in Author.objects.filter(
            workspace_id=account.workspace_id, network=account.network, key__in=[a.key for a in missing])})
    changed = []
    for key, remote in by_key.items():
        author = existing[key]
        fresh = {"remote_id": remote.remote_id, "handle": remote.handle[:300],
                 "display_name": remote.display_name[:300], "url": remote.url[:500],
                 "avatar_url": remote.avatar_url[:500], "bio": remote.bio or author.bio,
                 "followers": remote.followers if remote.followers is not None else author.followers}
        if any(getattr(author, name) != value for name, value in fresh.items()):
            for name, value in fresh.items():
                setattr(author, name, value)
            changed.append(author)
    if changed:  # rare (a new name or avatar): bulk_update builds a CASE per row and field
        Author.objects.bulk_update(changed, list(PROFILE_FIELDS))
    Author.objects.filter(pk__in=[a.pk for a in existing.values()], last_seen_at__lt=now).update(last_seen_at=now)
    return existing


def _threads(account: SocialAccount, entries: list[InboundItem]) -> tuple[dict[str, Thread], list[Thread]]:
    newest: dict[str, InboundItem] = {}
    for entry in entries:
        if entry.thread_key not in newest or entry.created_at > newest[entry.thread_key].created_at:
            newest[entry.thread_key] = entry
    existing = {t.key: t for t in Thread.objects.filter(account=account, key__in=list(newest))}
    missing = [
        Thread(workspace_id=account.workspace_id, account=account, key=key, private=entry.private,
               root_remote_id=entry.root_id or entry.remote_id, last_item_at=entry.created_at)
        for key, entry in newest.items() if key not in existing
    ]
    created: list[Thread] = []
    if missing:
        Thread.objects.bulk_create(missing, ignore_conflicts=True)
        fetched = {t.key: t for t in Thread.objects.filter(account=account, key__in=[t.key for t in missing])}
        created = list(fetched.values())
        existing.update(fetched)
    return existing, created


def _touch_threads(ids: list[int]) -> None:
    """Each thread's newest item time, in one statement for the whole page."""
    newest = Item.objects.filter(thread=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    Thread.objects.filter(pk__in=ids).update(last_item_at=Subquery(newest))


def _items(account: SocialAccount, latest: dict[str, InboundItem], authors: dict[str, Author],
           threads: dict[str, Thread], analyser: Analyser, now: datetime) -> Stored:
    stored = Stored()
    # No ORDER BY (the model's default): with it, SQLite prefers the index that gives the
    # order and scans the account's items instead of looking each one up (12 ms → 0.2 ms
    # a page at 30,000 items).
    existing = {i.remote_id: i for i in
                Item.objects.filter(account=account, remote_id__in=list(latest)).order_by()}
    fresh: list[Item] = []
    for remote_id, entry in latest.items():
        item = existing.get(remote_id)
        if item is None:
            fresh.append(_new_item(account, entry, authors[entry.author.key], threads[entry.thread_key], now))
        elif _apply_update(item, entry, authors[entry.author.key]):
            stored.edited.append(item)
    to_analyse = [item for item in (*fresh, *stored.edited) if item.in_inbox]
    if to_analyse:
        analyser(to_analyse)
    if fresh:
        stored.created = _insert(account, fresh, now)
    if stored.edited:
        Item.objects.bulk_update(stored.edited, UPDATED_FIELDS)
    return stored


def _insert(account: SocialAccount, fresh: list[Item], now: datetime) -> list[Item]:
    """Insert new items and return those this call created, with their primary keys.

    Usually one plain INSERT (which gives the keys back). If another poll of the same
    account stored some of them meanwhile (a private message comes through two streams),
    the unique constraint refuses it: then insert what is still missing, ignoring
    conflicts, and read back which rows are ours."""
    try:
        with transaction.atomic():
            return Item.objects.bulk_create(fresh)
    except IntegrityError:
        Item.objects.bulk_create(fresh, ignore_conflicts=True)
        mine = [item.remote_id for item in fresh]
        return list(Item.objects.filter(account=account, remote_id__in=mine, received_at=now).order_by())


UPDATED_FIELDS = [
    "text", "search_text", "edited_at", "deleted_at", "kind", "in_inbox", "status", "url", "extra",
    "language", "sentiment", "sentiment_score", "toxic", "toxic_score", "spam", "spam_score", "analysed_with",
]


def _new_item(account: SocialAccount, entry: InboundItem, author: Author, thread: Thread, now: datetime) -> Item:
    addressed = entry.kind in ADDRESSED_KINDS
    return Item(
        workspace_id=account.workspace_id, account=account, thread=thread, author=author,
        network=account.network, remote_id=entry.remote_id, kind=entry.kind.value, in_inbox=addressed,
        private=entry.private, text=entry.text, search_text=search_text_for(entry.text, entry.author),
        url=entry.url[:500], created_at=entry.created_at, received_at=now, edited_at=entry.edited_at,
        in_reply_to_remote_id=entry.in_reply_to_id or "", root_remote_id=entry.root_id or "",
        extra=entry.extra, language=(entry.language or "")[:8],
        status=Status.OPEN if addressed else Status.DONE,
    )


def _apply_update(item: Item, entry: InboundItem, author: Author) -> bool:
    """Bring a stored item up to date; True if anything a person would see changed.

    An item seen first as thread context and later addressed to us (a mention that was
    someone's earlier reply) joins the inbox; an addressed item never leaves it because
    a later context fetch sees it again."""
    changed = False
    if entry.text != item.text:
        item.text, changed = entry.text, True
        item.search_text = search_text_for(entry.text, author)
        item.edited_at = entry.edited_at or timezone.now()
    elif entry.edited_at and entry.edited_at != item.edited_at:
        item.edited_at, changed = entry.edited_at, True
    if entry.kind in ADDRESSED_KINDS and not item.in_inbox and item.kind == Kind.CONTEXT:
        item.kind, item.in_inbox, item.status, changed = entry.kind.value, True, Status.OPEN, True
    if item.deleted_at is not None:  # seen again: it was not deleted after all
        item.deleted_at, changed = None, True
    return changed


def apply_refresh(items: Sequence[Item], found: dict[str, InboundItem | None], analyser: Analyser | None = None,
                  now: datetime | None = None) -> tuple[int, int]:
    """Reflect edits and deletions read back from the network; returns (edited, deleted)."""
    now = now or timezone.now()
    analyser = analyser if analyser is not None else _default_analyser()
    edited, deleted, touched = [], [], []
    for item in items:
        current = found.get(item.remote_id)
        item.refreshed_at = now
        touched.append(item)
        if current is None:
            if item.deleted_at is None:
                item.deleted_at = now
                deleted.append(item)
        elif current.text != item.text or (current.edited_at and current.edited_at != item.edited_at):
            item.text = current.text
            item.search_text = search_text_for(current.text, item.author)
            item.edited_at = current.edited_at or now
            item.deleted_at = None
            edited.append(item)
    analysable = [item for item in edited if item.in_inbox]
    if analysable:
        analyser(analysable)
    changed = edited + deleted
    if changed:
        Item.objects.bulk_update(changed, UPDATED_FIELDS)
    if touched:
        Item.objects.filter(pk__in=[item.pk for item in touched]).update(refreshed_at=now)
    return len(edited), len(deleted)


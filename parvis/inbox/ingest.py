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
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from parvis.inbox import events, planner
from parvis.inbox.models import ADDRESSED_KINDS, Author, Item, Kind, Status, Thread
from parvis.inbox.search import normalise
from parvis.networks.base import InboundItem, RemoteAuthor
from parvis.networks.models import SocialAccount

Analyser = Callable[[list[Item]], None]
_Row = TypeVar("_Row", Author, Thread)


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
        authors, new_authors = _authors(account, [entry.author for entry in latest.values()], now)
        threads, new_threads = _threads(account, list(latest.values()))
        stored = _items(account, latest, authors, threads, analyser, now)
        _touch_threads(threads, stored.created)
        events.received(stored.new_in_inbox)
    stored.new_threads = new_threads
    planner.note_writes(len(stored.created) + new_authors + len(new_threads))
    return stored


def _default_analyser() -> Analyser:
    from parvis.inbox.analysis import analyse_items

    return analyse_items


PROFILE_FIELDS = ("remote_id", "handle", "display_name", "url", "avatar_url", "bio", "followers")


# How fresh an author's last_seen_at is kept: writing it for every page of a busy
# thread would rewrite the same rows (and, on PostgreSQL, their index entries) all day.
SEEN_RESOLUTION = timedelta(hours=1)


def _authors(account: SocialAccount, seen: list[RemoteAuthor], now: datetime) -> tuple[dict[str, Author], int]:
    """The page's authors by key, created or brought up to date; and how many are new."""
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
        existing.update({a.key: a for a in _create(Author, missing, ["workspace", "network", "key"])})
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
    stale = [a.pk for a in existing.values() if a.last_seen_at < now - SEEN_RESOLUTION]
    if stale:
        Author.objects.filter(pk__in=stale).update(last_seen_at=now)
    return existing, len(missing)


def _create(model: type[_Row], rows: list[_Row], unique_fields: list[str]) -> list[_Row]:
    """Insert rows keyed by `key` and return them with their primary keys, in one
    statement. A row a concurrent poll created first is not inserted again: the conflict
    sets its key to itself (changing nothing) so that its primary key comes back too."""
    return model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique_fields, update_fields=["key"])


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
        fetched = {t.key: t for t in _create(Thread, missing, ["account", "key"])}
        created = list(fetched.values())
        existing.update(fetched)
    return existing, created


def _touch_threads(threads: dict[str, Thread], created: list[Item]) -> None:
    """Move each thread's newest-item time forward to the newest of its new items. Items
    are never removed from a thread, so the newest only moves forward; the condition in
    the UPDATE keeps it so when two polls write to one thread at once."""
    newest: dict[int, datetime] = {}
    for item in created:
        if item.thread_id not in newest or item.created_at > newest[item.thread_id]:
            newest[item.thread_id] = item.created_at
    by_pk = {thread.pk: thread for thread in threads.values()}
    later = [(pk, at) for pk, at in newest.items() if pk in by_pk and at > by_pk[pk].last_item_at]
    if not later:
        return
    adapt = connection.ops.adapt_datetimefield_value
    table = Thread._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement: each one is a round trip
            values = ", ".join(["(%s::bigint, %s::timestamptz)"] * len(later))
            cursor.execute(
                f"UPDATE {table} AS t SET last_item_at = v.at FROM (VALUES {values}) AS v(id, at) "  # noqa: S608
                "WHERE t.id = v.id AND t.last_item_at < v.at", [x for pk, at in later for x in (pk, at)])
        else:  # in-process: a prepared statement run per row is as quick
            cursor.executemany(
                f"UPDATE {table} SET last_item_at = %s WHERE id = %s AND last_item_at < %s",  # noqa: S608
                [(adapt(at), pk, adapt(at)) for pk, at in later])
    for pk, at in later:
        by_pk[pk].last_item_at = at


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
            return _insert_items(fresh)
    except IntegrityError:
        Item.objects.bulk_create(fresh, ignore_conflicts=True)
        mine = [item.remote_id for item in fresh]
        return list(Item.objects.filter(account=account, remote_id__in=mine, received_at=now).order_by())


def _insert_items(items: list[Item]) -> list[Item]:
    """What Item.objects.bulk_create does, about twice as fast: Django prepares each of an
    item's 40 values through three method calls, which was half the cost of an insert
    (~80 µs an item, measured). This writes the same columns with the same conversions,
    chosen once per column type, in the statement bulk_create itself uses: a multi-row
    INSERT on SQLite, an INSERT from UNNEST of one array per column on PostgreSQL. The
    tests compare every column with bulk_create's on both."""
    if not items:
        return items
    if connection.vendor not in ("sqlite", "postgresql"):
        return Item.objects.bulk_create(items)
    columns = _item_columns()
    # Only our own table and column names go into the SQL text; values are parameters.
    table = connection.ops.quote_name(Item._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column.name) for column in columns)
    size = len(items) if connection.vendor == "postgresql" else max(
        1, connection.ops.bulk_batch_size([column.name for column in columns], items))
    with connection.cursor() as cursor:
        for start in range(0, len(items), size):
            batch = items[start:start + size]
            rows = [[getattr(item, column.attname) for column in columns] for item in batch]
            for i, column in enumerate(columns):
                if column.convert is not None:
                    for row in rows:
                        row[i] = column.convert(row[i])
            if connection.vendor == "postgresql":
                arrays = ", ".join(f"(%s)::{column.db_type}[]" for column in columns)
                sql = f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays}) RETURNING id"  # noqa: S608
                params: list[Any] = [list(values) for values in zip(*rows, strict=True)]
            else:
                one = "(" + ", ".join(["%s"] * len(columns)) + ")"
                sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))} RETURNING id"  # noqa: S608
                params = [value for values in rows for value in values]
            cursor.execute(sql, params)
            for item, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                item.pk = pk
                item._state.adding, item._state.db = False, connection.alias
    return items


@dataclass(frozen=True)
class _Column:
    attname: str
    name: str
    db_type: str  # without its size: "varchar", not "varchar(500)" (as bulk_create's UNNEST)
    convert: Callable[[Any], Any] | None  # None: the value goes as it is


_COLUMNS: dict[str, list[_Column]] = {}


def _item_columns() -> list[_Column]:
    """The columns an insert writes, with the conversion each needs on this database."""
    if connection.vendor not in _COLUMNS:
        columns = []
        for field in Item._meta.concrete_fields:
            if field.primary_key:
                continue
            convert: Callable[[Any], Any] | None
            if isinstance(field, models.DateTimeField):
                convert = connection.ops.adapt_datetimefield_value
            elif isinstance(field, models.CharField | models.TextField):
                convert = _plain_str  # choices are str enums: store their value
            elif isinstance(field, models.BooleanField | models.IntegerField | models.FloatField | models.ForeignKey):
                convert = None
            else:  # JSON and anything added later: Django's own preparation
                convert = partial(field.get_db_prep_save, connection=connection)
            db_type = str(field.db_type(connection)).split("(")[0]
            columns.append(_Column(field.attname, str(field.column), db_type, convert))
        _COLUMNS[connection.vendor] = columns
    return _COLUMNS[connection.vendor]


def _plain_str(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


UPDATED_FIELDS = [
    "text", "search_text", "edited_at", "deleted_at", "kind", "in_inbox", "status", "url", "extra",
    "language", "sentiment", "sentiment_score", "toxic", "toxic_score", "spam", "spam_score", "analysed_with",
]


def _new_item(account: SocialAccount, entry: InboundItem, author: Author, thread: Thread, now: datetime) -> Item:
    addressed = entry.kind in ADDRESSED_KINDS
    values = {
        "workspace_id": account.workspace_id, "account_id": account.pk, "thread_id": thread.pk,
        "author_id": author.pk, "network": account.network, "remote_id": entry.remote_id, "kind": entry.kind.value,
        "in_inbox": addressed, "private": entry.private, "text": entry.text,
        "search_text": search_text_for(entry.text, entry.author), "url": entry.url[:500],
        "created_at": entry.created_at, "received_at": now, "edited_at": entry.edited_at,
        "in_reply_to_remote_id": entry.in_reply_to_id or "", "root_remote_id": entry.root_id or "",
        "extra": entry.extra, "language": (entry.language or "")[:8],
        "status": Status.OPEN if addressed else Status.DONE,
    }
    # Positional arguments take Model.__init__'s fast path (keywords cost ~20 µs an item
    # over 40 fields); the related objects are then attached so reading them is free.
    fields: list[Any] = [values[name] if name in values else default() for name, default in _item_defaults()]
    # Through Any: django-stubs' plugin checks a positional call against the fields one
    # by one, which a list of values for all of them cannot satisfy.
    item: Item = cast(Any, Item)(*fields)
    item.account, item.thread, item.author = account, thread, author
    return item


_DEFAULTS: list[tuple[str, Callable[[], Any]]] = []


def _item_defaults() -> list[tuple[str, Callable[[], Any]]]:
    """(attribute, default maker) of Item's columns, in Model.__init__'s positional order."""
    if not _DEFAULTS:
        _DEFAULTS.extend((field.attname, field.get_default) for field in Item._meta.concrete_fields)
    return _DEFAULTS


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
    """Reflect edits and deletions read back from the network; returns (edited, deleted).
    An item left out of `found` is one the network could not tell about: it stays as it is."""
    now = now or timezone.now()
    analyser = analyser if analyser is not None else _default_analyser()
    edited, deleted, touched = [], [], []
    for item in items:
        current = found.get(item.remote_id)
        item.refreshed_at = now
        touched.append(item)
        if item.remote_id not in found:
            continue
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


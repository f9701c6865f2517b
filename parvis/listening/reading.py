"""The reading list: what a person sees of their workspace's feeds, for several passes a
day. Unread first (the default view shows only those), newest first, a page at a time
by keyset (marking entries read while reading does not shift the next page), the same
story from several followed sources shown once with "also in …"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from parvis.accounts.models import User, Workspace
from parvis.core.ids import parse_id
from parvis.listening.models import Entry, EntryMark, Source, Subscription
from parvis.listening.search import search
from parvis.listening.store import FUTURE_SLACK

PAGE = 40
SHOWS = ("unread", "all", "saved")


@dataclass
class ReadingFilters:
    show: str = "unread"
    folder: int | None = None
    subscription: int | None = None
    q: str = ""
    before: int | None = None  # the last entry of the page before (keyset)

    @classmethod
    def from_query(cls, query: QueryDict) -> ReadingFilters:
        show = query.get("show", "unread")
        return cls(show=show if show in SHOWS else "unread", folder=parse_id(query.get("folder", "")),
                   subscription=parse_id(query.get("source", "")), q=query.get("q", "").strip()[:200],
                   before=parse_id(query.get("before", "")))

    def as_query(self, **changes: object) -> dict[str, str]:
        values = {"show": self.show, "folder": self.folder, "source": self.subscription, "q": self.q, **changes}
        return {k: str(v) for k, v in values.items() if v not in (None, "", "unread")}


def subscriptions_of(workspace: Workspace, filters: ReadingFilters) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.filter(workspace=workspace)
    if filters.folder:
        subscriptions = subscriptions.filter(folder_id=filters.folder)
    if filters.subscription:
        subscriptions = subscriptions.filter(pk=filters.subscription)
    return subscriptions


def _marks(person: User, workspace: Workspace) -> QuerySet[EntryMark]:
    return EntryMark.objects.filter(person=person, workspace=workspace, entry=OuterRef("pk"))


def entries(person: User, workspace: Workspace, filters: ReadingFilters) -> QuerySet[Entry]:
    """The entries the filters select, each annotated `is_read` and `is_saved`."""
    marks = _marks(person, workspace)
    rows = Entry.objects.filter(source_id__in=subscriptions_of(workspace, filters).values("source_id"))
    rows = rows.annotate(is_read=Exists(marks.filter(read_at__isnull=False)),
                         is_saved=Exists(marks.filter(saved_at__isnull=False)))
    if filters.show == "unread":
        rows = rows.filter(is_read=False)
    elif filters.show == "saved":  # a few entries among many: asked of the marks first
        saved = EntryMark.objects.filter(person=person, workspace=workspace, saved_at__isnull=False)
        rows = rows.filter(pk__in=saved.values("entry_id"))
    if filters.q:
        rows = search(rows, filters.q)
    return rows.order_by("-published_at", "-id")


@dataclass
class Shown:
    entry: Entry
    subscription: Subscription
    also_in: list[Subscription] = field(default_factory=list)
    duplicate_ids: list[int] = field(default_factory=list)


@dataclass
class Page:
    rows: list[Shown]
    next_before: int | None


# The newest entries are looked for in widening windows of time: each followed source's
# recent entries are read from its (source, date) index, rather than every entry of every
# source sorted by date (at 100,000 entries: 75 ms a page, against a few with the window).
WINDOWS = (timedelta(days=2), timedelta(days=14), None)


def page(person: User, workspace: Workspace, filters: ReadingFilters, size: int = PAGE) -> Page:
    rows = entries(person, workspace, filters)
    upper = None
    if filters.before and (last := Entry.objects.filter(pk=filters.before).only("published_at").first()):
        upper = last.published_at
        rows = rows.filter(Q(published_at__lt=last.published_at) | Q(published_at=last.published_at,
                                                                     pk__lt=filters.before))
    anchor = upper or timezone.now() + FUTURE_SLACK
    found: list[Entry] = []
    for window in WINDOWS:
        windowed = rows if window is None else rows.filter(published_at__gte=anchor - window)
        found = list(windowed.select_related("source")[:size + 1])
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    followed = {s.source_id: s for s in Subscription.objects.filter(workspace=workspace).select_related("source")}
    siblings: dict[str, list[Entry]] = {}
    for row in Entry.objects.filter(story__in={e.story for e in found}, source_id__in=list(followed)).only(
            "id", "story", "source_id"):
        siblings.setdefault(row.story, []).append(row)
    shown: list[Shown] = []
    seen: set[str] = set()
    for entry in found:
        if entry.story in seen:
            continue  # the same article from another followed source, shown above
        seen.add(entry.story)
        others = [e for e in siblings.get(entry.story, []) if e.pk != entry.pk]
        shown.append(Shown(entry, followed[entry.source_id],
                           [followed[e.source_id] for e in others if e.source_id != entry.source_id],
                           [e.pk for e in others]))
    return Page(shown, found[-1].pk if more and found else None)


def same_stories(workspace: Workspace, entry_ids: list[int]) -> list[int]:
    """`entry_ids` and the entries of the same stories in the workspace's other sources:
    reading an article once reads it everywhere."""
    followed = Subscription.objects.filter(workspace=workspace).values("source_id")
    stories = Entry.objects.filter(pk__in=entry_ids, source_id__in=followed).values("story")
    return list(Entry.objects.filter(story__in=stories, source_id__in=followed).values_list("pk", flat=True))


def unread_counts(person: User, workspace: Workspace) -> dict[int, int]:
    """Unread entries per subscription (its id): each source's entries less those the
    person read (two grouped counts, whatever the number of entries)."""
    subscriptions = dict(Subscription.objects.filter(workspace=workspace).values_list("source_id", "pk"))
    totals = dict(Entry.objects.filter(source_id__in=list(subscriptions)).values("source_id")
                  .annotate(n=Count("id")).values_list("source_id", "n"))
    read = dict(EntryMark.objects.filter(person=person, workspace=workspace, read_at__isnull=False,
                                         entry__source_id__in=list(subscriptions))
                .values("entry__source_id").annotate(n=Count("id")).values_list("entry__source_id", "n"))
    return {pk: max(0, totals.get(source, 0) - read.get(source, 0)) for source, pk in subscriptions.items()}


def followed_entry(workspace: Workspace, entry_id: object) -> Entry | None:
    """An entry of a source the workspace follows, else None (the same answer for an
    entry that does not exist and one of another workspace's sources)."""
    pk = parse_id(entry_id)
    if pk is None:
        return None
    return Entry.objects.filter(pk=pk, source__subscriptions__workspace=workspace).select_related("source").first()


def paused_sources(workspace: Workspace) -> QuerySet[Source]:
    return Source.objects.filter(subscriptions__workspace=workspace, paused_at__isnull=False)

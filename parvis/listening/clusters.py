"""La veille's stories: what the sources a workspace follows — feeds and the network posts
it watches alike — said in a window of time, near-duplicates grouped into one story
(the same link, or a near-duplicate text: `digests.stories_of`), each with how many
sources carry it and how many of its entries the person has not read.

A page of stories costs three queries whatever the number of entries: the workspace's
subscriptions, the window's entries (the newest `LIMIT` at most, read from the
(source, date) index), and the person's read marks among them.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from parvis.accounts.models import User, Workspace
from parvis.listening.digests import stories_of
from parvis.listening.models import WATCH, Entry, EntryMark, Subscription

LIMIT = 3000  # entries grouped at most (the newest of the window)
STORIES = 100  # stories shown at most
MAX_READ = 500  # entries marked read at once (a story's; a form stays under Django's field limit)
WINDOWS = ("today", "48h", "7d")
DEFAULT_WINDOW = "48h"


@dataclass(frozen=True)
class Item:
    """One entry of a story, as the workspace sees it."""

    entry: Entry
    source: str  # the workspace's title for the source
    network: bool  # a network's post watched by la veille (a feed's article otherwise)
    read: bool


@dataclass(frozen=True)
class Story:
    lead: Item  # the earliest article of a feed, else the earliest entry
    items: list[Item]  # newest first
    sources: int  # distinct sources that carry it
    new: int  # entries the person has not read
    first_seen: datetime
    last_seen: datetime

    @property
    def entry_ids(self) -> list[int]:
        return [item.entry.pk for item in self.items]


def window_start(window: str, person: User, now: datetime) -> datetime:
    """Where a window begins: "today" from midnight in the person's time zone, else 48
    hours or 7 days back. An unknown window is the default one."""
    if window == "today":
        try:
            zone = zoneinfo.ZoneInfo(person.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return now - (timedelta(days=7) if window == "7d" else timedelta(hours=48))


def _lead(items: list[Item]) -> Item:
    articles = [i for i in items if not i.network and i.entry.title] or items
    return min(articles, key=lambda i: (i.entry.published_at, i.entry.pk))


def workspace_stories(workspace: Workspace, person: User, *, since: datetime, until: datetime | None = None,
                      folder: int | None = None, limit: int = LIMIT, stories: int = STORIES) -> list[Story]:
    """The stories the workspace's sources (one folder's, with `folder`) published between
    `since` and `until`, the most covered first, then the newest."""
    until = until or timezone.now()
    followed = Subscription.objects.filter(workspace=workspace).select_related("source")
    if folder is not None:
        followed = followed.filter(folder_id=folder)
    subscriptions = {s.source_id: s for s in followed}
    if not subscriptions:
        return []
    window = {"source_id__in": list(subscriptions), "published_at__gte": since, "published_at__lte": until}
    entries = list(Entry.objects.filter(**window).order_by("-published_at", "-id")
                   .only("id", "source_id", "story", "url", "title", "text", "published_at")[:limit])
    read = set(EntryMark.objects.filter(person=person, workspace=workspace, read_at__isnull=False,
                                        **{f"entry__{k}": v for k, v in window.items()})
               .values_list("entry_id", flat=True))
    found = []
    for group in stories_of(entries):
        items = [Item(e, subscriptions[e.source_id].shown_title, subscriptions[e.source_id].source.kind == WATCH,
                      e.pk in read) for e in group]
        dates = [e.published_at for e in group]
        found.append(Story(lead=_lead(items), items=items, sources=len({e.source_id for e in group}),
                           new=sum(not i.read for i in items), first_seen=min(dates), last_seen=max(dates)))
    found.sort(key=lambda s: (-s.sources, -s.last_seen.timestamp(), -s.lead.entry.pk))
    return found[:stories]


def followed_entry_ids(workspace: Workspace, ids: list[int]) -> list[int]:
    """Of `ids`, those of entries of sources the workspace follows (others are ignored:
    the same answer for a missing entry and another workspace's)."""
    followed = Subscription.objects.filter(workspace=workspace).values("source_id")
    return list(Entry.objects.filter(pk__in=ids[:MAX_READ], source_id__in=followed).values_list("pk", flat=True))

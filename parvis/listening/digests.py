"""La veille's digest: per person and workspace, at the local times they chose, what is new
since the last one — the stories most covered by the feeds followed, what each monitor
found — in the app and, if they want, by email.

The sweep claims a schedule with a conditional UPDATE of `last_sent_at` (a digest is made
once even with two workers), then builds and stores the digest and sends the email; a
crash before the email leaves the digest in the app, marked not emailed.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parvis.accounts.links import absolute_url
from parvis.accounts.models import User, Workspace
from parvis.listening.competitors import moves as competitor_moves
from parvis.listening.models import (
    Competitor,
    CompetitorPost,
    Digest,
    DigestSchedule,
    Entry,
    EntryMark,
    Hit,
    Monitor,
    Subscription,
)
from parvis.listening.stories import StoryIndex, fingerprint

log = logging.getLogger(__name__)
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_TIMES = 6
FIRST_SINCE = timedelta(days=1)  # the first digest looks back a day
STORIES = 10
HITS_PER_MONITOR = 3


class DigestError(ValueError):
    """A schedule that cannot be saved; the message names the field, for people."""


def parse_times(raw: str | list[str]) -> list[str]:
    """"07:30, 13:00" (or a list) as sorted "HH:MM" strings; DigestError if one is not a time."""
    parts = raw if isinstance(raw, list) else re.split(r"[,;\s]+", raw)
    times: set[str] = set()
    for part in (p.strip() for p in parts if p and p.strip()):
        match = TIME.match(part.replace("h", ":").replace("H", ":"))
        if not match:
            raise DigestError(_("Times: “%(value)s” is not a time (write 07:30).") % {"value": part})
        times.add(f"{int(match[1]):02d}:{match[2]}")
    if len(times) > MAX_TIMES:
        raise DigestError(_("Times: at most %(n)d a day.") % {"n": MAX_TIMES})
    return sorted(times)


def save_schedule(person: User, workspace: Workspace, times: str | list[str], by_email: bool,
                  active: bool = True, now: datetime | None = None) -> DigestSchedule:
    """A new schedule starts counting now: its first digest comes at the next time
    chosen (and gathers the last day), not at once for a time already gone by."""
    schedule, _created = DigestSchedule.objects.update_or_create(
        person=person, workspace=workspace,
        defaults={"times": parse_times(times), "by_email": by_email, "active": active},
        create_defaults={"times": parse_times(times), "by_email": by_email, "active": active,
                         "last_sent_at": now or timezone.now()})
    return schedule


def _zone(person: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def last_time_due(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """The latest of the schedule's local times at or before `now` (today's or
    yesterday's), as an aware datetime; None without times."""
    zone = _zone(schedule.person)
    local = now.astimezone(zone)
    best = None
    for day in (local.date(), local.date() - timedelta(days=1)):
        for text in schedule.times:
            hour, minute = (int(x) for x in text.split(":"))
            at = datetime.combine(day, time(hour, minute), tzinfo=zone)
            if at <= local and (best is None or at > best):
                best = at
    return best


def is_due(schedule: DigestSchedule, now: datetime) -> bool:
    due = last_time_due(schedule, now)
    return due is not None and (schedule.last_sent_at is None or schedule.last_sent_at < due)


# -- what goes in --------------------------------------------------------------------------------

@dataclass
class Content:
    stories: list[dict[str, Any]] = field(default_factory=list)  # {"entry": id, "sources": n, "unread": n}
    monitors: list[dict[str, Any]] = field(default_factory=list)  # {"monitor": id, "count": n, "hits": [ids]}
    competitors: list[dict[str, Any]] = field(default_factory=list)  # {"competitor": id, "posts": n, "top": id}

    def as_json(self) -> dict[str, Any]:
        return {"stories": self.stories, "monitors": self.monitors, "competitors": self.competitors}

    @property
    def empty(self) -> bool:
        return not self.stories and not self.monitors and not self.competitors


def build(person: User, workspace: Workspace, since: datetime, now: datetime) -> Content:
    """The stories new since `since` that the most followed sources carry (unread by
    the person first), and each monitor's hits since then."""
    followed = Subscription.objects.filter(workspace=workspace).values("source_id")
    read = EntryMark.objects.filter(person=person, workspace=workspace, entry=OuterRef("pk"),
                                    read_at__isnull=False)
    new = (Entry.objects.filter(source_id__in=followed, fetched_at__gt=since, fetched_at__lte=now)
           .annotate(is_read=Exists(read)).only("id", "story", "source_id", "published_at", "title", "text"))
    ranked = sorted(stories_of(list(new.order_by("-published_at")[:2000])), key=_rank)
    content = Content(stories=[{"entry": group[0].pk, "sources": len({e.source_id for e in group}),
                                "unread": sum(not getattr(e, "is_read", False) for e in group)}
                               for group in ranked[:STORIES]])
    hits = Hit.objects.filter(monitor__workspace=workspace, monitor__active=True, found_at__gt=since,
                              found_at__lte=now)
    for row in hits.values("monitor_id").annotate(n=Count("id")).order_by("-n"):
        newest = list(hits.filter(monitor_id=row["monitor_id"]).order_by("-published_at")
                      .values_list("pk", flat=True)[:HITS_PER_MONITOR])
        content.monitors.append({"monitor": row["monitor_id"], "count": row["n"], "hits": newest})
    content.competitors = competitor_moves(workspace, since, now)
    return content


def stories_of(entries: list[Entry]) -> list[list[Entry]]:
    """`entries` grouped into stories, newest first in each: the same link (without
    tracking parameters) from several feeds, or near-duplicate texts (stories.py)."""
    parent = {e.pk: e.pk for e in entries}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    by_link: dict[str, int] = {}
    index: StoryIndex[int] = StoryIndex()
    for entry in sorted(entries, key=lambda e: e.published_at):
        near = index.add(entry.pk, fingerprint(entry.title, entry.text), entry.published_at)
        for other in (near, by_link.setdefault(entry.story, entry.pk)):
            parent[root(entry.pk)] = root(other)
    groups: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:  # newest first
        groups[root(entry.pk)].append(entry)
    return list(groups.values())


def _rank(group: list[Entry]) -> tuple[bool, int, float]:
    """Unread stories first, then the most covered, then the newest."""
    read = all(getattr(e, "is_read", False) for e in group)  # annotated by the query
    return read, -len({e.source_id for e in group}), -group[0].published_at.timestamp()


# -- sending -----------------------------------------------------------------------------------------

def claim(schedule: DigestSchedule, now: datetime) -> bool:
    """Take this due schedule for this run (another worker that read it too gets False)."""
    return bool(DigestSchedule.objects.filter(pk=schedule.pk, last_sent_at=schedule.last_sent_at)
                .update(last_sent_at=now))


def make(schedule: DigestSchedule, now: datetime) -> Digest | None:
    """Build, store and email one due digest (None when another worker took it). A digest
    with nothing new is stored (the page says so) but not emailed."""
    first = not Digest.objects.filter(person=schedule.person, workspace=schedule.workspace).exists()
    since = now - FIRST_SINCE if first or schedule.last_sent_at is None else schedule.last_sent_at
    if not claim(schedule, now):
        return None
    content = build(schedule.person, schedule.workspace, since, now)
    digest = Digest.objects.create(person=schedule.person, workspace=schedule.workspace, since=since, made_at=now,
                                   content=content.as_json())
    if schedule.by_email and not content.empty:
        send(digest)
    return digest


def due_schedules(now: datetime) -> list[int]:
    """The ids of the schedules whose time has come (the job claims each one)."""
    return [s.pk for s in DigestSchedule.objects.filter(active=True).select_related("person")
            if s.times and is_due(s, now)]


def make_due(schedule_id: int, now: datetime | None = None) -> Digest | None:
    now = now or timezone.now()
    schedule = DigestSchedule.objects.filter(pk=schedule_id, active=True).select_related(
        "person", "workspace").first()
    if schedule is None or not is_due(schedule, now):
        return None
    return make(schedule, now)


@dataclass
class Shown:
    """A digest resolved for showing: entries and hits as they are now."""

    digest: Digest
    stories: list[tuple[Entry, int, int]]  # the story's newest entry, its sources, those unread
    monitors: list[tuple[Monitor, int, list[Hit]]]
    competitors: list[tuple[Competitor, int, CompetitorPost | None]] = field(default_factory=list)


def resolve(digest: Digest) -> Shown:
    content = digest.content or {}
    ids = [s["entry"] for s in content.get("stories", [])]
    entries = Entry.objects.select_related("source").in_bulk(ids)
    stories = [(entries[s["entry"]], s["sources"], s.get("unread", 0)) for s in content.get("stories", [])
               if s["entry"] in entries]
    monitor_rows = content.get("monitors", [])
    monitors = Monitor.objects.in_bulk([m["monitor"] for m in monitor_rows])
    hit_ids = [pk for m in monitor_rows for pk in m["hits"]]
    hits = Hit.objects.select_related("entry__source", "item", "item__author").in_bulk(hit_ids)
    shown = [(monitors[m["monitor"]], m["count"], [hits[pk] for pk in m["hits"] if pk in hits])
             for m in monitor_rows if m["monitor"] in monitors]
    moves = content.get("competitors", [])
    rivals = Competitor.objects.in_bulk([m["competitor"] for m in moves])
    tops = CompetitorPost.objects.in_bulk([m["top"] for m in moves])
    moved = [(rivals[m["competitor"]], m["posts"], tops.get(m["top"])) for m in moves if m["competitor"] in rivals]
    return Shown(digest, stories, shown, moved)


def send(digest: Digest) -> None:
    person, workspace = digest.person, digest.workspace
    language = person.language or workspace.language or "fr"
    with translation.override(language), timezone.override(_zone(person)):
        shown = resolve(digest)
        context = {"shown": shown, "workspace": workspace,
                   "page_url": absolute_url(reverse("web:veille_digest", args=[workspace.pk, digest.pk])),
                   "write_url": absolute_url(reverse("web:veille", args=[workspace.pk]))}
        subject = _("La veille · %(workspace)s · %(date)s") % {
            "workspace": workspace.name, "date": timezone.localtime(digest.made_at).strftime("%d/%m %H:%M")}
        text = render_to_string("parvis/veille/digest_email.txt", context)
        html = render_to_string("parvis/veille/digest_email.html", context)
    message = EmailMultiAlternatives(subject, text, None, [person.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError as exc:  # the digest stays in the app; the next one is sent anyway
        log.warning("digest %s not emailed: %s", digest.pk, exc)
        return
    Digest.objects.filter(pk=digest.pk).update(emailed=True)

"""What people do with feeds: follow and unfollow, import and export OPML, mark entries
read or saved. Views and the API call these; they hold no rules of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.listening.feeds.discovery import Found, known_address
from parvis.listening.feeds.opml import Outline, read_opml, write_opml
from parvis.listening.models import FEED, Entry, EntryMark, Folder, Source, Subscription
from parvis.listening.sanitise import plain_text
from parvis.listening.store import store_entries, web_address

MAX_TAGS = 20


def folder_named(workspace: Workspace, name: str) -> Folder | None:
    name = " ".join(name.split())[:100]
    if not name:
        return None
    folder, _created = Folder.objects.get_or_create(workspace=workspace, name=name)
    return folder


def source_for(url: str, kind: str = FEED) -> Source:
    """The one source row for a feed address, shared by every workspace."""
    source, _created = Source.objects.get_or_create(url=url[:2000], defaults={"kind": kind})
    return source


def follow(workspace: Workspace, found: Found, person: User | None, *, folder: str = "", title: str = "",
           now: datetime | None = None) -> tuple[Subscription, bool]:
    """`workspace` follows the feed `found`; (its subscription, whether it is new). What
    discovery read already is stored at once, so the feed is not empty until its first
    scheduled fetch."""
    now = now or timezone.now()
    source = source_for(found.url, found.kind)
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            workspace=workspace, source=source,
            defaults={"title": title[:300], "folder": folder_named(workspace, folder), "created_by": person},
        )
    if found.feed is not None and not source.entries.exists():
        source.title = source.title or plain_text(found.feed.title)[:300]
        source.site_url = source.site_url or web_address(found.feed.link)
        source.save(update_fields=["title", "site_url"])
        store_entries(source, found.feed, now)
    if source.paused_at is None and created and source.last_fetched_at is None:
        Source.objects.filter(pk=source.pk).update(next_fetch_at=now)
    return subscription, created


def unfollow(subscription: Subscription) -> None:
    """The workspace stops following; the source goes when nobody follows it any more
    (its entries with it: they are the feed's, not anyone's work)."""
    source = subscription.source
    subscription.delete()
    if not source.subscriptions.exists():
        source.delete()


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (address, reason)


def import_opml(workspace: Workspace, data: bytes, person: User | None,
                progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Follow every feed of an OPML file, in its folders. Nothing is fetched here: each
    new source is due at once, and the dispatcher fetches them a few per server at a time."""
    outlines = read_opml(data)
    report = ImportReport()
    for done, outline in enumerate(outlines, 1):
        # Only the form is checked here; where the address leads is checked by the
        # guarded HTTP layer at every fetch (a name may resolve elsewhere tomorrow).
        if not web_address(outline.url):
            report.refused.append((outline.url, _("This is not a web address.")))
            continue
        kind = (known_address(outline.url) or (outline.url, FEED))[1]
        try:
            _subscription, created = follow(workspace, Found(outline.url, kind), person,
                                            folder=outline.folder, title=outline.title)
        except IntegrityError:
            created = False
        report.added += created
        report.already += not created
        if progress:
            progress(done, len(outlines))
    return report


def export_opml(workspace: Workspace, now: datetime | None = None) -> bytes:
    subscriptions = Subscription.objects.filter(workspace=workspace).select_related("source", "folder")
    outlines = [Outline(s.source.url, s.shown_title, s.folder.name if s.folder else "", s.source.site_url)
                for s in subscriptions.order_by("folder__position", "folder__name", "title")]
    return write_opml(_("%(workspace)s — parvis feeds") % {"workspace": workspace.name}, outlines,
                      now or timezone.now())


def set_tags(subscription: Subscription, tags: Iterable[str]) -> None:
    clean: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split())[:40]
        if tag and tag.casefold() not in {t.casefold() for t in clean}:
            clean.append(tag)
    subscription.tags = clean[:MAX_TAGS]
    subscription.save(update_fields=["tags"])


# -- read and saved ------------------------------------------------------------------------------

def _marks(person: User, workspace: Workspace, entry_ids: Iterable[int], **values: datetime | None) -> int:
    ids = list(entry_ids)
    existing = set(EntryMark.objects.filter(person=person, workspace=workspace, entry_id__in=ids)
                   .values_list("entry_id", flat=True))
    EntryMark.objects.filter(person=person, workspace=workspace, entry_id__in=existing).update(**values)
    EntryMark.objects.bulk_create(
        [EntryMark(person=person, workspace=workspace, entry_id=pk, **values) for pk in ids if pk not in existing],
        ignore_conflicts=True, batch_size=500,
    )
    return len(ids)


def mark_read(person: User, workspace: Workspace, entry_ids: Iterable[int], read: bool = True) -> int:
    return _marks(person, workspace, entry_ids, read_at=timezone.now() if read else None)


def mark_saved(person: User, workspace: Workspace, entry_ids: Iterable[int], saved: bool = True) -> int:
    return _marks(person, workspace, entry_ids, saved_at=timezone.now() if saved else None)


def mark_read_up_to(person: User, workspace: Workspace, entries: QuerySet[Entry], last: Entry) -> int:
    """Mark read every entry of the list `entries` down to `last` (the list is newest
    first: "up to here" is everything at or above it)."""
    above = entries.filter(published_at__gt=last.published_at) | entries.filter(
        published_at=last.published_at, pk__gte=last.pk)
    return mark_read(person, workspace, above.values_list("pk", flat=True)[:10_000])


def share(person: User, workspace: Workspace, entry: Entry, note: str = "") -> int:
    """Tell the workspace's other members about an article (each as they chose to hear
    of la veille); how many were told."""
    from parvis.accounts.actions import notify
    from parvis.core.texts import Text

    others = [m.user for m in workspace.memberships.select_related("user") if m.user_id != person.pk]
    if not others:
        return 0
    name = person.get_full_name() or person.email
    message = Text.gettext("%(name)s shared “%(title)s”.", name=name, title=entry.title or entry.url)
    if note.strip():
        message = Text.gettext("%(name)s shared “%(title)s”: %(note)s", name=name, title=entry.title or entry.url,
                               note=" ".join(note.split())[:300])
    url = reverse("web:veille", args=[workspace.pk]) + f"?show=all&q={quote(entry.title[:80])}"
    notify(others, workspace, "veille_shared", Text.gettext("An article shared with the team"), message, url)
    return len(others)

"""Watching public posts of a network (a hashtag on an instance the CM chooses): they
become the entries of the watch's source, so that reading, monitors, stories and digests
treat them as they treat feeds. Fetched by the same dispatcher, with the same lease,
schedule, back-off and pause as feeds (fetching.py): only the reading differs, through
the network's PublicReader (parvis.networks.public)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.core.http import check_url, normalise_base_url
from parvis.core.http.errors import GuardError
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import WATCH, Entry, Source, Subscription, Watch
from parvis.listening.store import store_entries
from parvis.networks import registry
from parvis.networks.public import PublicPost


class WatchError(ValueError):
    """A watch that cannot be made; `field` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def networks_for(kind: str) -> list[tuple[str, str]]:
    """(key, label) of the networks whose public posts of this kind can be watched."""
    return [(key, info.label) for key, info in registry.NETWORKS.items()
            if info.public_reader and kind in registry.public_reader(key).kinds]


def watch(workspace: Workspace, person: User | None, network: str, kind: str, instance: str,
          term: str) -> tuple[Subscription, bool]:
    """The workspace follows this network's public posts of `kind` (a hashtag) on
    `instance`; (its subscription, whether new). The watch is shared like a feed."""
    reader = registry.public_reader(network) if network in registry.NETWORKS else None
    if reader is None or kind not in reader.kinds:
        raise WatchError("network", _("This network's public posts cannot be watched."))
    term = " ".join(term.split()).lstrip("#")[:200]
    if not term:
        raise WatchError("term", _("Enter a hashtag."))
    try:
        base = normalise_base_url(instance if "://" in instance else f"https://{instance}")
        check_url(base)
    except GuardError as exc:
        raise WatchError("instance", exc.message) from exc
    except ValueError as exc:  # a malformed address ("http://[::1")
        raise WatchError("instance", _("This is not a web address.")) from exc
    url = reader.page_url(base, kind, term)
    with transaction.atomic():
        source, _created = Source.objects.get_or_create(url=url[:2000], defaults={"kind": WATCH, "title": f"#{term}"})
        try:
            with transaction.atomic():
                Watch.objects.get_or_create(source=source, defaults={
                    "network": network, "kind": kind, "instance_url": base, "term": term})
        except IntegrityError:
            pass  # made at the same moment by another workspace's request
        subscription, created = Subscription.objects.get_or_create(
            workspace=workspace, source=source, defaults={"created_by": person})
    return subscription, created


def _entry(post: PublicPost) -> ParsedEntry:
    name = post.author_name or post.author_handle
    first_line = post.text.strip().split("\n", 1)[0][:120]
    return ParsedEntry(guid=post.remote_id, link=post.url, title=f"{name} : {first_line}" if name else first_line,
                       author=post.author_handle or post.author_name,
                       summary="<p>" + escape(post.text).replace("\n", "<br>") + "</p>",
                       published=post.created_at, language=post.language)


def read(source: Source, now: datetime) -> list[Entry]:
    """Read what is new since the watch's cursor into the source's entries (new ones
    returned). Raises ReadError (the caller schedules, backs off or pauses)."""
    watched = source.watch
    reader = registry.public_reader(watched.network)
    page = reader.read(watched.instance_url, watched.kind, watched.term, watched.cursor)
    new = store_entries(source, ParsedFeed("watch", title=source.title, entries=[_entry(p) for p in page.posts]),
                        now) if page.posts else []
    if page.cursor and page.cursor != watched.cursor:
        Watch.objects.filter(pk=watched.pk).update(cursor=page.cursor[:200])
    if page.retry_after:
        source.next_fetch_at = max(source.next_fetch_at, now + timedelta(seconds=page.retry_after))
    return new

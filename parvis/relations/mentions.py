"""Contacts' posts about a brand, found by the inbox and la veille: each becomes a
`Mention` on the contact's timeline, is checked for the advertising mention the
influencer law asks when the brand gave them something (`gifts.check_mention`), and is
linked to the event whose hashtags it carries. A post missing the mention is told to the
brand's owners and managers once.

The sweep reads what is new since its last pass (a `Cursor` per source): public inbox
items whose author is one of the agency's contacts (by network and key or handle), and
la veille's hits on feed entries whose address is under a contact's blog or profile."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from parvis.core.sweeps import Pace
from parvis.core.texts import Text
from parvis.relations import gifts
from parvis.relations.models import Contact, Cursor, Event, Handle, Mention

BATCH = 2000
TEXT_LIMIT = 5000
FEED = "feed"  # a blog's article, read by la veille (not a network)
EVENT_WINDOW = timedelta(days=7)  # posts about an event: from its start to a week after


def _advance(name: str) -> tuple[Cursor, int]:
    cursor, _made = Cursor.objects.get_or_create(name=name)
    return cursor, cursor.position


# Posts about a brand need not be found within the second: one look a minute spares the
# dispatcher's every pass two cursor reads and two queries.
_looking = Pace(60.0)


def find_contact_posts(now: datetime) -> int:
    """Once a minute: the inbox's and la veille's new finds by the agencies' contacts."""
    if not _looking.take():
        return 0
    return _from_inbox(now) + _from_veille(now)


# -- the inbox ---------------------------------------------------------------------------------------

def _from_inbox(now: datetime) -> int:
    from parvis.inbox.models import Item

    cursor, after = _advance("inbox-items")
    items = list(Item.objects.filter(pk__gt=after).order_by("pk").select_related("author", "workspace")
                 .only("pk", "workspace__organisation_id", "workspace__timezone", "workspace__name", "network",
                       "remote_id", "url", "text", "created_at", "private", "in_inbox", "author__key",
                       "author__handle")[:BATCH])
    if not items:
        return 0
    public = [item for item in items if not item.private and item.in_inbox]
    found = _contacts_of_authors(public)
    made = 0
    for item in public:
        contact_id = found.get((item.workspace.organisation_id, item.network, item.author.key.lower())) or found.get(
            (item.workspace.organisation_id, item.network, item.author.handle.lower()))
        if contact_id:
            made += _record(contact_id, item.workspace, item.network, item.remote_id, item.url, item.text,
                            item.created_at, "inbox", now)
    Cursor.objects.filter(pk=cursor.pk).update(position=items[-1].pk)
    return made


def _contacts_of_authors(items: list[Any]) -> dict[tuple[int, str, str], int]:
    """(organisation, network, key or handle, lower-cased) → contact, for these authors."""
    wanted = Q(pk__in=[])
    for item in items:
        bare = item.author.handle.lstrip("@")
        wanted |= Q(network=item.network) & (Q(key=item.author.key) | Q(handle__iexact=item.author.handle)
                                             | Q(handle__iexact=f"@{item.author.key}") | Q(handle__iexact=bare))
    out: dict[tuple[int, str, str], int] = {}
    if not items:
        return out
    rows = Handle.objects.filter(wanted).values_list("contact__organisation_id", "network", "key", "handle",
                                                     "contact_id")
    for organisation_id, network, key, handle, contact_id in rows:
        for name in {key.lower(), handle.lower(), handle.lstrip("@").lower()} - {""}:
            out.setdefault((organisation_id, network, name), contact_id)
            out.setdefault((organisation_id, network, f"@{name}"), contact_id)
    return out


# -- la veille -----------------------------------------------------------------------------------------

def _prefixes(organisation_ids: set[int]) -> dict[int, list[tuple[str, int]]]:
    """Per organisation, (address prefix, contact) of its contacts' blogs and profiles."""
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for organisation_id, contact_id, website in Contact.objects.filter(
            organisation_id__in=organisation_ids).exclude(website="").values_list("organisation_id", "pk", "website"):
        out[organisation_id].append((_prefix(website), contact_id))
    for organisation_id, contact_id, url in Handle.objects.filter(
            contact__organisation_id__in=organisation_ids).exclude(url="").values_list(
            "contact__organisation_id", "contact_id", "url"):
        out[organisation_id].append((_prefix(url), contact_id))
    return {key: [(p, c) for p, c in value if p] for key, value in out.items()}


def _prefix(address: str) -> str:
    """An address reduced for comparison: host without www, path without its last slash."""
    try:
        parts = urlsplit(address.strip() if "://" in address else f"https://{address.strip()}")
    except ValueError:
        return ""
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else ""


def _from_veille(now: datetime) -> int:
    from parvis.listening.models import Hit

    cursor, after = _advance("veille-hits")
    hits = list(Hit.objects.filter(pk__gt=after, entry__isnull=False).order_by("pk")
                .select_related("entry", "monitor__workspace")[:BATCH])
    if not hits:
        last = Hit.objects.filter(pk__gt=after).order_by("-pk").values_list("pk", flat=True).first()
        if last:
            Cursor.objects.filter(pk=cursor.pk).update(position=last)
        return 0
    prefixes = _prefixes({hit.monitor.workspace.organisation_id for hit in hits})
    made = 0
    for hit in hits:
        entry, workspace = hit.entry, hit.monitor.workspace
        if entry is None:
            continue
        where = _prefix(entry.url)
        for prefix, contact_id in prefixes.get(workspace.organisation_id, []):
            if where == prefix or where.startswith(f"{prefix}/"):
                text = f"{entry.title}\n{entry.text}".strip()
                made += _record(contact_id, workspace, FEED, f"entry:{entry.pk}", entry.url, text,
                                entry.published_at, "veille", now)
                break
    Cursor.objects.filter(pk=cursor.pk).update(position=hits[-1].pk)
    return made


# -- one post ------------------------------------------------------------------------------------------

def _event_of(workspace: Any, text: str, published_at: datetime) -> Event | None:
    from parvis.relations.events import hashtag_list

    folded = text.casefold()
    for event in Event.objects.filter(workspace=workspace, starts_at__lte=published_at,
                                      starts_at__gte=published_at - EVENT_WINDOW).exclude(hashtags=""):
        if any(tag.casefold() in folded for tag in hashtag_list(event)):
            return event
    return None


def _record(contact_id: int, workspace: Any, network: str, remote_id: str, url: str, text: str,
            published_at: datetime, via: str, now: datetime) -> int:
    """Keep the post once (per contact, brand and post), check its mention; 1 when new."""
    text = text[:TEXT_LIMIT]
    try:
        with transaction.atomic():
            mention = Mention.objects.create(
                contact_id=contact_id, workspace=workspace, network=network, remote_id=remote_id[:500],
                url=url[:500], text=text, published_at=published_at, found_via=via, found_at=now,
                event=_event_of(workspace, text, published_at))
    except IntegrityError:  # found already, by the other source or an earlier pass
        return 0
    if gifts.check_mention(mention) == Mention.Disclosure.MISSING:
        _tell_missing(mention)
    return 1


def _tell_missing(mention: Mention) -> None:
    from parvis.accounts.actions import notify, owners_of

    name = Contact.objects.values_list("name", flat=True).get(pk=mention.contact_id)
    notify(owners_of(mention.workspace), mention.workspace, "influencer_mention_missing",
           Text.gettext("%(name)s posted about the brand without the advertising mention", name=name),
           Text.gettext("%(name)s received a benefit from the brand in the past year and posted about it without "
                        "“Publicité” or “Collaboration commerciale” (French law 2023-451). Check the post and ask "
                        "them to add it.", name=name),
           reverse("web:gifts", args=[mention.workspace_id]))

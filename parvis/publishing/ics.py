"""The private calendar feed of a workspace (ICS), so the plan can be followed from any
calendar app. The URL holds a random token of which only a hash is stored; managers
create, regenerate and revoke it, each time in the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from parvis.accounts.actions import absolute_url
from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace, hash_token
from parvis.core.texts import Text
from parvis.publishing.comments import post_path
from parvis.publishing.models import EditorialSettings, Post, PostKind, Publication, State

WINDOW_BACK = timedelta(days=90)
WINDOW_AHEAD = timedelta(days=365)
FEED_STATES = (State.SCHEDULED, State.PUBLISHING, State.PROCESSING, State.TO_CHECK, State.PUBLISHED)
SUMMARY_CHARS = 60
# Calendar apps draw an instant as a line nobody sees: give each post a short slot.
EVENT_LENGTH = timedelta(minutes=15)


@dataclass(frozen=True)
class FeedStatus:
    """What can be said about a feed after it was issued: whether it exists and since
    when, never its address (only a hash of the token is kept)."""

    exists: bool
    created_at: datetime | None


def feed_status(workspace: Workspace) -> FeedStatus:
    editorial = EditorialSettings.of(workspace)
    exists = bool(editorial.ics_token_hash)
    return FeedStatus(exists, editorial.ics_token_created_at if exists else None)


def feed_url(token: str) -> str:
    """The feed's full address for a token just issued (the only time it is known)."""
    return absolute_url(reverse("web:ics_feed", args=[token]))


@transaction.atomic
def issue_feed_token(workspace: Workspace, actor: User) -> str:
    """A new token (shown once); any previous feed URL stops working."""
    token = secrets.token_urlsafe(32)
    editorial = EditorialSettings.of(workspace)
    action = "ics.regenerated" if editorial.ics_token_hash else "ics.created"
    editorial.ics_token_hash = hash_token(token)
    editorial.ics_token_created_at = timezone.now()
    editorial.save(update_fields=["ics_token_hash", "ics_token_created_at"])
    record(workspace, action, actor=actor, target=workspace, summary=Text.gettext("Private calendar feed URL"))
    return token


@transaction.atomic
def revoke_feed_token(workspace: Workspace, actor: User) -> bool:
    editorial = EditorialSettings.of(workspace)
    if not editorial.ics_token_hash:
        return False
    editorial.ics_token_hash = ""
    editorial.ics_token_created_at = None
    editorial.save(update_fields=["ics_token_hash", "ics_token_created_at"])
    record(workspace, "ics.revoked", actor=actor, target=workspace, summary=Text.gettext("Private calendar feed URL"))
    return True


def workspace_for_feed(token: str) -> Workspace | None:
    if not token:
        return None
    return Workspace.objects.filter(editorial__ics_token_hash=hash_token(token)).first()


def _uid_domain() -> str:
    return urlsplit(settings.PARVIS_BASE_URL or "http://parvis.local").hostname or "parvis.local"


def feed_publications(workspace: Workspace, now: datetime) -> list[Publication]:
    return list(Publication.objects.filter(
        post__workspace=workspace, post__kind=PostKind.POST, state__in=FEED_STATES,
        due_at__gte=now - WINDOW_BACK, due_at__lte=now + WINDOW_AHEAD,
    ).select_related("account", "post", "post__campaign").order_by("due_at", "post_id", "pk"))


def build_feed(workspace: Workspace, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    feed = Calendar()
    feed.add("prodid", "-//parvis//calendar feed//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", workspace.name)
    by_post: dict[int, list[Publication]] = {}
    for publication in feed_publications(workspace, now):
        by_post.setdefault(publication.post_id, []).append(publication)
    with translation.override(workspace.language):
        for publications in by_post.values():
            feed.add_component(_event(publications[0].post, publications, now))
    return feed.to_ical()


def _event(post: Post, publications: list[Publication], now: datetime) -> Event:
    start = min(p.due_at for p in publications if p.due_at is not None)
    networks = sorted({p.account.network_label for p in publications})
    first_line = (post.text.strip().splitlines() or [""])[0]
    if len(first_line) > SUMMARY_CHARS:
        first_line = first_line[:SUMMARY_CHARS - 1].rstrip() + "…"
    url = absolute_url(post_path(post))
    event = Event()
    event.add("uid", f"post-{post.pk}@{_uid_domain()}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", start.astimezone(UTC) + EVENT_LENGTH)
    event.add("summary", f"{first_line} · {', '.join(networks)}")
    event.add("description", _description(post, publications, url))
    event.add("url", url)
    if post.campaign is not None:
        event.add("categories", [post.campaign.name])
    return event


def _description(post: Post, publications: list[Publication], url: str) -> str:
    lines = [post.text, "", _("Accounts:")]
    lines += [f"- {p.account.network_label} {p.account.handle}: {p.get_state_display()}" for p in publications]
    if post.campaign is not None:
        lines.append(_("Campaign: %(name)s") % {"name": post.campaign.name})
    lines += ["", url]
    return "\n".join(lines)

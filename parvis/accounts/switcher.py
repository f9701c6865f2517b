"""The workspace switcher: a person's workspaces as they look for them when they have 30
clients, not 3 — the ones they pinned, the ones they opened last, then all by name.

Pinning and visits are kept on the person's `Membership`. A visit is written at most once
every `VISIT_EVERY` per workspace, so that moving between a client's pages costs no
write per page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from parvis.accounts.models import Membership, User, Workspace
from parvis.accounts.scoping import membership_in

VISIT_EVERY = timedelta(minutes=10)
RECENT = 5  # how many recently opened workspaces the switcher lists (besides the pinned ones)


@dataclass
class Switcher:
    everyone: list[Workspace]  # by name
    favourites: list[Workspace] = field(default_factory=list)  # by name
    recent: list[Workspace] = field(default_factory=list)  # last opened first, none pinned, not the current one


def memberships(user: User) -> list[Membership]:
    """The person's memberships with their workspaces (and what every page reads of them:
    the organisation, the editorial settings for the pause banner), by workspace name."""
    return list(Membership.objects.filter(user=user)
                .select_related("workspace", "workspace__organisation", "workspace__editorial")
                .order_by(Lower("workspace__name"), "workspace_id"))


def switcher(members: list[Membership], current_id: int | None) -> Switcher:
    everyone = [m.workspace for m in members]
    favourites = [m.workspace for m in members if m.favourite]
    opened = sorted((m for m in members if m.visited_at and not m.favourite and m.workspace_id != current_id),
                    key=lambda m: m.visited_at or timezone.now(), reverse=True)
    return Switcher(everyone, favourites, [m.workspace for m in opened[:RECENT]])


def note_visit(members: list[Membership], workspace_id: int | None, now: datetime | None = None) -> None:
    """Remember that the person opened `workspace_id` now, unless they did within
    `VISIT_EVERY` (then nothing is written)."""
    now = now or timezone.now()
    member = next((m for m in members if m.workspace_id == workspace_id), None)
    if member is None or (member.visited_at is not None and now - member.visited_at < VISIT_EVERY):
        return
    # Conditional: two tabs opening the workspace at once write once.
    Membership.objects.filter(Q(visited_at__isnull=True) | Q(visited_at__lte=now - VISIT_EVERY),
                              pk=member.pk).update(visited_at=now)
    member.visited_at = now


def set_favourite(user: User, workspace_id: int | str, favourite: bool) -> Membership:
    """Pin (or unpin) one of the person's workspaces; Http404 for any other."""
    member = membership_in(user, workspace_id)
    Membership.objects.filter(pk=member.pk).update(favourite=favourite)
    member.favourite = favourite
    return member

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.switcher import memberships, note_visit, switcher
from parvis.publishing.models import EditorialSettings
from parvis.web.settings_nav import sidebar


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.kwargs.get("workspace_id") if match else None
    current_id = int(current) if current else None
    members = memberships(user)
    workspaces = [m.workspace for m in members]
    note_visit(members, current_id)
    found = switcher(members, current_id)
    unread, inbox_open = user.notifications.filter(read_at__isnull=True).count(), inbox_open_count(workspaces)
    return {
        "nav_workspaces": workspaces,
        "nav_favourites": found.favourites,
        "nav_recent": found.recent,
        "nav_favourite_ids": {w.pk for w in found.favourites},
        "nav_current_workspace": current_id,
        "nav_current": next((w for w in workspaces if w.pk == current_id), None),
        "nav_unread": unread,
        "nav_inbox_open": inbox_open,
        "nav_menu_badge": menu_badge(inbox_open, unread),
        "nav_settings": settings_sidebar(match, members, current_id),
        **paused_banner(user, workspaces, current_id),
    }


def settings_sidebar(match: Any, members: list[Membership], current_id: int | None) -> list[Any]:
    """The settings area's sidebar, on its pages (see `settings_nav`)."""
    membership = next((m for m in members if m.workspace_id == current_id), None)
    if match is None or membership is None:
        return []
    return sidebar(match.url_name or "", membership.workspace_id, membership.role)


INBOX_COUNT_CAP = 999  # past this the badge says "999+": counting 100k rows on every page is waste


def inbox_open_count(workspaces: list[Workspace]) -> str:
    """Open items (not snoozed) across the person's workspaces, for the nav badge."""
    from parvis.inbox.models import Item, Status

    if not workspaces:
        return ""
    waiting = (Item.objects.filter(workspace__in=[w.pk for w in workspaces], in_inbox=True, status=Status.OPEN)
               .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=timezone.now())))
    # No ORDER BY (the model's default): a count needs none, and with it the database sorts
    # every open item before taking the first thousand.
    count = waiting.order_by()[:INBOX_COUNT_CAP + 1].count()
    return f"{INBOX_COUNT_CAP}+" if count > INBOX_COUNT_CAP else (str(count) if count else "")


def menu_badge(inbox_open: str, unread: int) -> str:
    """What the phone's folded menu shows of the badges inside it: their sum ("" for none)."""
    if inbox_open.endswith("+"):
        return inbox_open
    total = int(inbox_open or 0) + unread
    return str(total) if total else ""


def paused_banner(user: Any, workspaces: list[Workspace], current_id: int | None) -> dict[str, Any]:
    """The crisis-pause banner of the workspace being viewed, on every page of it. Taken
    from the person's own workspaces only: never the banner of one they are not in."""
    paused = next((w for w in workspaces if w.pk == current_id and EditorialSettings.of(w).is_paused), None)
    if paused is None:
        return {}
    can_resume = Membership.objects.filter(
        user=user, workspace=paused, role__in=(Role.OWNER, Role.MANAGER)).exists()
    return {"nav_paused": paused, "nav_can_resume": can_resume}

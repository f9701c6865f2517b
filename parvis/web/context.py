from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.scoping import workspaces_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.kwargs.get("workspace_id") if match else None
    workspaces = list(workspaces_for(user))  # type: ignore[arg-type]
    current_id = int(current) if current else None
    return {
        "nav_workspaces": workspaces,
        "nav_current_workspace": current_id,
        "nav_unread": user.notifications.filter(read_at__isnull=True).count(),
        **paused_banner(user, workspaces, current_id),
    }


def paused_banner(user: Any, workspaces: list[Workspace], current_id: int | None) -> dict[str, Any]:
    """The crisis-pause banner of the workspace being viewed, on every page of it. Taken
    from the person's own workspaces only: never the banner of one they are not in."""
    paused = next((w for w in workspaces if w.pk == current_id and w.is_paused), None)
    if paused is None:
        return {}
    can_resume = Membership.objects.filter(
        user=user, workspace=paused, role__in=(Role.OWNER, Role.MANAGER)).exists()
    return {"nav_paused": paused, "nav_can_resume": can_resume}

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parvis.accounts.scoping import workspaces_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.kwargs.get("workspace_id") if match else None
    return {
        "nav_workspaces": list(workspaces_for(user)),  # type: ignore[arg-type]
        "nav_current_workspace": int(current) if current else None,
        "nav_unread": user.notifications.filter(read_at__isnull=True).count(),
    }

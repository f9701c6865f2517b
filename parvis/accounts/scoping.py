"""Tenant-scoped lookups: every page and API call goes through these.

A workspace the person does not belong to answers exactly like one that does not exist
(404), so that ids cannot be probed. A member whose role is too low gets a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.core.ids import parse_id


def workspaces_for(user: User) -> QuerySet[Workspace]:
    if not user.is_authenticated:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user).select_related("organisation")


def membership_in(user: User, workspace_id: int | str) -> Membership:
    try:
        wid = int(workspace_id)
    except (TypeError, ValueError):
        raise Http404 from None
    membership = (
        Membership.objects.select_related("workspace", "workspace__organisation")
        .filter(user=user, workspace_id=wid)
        .first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404
    return membership


def workspace_for(user: User, workspace_id: int | str, min_role: Role = Role.VIEWER) -> Workspace:
    membership = membership_in(user, workspace_id)
    if not membership.at_least(min_role):
        raise PermissionDenied
    return membership.workspace


def member_of(workspace_id: int, user_id: object) -> User | None:
    """A member of this workspace by user id, else None: for anyone else, and for an id
    that names no one, the answer is the same and says nothing about them."""
    uid = parse_id(user_id)
    if uid is None:
        return None
    return User.objects.filter(pk=uid, memberships__workspace_id=workspace_id).first()

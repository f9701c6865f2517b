"""Tenant-scoped lookups: every page and API call goes through these.

A workspace the person does not belong to answers exactly like one that does not exist
(404), so that ids cannot be probed. A member whose role is too low gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.core.ids import parse_id

P = ParamSpec("P")
WebView = Callable[..., HttpResponseBase]


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


def _membership_view(
    min_role: Role, min_role_post: Role | None, view: WebView, passes: Callable[[Membership], object],
) -> WebView:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, workspace_id: int, **kwargs: Any) -> HttpResponseBase:
        membership = membership_in(request.user, workspace_id)  # type: ignore[arg-type]
        needed = min_role_post if min_role_post is not None and request.method == "POST" else min_role
        if not membership.at_least(needed):
            raise PermissionDenied
        return view(request, passes(membership), *args, **kwargs)
    return login_required(wrapped)


def workspace_view(
    min_role: Role = Role.VIEWER, min_role_post: Role | None = None,
) -> Callable[[Callable[Concatenate[AuthedRequest, Workspace, P], HttpResponseBase]], WebView]:
    """For a web view whose URL names a `workspace_id`: signs in whoever is not (as
    `login_required`), answers 404 to a non-member and 403 to a member below `min_role`,
    (or below `min_role_post` for a POST, on a page that reads and writes) and calls the
    view with the workspace instead of its id. Put it nearest the function,
    under `require_POST` and friends, so that a wrong method still answers 405 first."""
    def decorate(view: Callable[Concatenate[AuthedRequest, Workspace, P], HttpResponseBase]) -> WebView:
        return _membership_view(min_role, min_role_post, view, lambda membership: membership.workspace)
    return decorate


def membership_view(
    min_role: Role = Role.VIEWER, min_role_post: Role | None = None,
) -> Callable[[Callable[Concatenate[AuthedRequest, Membership, P], HttpResponseBase]], WebView]:
    """`workspace_view` for a view that also needs the person's role: it gets the
    membership (whose `.workspace` is loaded) instead of the workspace."""
    def decorate(view: Callable[Concatenate[AuthedRequest, Membership, P], HttpResponseBase]) -> WebView:
        return _membership_view(min_role, min_role_post, view, lambda membership: membership)
    return decorate


def member_of(workspace_id: int, user_id: object) -> User | None:
    """A member of this workspace by user id, else None: for anyone else, and for an id
    that names no one, the answer is the same and says nothing about them."""
    uid = parse_id(user_id)
    if uid is None:
        return None
    return User.objects.filter(pk=uid, memberships__workspace_id=workspace_id).first()

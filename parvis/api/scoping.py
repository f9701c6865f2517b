"""Tenant scoping for API views, in one place (the API's side of `accounts/scoping.py`).

`WorkspaceScoped` is for views whose URL names a `workspace_id`: `self.workspace` is that
workspace, looked up once per request with the role the method needs. `ObjectScoped` is
for views whose URL names an object's `pk`: `self.scoped(queryset)` finds it only in the
requester's workspaces. Either way a workspace the requester is not in answers 404, like
one that does not exist, and a role too low answers 403.
"""

from __future__ import annotations

from functools import cached_property
from operator import attrgetter
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedAPIRequest
from parvis.accounts.scoping import workspace_for

M = TypeVar("M", bound=Model)


class WorkspaceScoped(APIView):
    """Reading (GET, HEAD, OPTIONS) needs `min_role_read`, any other method `min_role_write`."""

    request: AuthedAPIRequest  # every API view requires a signed-in user
    min_role_read: Role = Role.VIEWER
    min_role_write: Role = Role.EDITOR

    @cached_property
    def workspace(self) -> Workspace:
        min_role = self.min_role_read if self.request.method in SAFE_METHODS else self.min_role_write
        return workspace_for(self.request.user, self.kwargs["workspace_id"], min_role)


class ObjectScoped(APIView):
    """`workspace_path` leads from the object to its workspace, in queryset notation."""

    request: AuthedAPIRequest
    workspace_path: str = "workspace"

    def scoped(self, queryset: QuerySet[M], min_role: Role = Role.VIEWER, pk: object = None) -> M:
        """The object `pk` (the URL's by default) among `queryset`: 404 unless it is in one of
        the requester's workspaces, 403 when the requester's role there is below `min_role`."""
        user = self.request.user
        mine = queryset.filter(**{f"{self.workspace_path}__memberships__user": user})
        found = get_object_or_404(mine, pk=self.kwargs["pk"] if pk is None else pk)
        workspace_for(user, attrgetter(self.workspace_path.replace("__", ".") + "_id")(found), min_role)
        return found

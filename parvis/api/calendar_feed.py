"""The workspace's private calendar feed (ICS) through the API: whether it exists and
since when, create it, rotate it, revoke it. Managers only, like the web page.

The feed's address holds a token of which only a hash is kept: the address is in the
answer of `create` and `rotate` and nowhere else, ever. The same functions as the web
page do the work (`parvis.publishing.ics`), each change in the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, Workspace
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import UtcDateTimeField
from parvis.api.views import CONFLICT, WRITE_ERRORS, ApiView, Conflict
from parvis.publishing.ics import feed_status, feed_url, issue_feed_token, revoke_feed_token
from parvis.publishing.models import EditorialSettings


class FeedStatusSerializer(serializers.Serializer):
    exists = serializers.BooleanField(read_only=True)
    created_at = UtcDateTimeField(read_only=True, allow_null=True, help_text="When the current address was issued.")


class NewFeedSerializer(FeedStatusSerializer):
    url = serializers.CharField(read_only=True, help_text=(
        "The feed's address. Shown this once: keep it now. Anyone who has it can read the plan."))


def _new_feed(workspace: Workspace, token: str) -> dict[str, object]:
    found = feed_status(workspace)
    return {"exists": found.exists, "created_at": found.created_at, "url": feed_url(token)}


class FeedView(WorkspaceScoped, ApiView):
    serializer_class = FeedStatusSerializer
    pagination_class = None
    min_role_read = min_role_write = Role.MANAGER

    def manage(self, workspace_id: int, *, lock: bool = False) -> Workspace:
        workspace = self.workspace
        if lock:  # two managers creating at once: one gets the address, the other a 409
            return Workspace.objects.select_for_update().get(pk=workspace.pk)
        return workspace


@extend_schema(tags=["workspaces"])
class CalendarFeed(FeedView):
    http_method_names = ["get", "post", "delete", "head", "options"]

    @extend_schema(responses={200: FeedStatusSerializer, **WRITE_ERRORS},
                   description="Whether the workspace has a private calendar feed, and since when. "
                               "Its address is never shown again after it was issued.")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(FeedStatusSerializer(feed_status(self.manage(workspace_id))).data)

    @extend_schema(request=None, responses={201: NewFeedSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Create the feed's address (in this answer only). 409 when one exists: "
                               "rotate it instead.")
    def post(self, request: Request, workspace_id: int) -> Response:
        with transaction.atomic():
            workspace = self.manage(workspace_id, lock=True)
            if EditorialSettings.of(workspace).ics_token_hash:
                raise Conflict("feed", _("This workspace already has a calendar feed: rotate it to get a new "
                                         "address."))
            token = issue_feed_token(workspace, self.user)
        return Response(NewFeedSerializer(_new_feed(workspace, token)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Revoked (or there was none)."),
                                            **WRITE_ERRORS},
                   description="Revoke the feed: its address stops working at once.")
    def delete(self, request: Request, workspace_id: int) -> Response:
        revoke_feed_token(self.manage(workspace_id), self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["workspaces"])
class CalendarFeedRotate(FeedView):
    @extend_schema(operation_id="calendar_feed_rotate", request=None,
                   responses={200: NewFeedSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="A new address (in this answer only); the previous one stops working. "
                               "409 when there is no feed yet: create it.")
    def post(self, request: Request, workspace_id: int) -> Response:
        with transaction.atomic():
            workspace = self.manage(workspace_id, lock=True)
            if not EditorialSettings.of(workspace).ics_token_hash:
                raise Conflict("feed", _("This workspace has no calendar feed yet: create it first."))
            token = issue_feed_token(workspace, self.user)
        return Response(NewFeedSerializer(_new_feed(workspace, token)).data)

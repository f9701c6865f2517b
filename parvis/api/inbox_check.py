""""Check now" through the API: read a workspace's inbox streams at the dispatcher's
next pass rather than at their interval. Any member may ask; at most once per workspace
every PARVIS_INBOX_CHECK_NOW_SECONDS (429 with Retry-After otherwise)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import DetailSerializer
from parvis.api.views import READ_ERRORS, ApiView
from parvis.inbox.check_now import TooSoon, check_now


class CheckTooSoon(APIException):
    """429, with `Retry-After` (DRF's handler sets it from `wait`)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, exc: TooSoon) -> None:
        super().__init__(exc.message)
        self.wait = exc.retry_after


class CheckNowSerializer(serializers.Serializer):
    accounts = serializers.ListField(child=serializers.CharField(), read_only=True,
                                     help_text="Accounts (handles) read at the next pass, within seconds.")
    backing_off = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=(
        "Accounts waiting after an error (a rate limit among them): read at their usual time."))
    reconnect = serializers.ListField(child=serializers.CharField(), read_only=True,
                                      help_text="Accounts that must be reconnected before they can be read.")
    message = serializers.CharField(read_only=True, help_text="What happens, in the caller's language.")


class WorkspaceInboxCheckNow(WorkspaceScoped, ApiView):
    serializer_class = CheckNowSerializer
    min_role_write = Role.VIEWER  # any member may ask

    @extend_schema(tags=["inbox"], operation_id="workspaces_inbox_check_now", request=None, responses={
        202: CheckNowSerializer, **READ_ERRORS,
        429: OpenApiResponse(DetailSerializer, description="Checked less than the allowed interval ago; "
                                                           "`Retry-After` says when to ask again.")},
        description="Read the workspace's accounts' inboxes at the next dispatcher pass (any member).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        try:
            result = check_now(workspace)
        except TooSoon as exc:
            raise CheckTooSoon(exc) from exc
        body = {"accounts": result.accounts, "backing_off": result.backing_off, "reconnect": result.reconnect,
                "message": result.message}
        return Response(CheckNowSerializer(body).data, status=status.HTTP_202_ACCEPTED)

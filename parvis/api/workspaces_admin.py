"""Creating a workspace, changing its settings, disconnecting one of its accounts:
the web's workspace pages, with their roles. Anyone may create a workspace (they own
it); managers change its name, zone and language and disconnect its accounts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.actions import create_own_workspace
from parvis.accounts.models import Role, User, Workspace
from parvis.accounts.scoping import workspace_for
from parvis.api.fields import ZoneField
from parvis.api.scoping import ObjectScoped
from parvis.api.serializers import DetailSerializer, ErrorsSerializer, WorkspaceSerializer
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView, WorkspaceDetail, WorkspaceList
from parvis.networks.actions import disconnect
from parvis.networks.models import SocialAccount


class WorkspaceWriteSerializer(serializers.Serializer):
    """On PATCH every field is optional."""

    name = serializers.CharField(max_length=120, help_text="The brand's name.")
    timezone = ZoneField(required=False, help_text="Posts are planned in it. Default on create: yours.")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False,
                                       help_text="Of its emails and client pages. Default on create: yours, "
                                                 "else French.")


class WorkspaceListCreate(WorkspaceList):
    @extend_schema(tags=["workspaces"], request=WorkspaceWriteSerializer,
                   responses={201: WorkspaceSerializer, 400: ErrorsSerializer, 415: WRITE_ERRORS[415],
                              401: READ_ERRORS[401]},
                   description="Create a workspace, which you own (in your organisation, or a new one).")
    def post(self, request: Request) -> Response:
        body = WorkspaceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user: User = self.user
        workspace = create_own_workspace(user, data["name"].strip(), data.get("timezone", user.timezone),
                                         data.get("language", user.language or "fr"))
        return Response(WorkspaceSerializer(self.get_queryset().get(pk=workspace.pk)).data,
                        status=status.HTTP_201_CREATED)


class WorkspaceDetailUpdate(WorkspaceDetail):
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(tags=["workspaces"], request=WorkspaceWriteSerializer,
                   responses={200: WorkspaceSerializer, **WRITE_ERRORS},
                   description="Change the workspace's name, time zone or language (managers). Fields "
                               "left out keep their value.")
    def patch(self, request: Request, pk: int) -> Response:
        workspace: Workspace = workspace_for(self.user, pk, Role.MANAGER)
        body = WorkspaceWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes: dict[str, Any] = dict(body.validated_data)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        for name, value in changes.items():
            setattr(workspace, name, value)
        workspace.save(update_fields=list(changes))
        return Response(WorkspaceSerializer(self.get_queryset().get(pk=workspace.pk)).data)


@extend_schema(tags=["accounts"])
class AccountDisconnect(ObjectScoped, ApiView):
    queryset = SocialAccount.objects.none()
    http_method_names = ["delete", "options"]

    @extend_schema(operation_id="accounts_disconnect", request=None,
                   responses={204: None, **READ_ERRORS, 403: DetailSerializer},
                   description="Disconnect the account (managers): it is deleted with its credentials "
                               "and its publications (its posts stay), as on the web.")
    def delete(self, request: Request, pk: int) -> Response:
        account = self.scoped(SocialAccount.objects.all(), Role.MANAGER)
        disconnect(account)
        return Response(status=status.HTTP_204_NO_CONTENT)

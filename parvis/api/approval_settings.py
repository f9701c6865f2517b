"""Approval settings and client approvers (managers, as on the web): whether posts need
approval and by whom, the people at the client's company who review posts through their
portal, their links. A portal link goes into an email only: no answer of the API holds
it (only its dates, to see and revoke it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import ClientApprover, PortalLink, Role, Workspace
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, DetailSerializer, IdField, UtcDateTimeField
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.publishing import approvers
from parvis.publishing.models import ApprovalMode, EditorialSettings


class ApprovalSettingsSerializer(serializers.Serializer):
    """On PUT every field is optional: those left out keep their value."""

    requires_approval = serializers.BooleanField(required=False, help_text="Posts need approval to go out.")
    approval_mode = serializers.ChoiceField(choices=ApprovalMode.choices, required=False,
                                            help_text="`any`: one approver is enough; `all`: each named "
                                                      "approver and every client approver must approve.")
    approval_notice_hours = serializers.IntegerField(
        min_value=1, max_value=24 * 14, required=False,
        help_text="Warn this many hours before an unapproved post's time.")
    named_approvers = serializers.ListField(
        child=IdField(), required=False, max_length=100,
        help_text="User ids of the named approvers: managers or owners of the workspace.")


def _settings(workspace: Workspace) -> dict[str, Any]:
    editorial = EditorialSettings.of(workspace)
    return {"requires_approval": editorial.requires_approval, "approval_mode": editorial.approval_mode,
            "approval_notice_hours": editorial.approval_notice_hours,
            "named_approvers": sorted(u.pk for u in approvers.named_members(workspace))}


class PortalLinkSerializer(ApiModelSerializer):
    class Meta:
        model = PortalLink
        fields = ["id", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class ClientApproverSerializer(ApiModelSerializer):
    language = serializers.ChoiceField(choices=[("", "—"), *settings.LANGUAGES], required=False,
                                       allow_blank=True, help_text="Of their emails and portal; empty: "
                                                                   "the workspace's.")
    links = serializers.SerializerMethodField()
    last_link_at = UtcDateTimeField(read_only=True, allow_null=True, help_text="When a link was last sent.")
    last_used_at = UtcDateTimeField(read_only=True, allow_null=True, help_text="When a link was last used.")

    class Meta:
        model = ClientApprover
        fields = ["id", "name", "email", "language", "created_at", "revoked_at", "links", "last_link_at",
                  "last_used_at"]
        read_only_fields = ["id", "created_at", "revoked_at", "links", "last_link_at", "last_used_at"]
        validators: list[Any] = []  # the shared rules check the address, naming the field

    @extend_schema_field(PortalLinkSerializer(many=True))
    def get_links(self, client: ClientApprover) -> list[dict[str, Any]]:
        """Their links that still work, newest first."""
        return PortalLinkSerializer(getattr(client, "valid_links", []), many=True).data  # type: ignore[return-value]


def _client_body(client: ClientApprover) -> dict[str, Any]:
    return ClientApproverSerializer(approvers.clients_with_links(client.workspace).get(pk=client.pk)).data


@extend_schema(tags=["approval"])
class ApprovalSettings(WorkspaceScoped, ApiView):
    serializer_class = ApprovalSettingsSerializer
    min_role_read = min_role_write = Role.MANAGER
    http_method_names = ["get", "put", "head", "options"]

    @extend_schema(responses={200: ApprovalSettingsSerializer, **READ_ERRORS, 403: DetailSerializer},
                   description="Whether posts need approval, and by whom (managers).")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(_settings(self.workspace))

    @extend_schema(request=ApprovalSettingsSerializer, responses={200: ApprovalSettingsSerializer, **WRITE_ERRORS},
                   description="Change the approval settings (managers); fields left out keep their value. "
                               "Kept in the audit log.")
    def put(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ApprovalSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {**_settings(workspace), **body.validated_data}
        eligible = {m.user_id: m for m in workspace.memberships.filter(role__in=approvers.APPROVER_ROLES)}
        unknown = [pk for pk in data["named_approvers"] if pk not in eligible]
        if unknown:
            raise ValidationError({"named_approvers": [
                _("Not a manager or owner of this workspace: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]})
        approvers.update_settings(workspace, self.user, requires_approval=data["requires_approval"],
                                  approval_mode=data["approval_mode"],
                                  approval_notice_hours=data["approval_notice_hours"],
                                  named=[eligible[pk] for pk in data["named_approvers"]])
        workspace.refresh_from_db()
        return Response(_settings(workspace))


@extend_schema(tags=["approval"])
class ClientApproverList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = ClientApproverSerializer
    queryset = ClientApprover.objects.none()
    min_role_read = min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[ClientApprover]:
        return approvers.clients_with_links(self.workspace)

    @extend_schema(responses={200: ClientApproverSerializer(many=True), **READ_ERRORS, 403: DetailSerializer},
                   description="The client approvers, active ones first (managers).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ClientApproverSerializer, responses={201: ClientApproverSerializer, **WRITE_ERRORS},
                   description="Add a client approver (managers) and email them a link to their review "
                               "page. Adding a revoked person's address again brings them back.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ClientApproverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        client = approvers.add_client_approver(workspace, self.user, data["name"], data["email"],
                                               data.get("language", ""))
        return Response(_client_body(client), status=status.HTTP_201_CREATED)


class ClientApproverMixin(ObjectScoped, ApiView):
    serializer_class = ClientApproverSerializer

    def get_client(self) -> ClientApprover:
        return self.scoped(ClientApprover.objects.select_related("workspace"), Role.MANAGER)


@extend_schema(tags=["approval"])
class ClientApproverSendLink(ClientApproverMixin):
    @extend_schema(operation_id="client_approvers_send_link", request=None,
                   responses={200: ClientApproverSerializer, **READ_ERRORS, 403: DetailSerializer, 409: CONFLICT},
                   description="Email the client approver a new link to their review page (managers). "
                               "409 when they were revoked: add them again instead.")
    def post(self, request: Request, pk: int) -> Response:
        client = self.get_client()
        if not client.is_active:
            raise Conflict("client", _("%(name)s was revoked: add them again to send a link.") % {"name": client.name})
        approvers.send_link(client, self.user)
        return Response(_client_body(client))


@extend_schema(tags=["approval"])
class ClientApproverRevoke(ClientApproverMixin):
    @extend_schema(operation_id="client_approvers_revoke", request=None,
                   responses={200: ClientApproverSerializer, **READ_ERRORS, 403: DetailSerializer},
                   description="Revoke the client approver (managers): every link they hold stops working "
                               "and they no longer approve. Revoking a revoked one changes nothing.")
    def post(self, request: Request, pk: int) -> Response:
        client = self.get_client()
        approvers.revoke_client(client, self.user)
        return Response(_client_body(client))


@extend_schema(tags=["approval"])
class PortalLinkRevoke(ObjectScoped, ApiView):
    serializer_class = PortalLinkSerializer
    workspace_path = "approver__workspace"

    @extend_schema(operation_id="portal_links_revoke", request=None,
                   responses={204: None, **READ_ERRORS, 403: DetailSerializer},
                   description="Revoke one review link (managers); the person keeps their other links. "
                               "Revoking a revoked link changes nothing.")
    def post(self, request: Request, pk: int) -> Response:
        link = self.scoped(PortalLink.objects.select_related("approver__workspace"), Role.MANAGER)
        approvers.revoke_link(link, self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

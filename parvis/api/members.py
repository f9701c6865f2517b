"""A workspace's people: its members with their roles, its pending invitations, inviting
someone by email and revoking an invitation. As on the web: every member sees them,
managers and owners invite and revoke, only an owner invites another owner. The
invitation's link goes into the email only: no answer of the API holds it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.actions import invite_member, revoke_invitation
from parvis.accounts.models import Invitation, Membership, Role
from parvis.accounts.scoping import membership_in
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, DetailSerializer
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict


class MemberSerializer(ApiModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "name", "role", "is_named_approver", "created_at"]
        read_only_fields = fields


class InvitationSerializer(ApiModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "invited_by", "created_at", "expires_at"]
        extra_kwargs = {"role": {"required": False}}


@extend_schema(tags=["members"])
class MemberList(WorkspaceScoped, ApiView, generics.ListAPIView):
    """The workspace's members and their roles (any member)."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()

    def get_queryset(self) -> QuerySet[Membership]:
        workspace = self.workspace
        return workspace.memberships.select_related("user").order_by("user__email", "pk")

    @extend_schema(responses={200: MemberSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["members"])
class InvitationList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[Invitation]:
        workspace = self.workspace
        return workspace.invitations.pending().order_by("-created_at", "-pk")

    @extend_schema(responses={200: InvitationSerializer(many=True), **READ_ERRORS},
                   description="Invitations not yet accepted, revoked or expired (any member).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=InvitationSerializer, responses={201: InvitationSerializer, **WRITE_ERRORS},
                   description="Invite someone by email with a role (default `editor`; managers and "
                               "owners; only an owner invites an owner). The link to accept is emailed "
                               "to them, valid 7 days, and is never in an answer.")
    def post(self, request: Request, workspace_id: int) -> Response:
        membership = membership_in(self.user, self.workspace.pk)  # self.workspace: 404, or 403 below manager
        body = InvitationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            invitation = invite_member(membership, data["email"],
                                       data.get("role", Role.EDITOR))
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["members"])
class InvitationDetail(ObjectScoped, ApiView):
    queryset = Invitation.objects.none()
    http_method_names = ["delete", "options"]

    @extend_schema(operation_id="invitations_revoke", request=None,
                   responses={204: None, **READ_ERRORS, 403: DetailSerializer, 409: CONFLICT},
                   description="Revoke an invitation (managers): its link stops working. 409 when it "
                               "was already accepted or revoked.")
    def delete(self, request: Request, pk: int) -> Response:
        invitation = self.scoped(Invitation.objects.select_related("workspace"), Role.MANAGER)
        workspace = invitation.workspace
        if not revoke_invitation(workspace, invitation.pk):
            raise Conflict("invitation", _("This invitation was already accepted or revoked."))
        return Response(status=status.HTTP_204_NO_CONTENT)

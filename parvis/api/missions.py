"""A workspace's mission for a month through the API: what the contract promises per
network and where the month stands (the web's mission page). Any member reads it;
managers change it. The month is the workspace's, written `YYYY-MM`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ErrorsSerializer
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.networks import registry
from parvis.publishing import missions

MONTH = OpenApiParameter("month", OpenApiTypes.STR, OpenApiParameter.PATH,
                         pattern=r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$",
                         description="The month, in the workspace's time zone: `2026-12` (years 1900 to 2999).")


class MissionNetworkSerializer(serializers.Serializer):
    network = serializers.ChoiceField(choices=sorted(registry.NETWORKS), read_only=True)
    # The brand's name, shown as it is. (DRF's metaclass takes declared fields off the
    # class, so this does not clash with `Field.label` at run time; mypy cannot know.)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    promised = serializers.IntegerField(read_only=True)
    planned = serializers.IntegerField(read_only=True, help_text=(
        "Publications of posts due in the month, in any state but cancelled and failed (published included)."))
    published = serializers.IntegerField(read_only=True)
    short_by = serializers.IntegerField(read_only=True, help_text="promised − planned, never below 0.")
    at_risk = serializers.BooleanField(read_only=True, help_text="Short, with the month ending within 7 days.")


class MissionSerializer(serializers.Serializer):
    month = serializers.CharField(read_only=True, help_text="`YYYY-MM`.")
    carried_from = serializers.CharField(read_only=True, allow_null=True, help_text=(
        "`YYYY-MM` of the earlier month whose promises a month still to come carries forward; null when the "
        "month has its own (every month that has begun does)."))
    networks = MissionNetworkSerializer(many=True, read_only=True, help_text=(
        "One per network promised or with posts due in the month."))


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": missions.MAX_PROMISE, "nullable": True})
class PromiseField(serializers.JSONField):
    """Read as it came: `missions.set_promises` checks it and names the network."""


class MissionWriteSerializer(serializers.Serializer):
    # Numbers are checked by `missions.set_promises`, which names each bad one as
    # `promises.<network>`, the same messages as the web page.
    promises = serializers.DictField(child=PromiseField(allow_null=True), allow_empty=True, help_text=(
        "Network → posts promised in the month, a whole number from 0 to 10000; 0 or null removes the "
        "network's promise. Networks left out keep theirs."))


def _answer(workspace: Any, month: date) -> dict[str, Any]:
    now = timezone.now()
    found = missions.month_promises(workspace, month, now)
    return {"month": f"{month:%Y-%m}",
            "carried_from": f"{found.carried_from:%Y-%m}" if found.carried_from else None,
            "networks": MissionNetworkSerializer(missions.progress(workspace, month, now), many=True).data}


@extend_schema(tags=["workspaces"], parameters=[MONTH])
class MissionDetail(WorkspaceScoped, ApiView):
    serializer_class = MissionSerializer
    pagination_class = None
    http_method_names = ["get", "put", "head", "options"]
    min_role_write = Role.MANAGER

    @extend_schema(responses={200: MissionSerializer, 400: ErrorsSerializer, **READ_ERRORS},
                   description="The month's promises per network and its progress. 400 on `month` when it "
                               "is not `YYYY-MM`.")
    def get(self, request: Request, workspace_id: int, month: str) -> Response:
        workspace = self.workspace
        return Response(_answer(workspace, missions.parse_month(month)))

    @extend_schema(request=MissionWriteSerializer, responses={200: MissionSerializer, **WRITE_ERRORS},
                   description="Change the month's promises (managers). The months after it that have not "
                               "begun follow; months that have begun keep theirs.")
    def put(self, request: Request, workspace_id: int, month: str) -> Response:
        workspace = self.workspace
        body = MissionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        parsed = missions.parse_month(month)
        missions.set_promises(workspace, parsed, body.validated_data["promises"], self.user)
        return Response(_answer(workspace, parsed))

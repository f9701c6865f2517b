"""The audit log through the API, for managers (403 otherwise, 404 outside): the entries,
newest first, filtered by action, person and days, page by page; and the same selection
as CSV. Actions, summaries and column names are in the reader's language (the request's
Accept-Language, else the token owner's), as on the web page: both read the log with
`parvis.accounts.audit_log`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts import audit, audit_log
from parvis.accounts.models import AuditEntry, Role, User, Workspace
from parvis.api.fields import DayField, ZoneField, check_range
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, ErrorsSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.publishing.validation import parse_timezone


class AuditFilterSerializer(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=40, help_text=(
        "An action code, like `post.approved` (each entry gives its `action`)."))
    person = IdField(required=False, help_text="Entries by this person (a user id).")
    since = DayField(required=False, help_text="From this day on (in `tz`), included.")
    until = DayField(required=False, help_text="Up to this day (in `tz`), included.")
    tz = ZoneField(required=False, help_text=(
        "The zone days are cut in, and the CSV's times are written in. Default: yours, else the workspace's."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return check_range(attrs)


class AuditEntrySerializer(ApiModelSerializer):
    """Summaries, before and after hold people's own words too (a post's text): escape them."""

    created_at = UtcDateTimeField(read_only=True)
    action_label = serializers.SerializerMethodField()
    target_label = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "client", "actor_label", "action", "action_label", "target_type",
                  "target_label", "target_id", "summary", "before", "after"]
        read_only_fields = fields

    def get_action_label(self, entry: AuditEntry) -> str:
        """The action in the reader's language."""
        return audit.action_label(entry.action)

    def get_target_label(self, entry: AuditEntry) -> str:
        """What the target is, in the reader's language (empty when none)."""
        return audit.target_label(entry.target_type) if entry.target_type else ""

    def get_summary(self, entry: AuditEntry) -> str:
        return audit.shown_field(entry, "summary")

    def get_before(self, entry: AuditEntry) -> str:
        return audit.shown_field(entry, "before")

    def get_after(self, entry: AuditEntry) -> str:
        return audit.shown_field(entry, "after")


class AuditView(WorkspaceScoped, ApiView):
    queryset = AuditEntry.objects.none()
    min_role_read = min_role_write = Role.MANAGER

    def selection(self) -> tuple[Workspace, QuerySet[AuditEntry], ZoneInfo]:
        workspace = self.workspace
        query = AuditFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user: User = self.user
        zone = (parse_timezone(data.get("tz", "")) or parse_timezone(user.timezone)
                or parse_timezone(workspace.timezone) or ZoneInfo("UTC"))
        filters = audit_log.AuditFilters(action=data.get("action", ""), person=data.get("person"),
                                         since=data.get("since"), until=data.get("until"), zone=zone)
        return workspace, audit_log.entries(workspace, filters), zone


@extend_schema(tags=["audit"])
class AuditList(AuditView, generics.ListAPIView):
    serializer_class = AuditEntrySerializer

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return self.selection()[1]

    @extend_schema(parameters=[AuditFilterSerializer],
                   responses={200: AuditEntrySerializer(many=True), 400: ErrorsSerializer, **READ_ERRORS,
                              403: WRITE_ERRORS[403]},
                   description="Who did what, when, newest first (managers).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["audit"])
class AuditExport(AuditView):
    @extend_schema(parameters=[AuditFilterSerializer],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=(
                       "Every entry of the selection, as CSV (UTF-8 with a BOM, for Excel), times in `tz`.")),
                       400: ErrorsSerializer, **READ_ERRORS, 403: WRITE_ERRORS[403]})
    def get(self, request: Request, workspace_id: int) -> Any:
        workspace, found, zone = self.selection()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{audit_log.csv_name(workspace, zone)}"'
        audit_log.write_csv(response, found, zone)
        return response

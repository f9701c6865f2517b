"""Publications by day range, like the calendar: one workspace's, or every workspace of
the requester's at once (the web's all-workspaces calendar). Filters are the calendar's
(`parvis.publishing.plan.PlanFilters`) plus the day range, cut in a time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import User
from parvis.accounts.scoping import workspaces_for
from parvis.api.fields import DayField, ZoneField, check_range
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import (
    ErrorsSerializer,
    IdField,
    PublicationFilterSerializer,
    PublicationSerializer,
)
from parvis.api.views import READ_ERRORS, ApiView
from parvis.publishing.models import ApprovalState, Publication
from parvis.publishing.plan import PlanFilters
from parvis.publishing.validation import parse_timezone


class PublicationRangeSerializer(PublicationFilterSerializer):
    campaign = IdField(required=False, help_text="Publications of posts in this campaign.")
    label = IdField(required=False, help_text="Publications of posts with this label.")  # type: ignore[assignment]
    approval_state = serializers.ChoiceField(choices=ApprovalState.choices, required=False,
                                             help_text="The approval state of their post.")
    since = DayField(required=False, help_text="Due from this day on (in `tz`), included.")
    until = DayField(required=False, help_text="Due up to this day (in `tz`), included.")
    tz = ZoneField(required=False, help_text="The zone days are cut in. Default: the workspace's (for "
                                             "every workspace: yours).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return check_range(attrs)


class AllPublicationRangeSerializer(PublicationRangeSerializer):
    workspace = IdField(required=False, help_text="Only this workspace's (one of yours).")


def _start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def in_range(found: QuerySet[Publication], data: dict[str, Any], zone: ZoneInfo) -> QuerySet[Publication]:
    """The calendar's filters and the days [since, until] in `zone`, in due order."""
    filters = PlanFilters(workspace=data.get("workspace"), account=data.get("account"),
                          campaign=data.get("campaign"), label=data.get("label"), state=data.get("state", ""),
                          approval=data.get("approval_state", ""))
    found = filters.apply(found)
    if data.get("since"):
        found = found.filter(due_at__gte=_start(data["since"], zone))
    if data.get("until"):
        found = found.filter(due_at__lt=_start(data["until"] + timedelta(days=1), zone))
    return found.select_related("account", "post__workspace", "post__workspace__editorial").distinct().order_by(
        "due_at", "pk")


def _zone(data: dict[str, Any], *fallbacks: str) -> ZoneInfo:
    for name in (data.get("tz", ""), *fallbacks):
        zone = parse_timezone(name)
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


@extend_schema(tags=["publications"])
class PublicationList(WorkspaceScoped, ApiView, generics.ListAPIView):
    """A workspace's publications, in due order: its calendar when given `since`/`until`."""

    serializer_class = PublicationSerializer
    queryset = Publication.objects.none()

    def get_queryset(self) -> QuerySet[Publication]:
        workspace = self.workspace
        query = PublicationRangeSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = {**query.validated_data, "workspace": workspace.pk}
        return in_range(Publication.objects.filter(post__workspace=workspace), data,
                        _zone(data, workspace.timezone))

    @extend_schema(parameters=[PublicationRangeSerializer],
                   responses={200: PublicationSerializer(many=True), 400: ErrorsSerializer, **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["publications"])
class AllPublicationList(ApiView, generics.ListAPIView):
    """The publications of every workspace you belong to (and only those), in due order:
    the all-workspaces calendar when given `since`/`until`. A `workspace` you do not belong
    to gives an empty list, like one without publications."""

    serializer_class = PublicationSerializer
    queryset = Publication.objects.none()

    def get_queryset(self) -> QuerySet[Publication]:
        query = AllPublicationRangeSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        user: User = self.user
        found = Publication.objects.filter(post__workspace__in=workspaces_for(user))
        return in_range(found, query.validated_data, _zone(query.validated_data, user.timezone))

    @extend_schema(parameters=[AllPublicationRangeSerializer],
                   responses={200: PublicationSerializer(many=True), 400: ErrorsSerializer,
                              401: READ_ERRORS[401]})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

"""Recurring posts (series) through the API: list a workspace's series, make a scheduled
post repeat by an RFC 5545 rule, read one with its next occurrences, change its rule or
text, stop it.

The same functions as the web pages do the work (`parvis.publishing.recurrence`): the
rule is read in the series' wall-clock time, so "every Monday 09:00" stays 09:00 across
daylight-saving changes. Any member reads; editors and above change (403 otherwise); a
series of another workspace answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, ErrorsSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.publishing import recurrence
from parvis.publishing.models import Post, Series

DEFAULT_OCCURRENCES, MAX_OCCURRENCES = 10, 100
END_HELP = "Give `until` or `count`, not both, and neither when the rule has UNTIL or COUNT."


class SeriesSerializer(ApiModelSerializer):
    text = serializers.CharField(source="template.text", read_only=True, default="",
                                 help_text="The text new occurrences are written with.")
    template = serializers.IntegerField(source="template_id", read_only=True, allow_null=True,
                                        help_text="The post new occurrences copy (text, variants, "
                                                  "accounts, media, labels).")
    starts_at_local = serializers.CharField(read_only=True, help_text=(
        "The first occurrence, wall-clock time in `timezone` (the time of day of every occurrence)."))
    next_at = serializers.SerializerMethodField()

    class Meta:
        model = Series
        fields = ["id", "workspace", "rrule", "until", "count", "timezone", "starts_at_local", "active",
                  "text", "template", "next_at", "created_by", "created_at"]
        read_only_fields = fields

    @extend_schema_field(UtcDateTimeField(allow_null=True, help_text="The next occurrence already planned."))
    def get_next_at(self, series: Series) -> str | None:
        next_at = getattr(series, "next_at", None)
        return UtcDateTimeField().to_representation(next_at) if next_at is not None else None


class OccurrenceSerializer(serializers.Serializer):
    at = UtcDateTimeField(read_only=True)
    at_local = serializers.CharField(read_only=True, help_text="`at` in the series' zone, with its offset.")
    post = serializers.IntegerField(read_only=True, allow_null=True, help_text=(
        "The occurrence's post once planned (posts are planned 60 days ahead), else null."))


class SeriesDetailSerializer(SeriesSerializer):
    occurrences = OccurrenceSerializer(many=True, read_only=True, help_text=(
        "The next occurrences by the rule (none once stopped)."))

    class Meta(SeriesSerializer.Meta):
        fields = [*SeriesSerializer.Meta.fields, "occurrences"]
        read_only_fields = fields


class SeriesCreateSerializer(serializers.Serializer):
    post = IdField(help_text="A scheduled post of this workspace: the first occurrence, whose date, time and "
                             "zone the series keeps.")
    rrule = serializers.CharField(max_length=500, help_text=(
        "An RFC 5545 RRULE, like `FREQ=WEEKLY;BYDAY=MO,TH` (DAILY at most; the time of day is the post's)."))
    until = serializers.DateField(required=False, allow_null=True, help_text="The last day. " + END_HELP)
    count = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000,
                                     help_text="How many times in all. " + END_HELP)


class SeriesEditSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    variants = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=100_000),
                                     required=False, help_text="Text per network key, used instead of `text` there.")
    rrule = serializers.CharField(required=False, max_length=500)
    until = serializers.DateField(required=False, allow_null=True, help_text=END_HELP)
    count = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000,
                                     help_text=END_HELP)


class StopSerializer(serializers.Serializer):
    cancelled = serializers.IntegerField(help_text="Publications still to come that were cancelled.")
    series = SeriesSerializer()


def _occurrences(series: Series, limit: int) -> list[dict[str, Any]]:
    now = timezone.now()
    instants = recurrence.next_instants(series, limit, now)
    posts = dict(series.occurrences.filter(occurrence_at__in=instants).values_list("occurrence_at", "pk"))
    zone = ZoneInfo(series.timezone)
    return [{"at": at, "at_local": at.astimezone(zone).isoformat(), "post": posts.get(at)} for at in instants]


def _end(data: dict[str, Any], series: Series) -> tuple[Any, Any]:
    """The end of an edited series: as given; else none if the new rule says its own; else kept."""
    if "until" in data or "count" in data:
        return data.get("until"), data.get("count")
    if "rrule" in data and any(part in data["rrule"].upper() for part in ("UNTIL=", "COUNT=")):
        return None, None
    return series.until, series.count


class OccurrencesQuery(serializers.Serializer):
    occurrences = serializers.IntegerField(required=False, min_value=0, max_value=MAX_OCCURRENCES,
                                           default=DEFAULT_OCCURRENCES)


@extend_schema(tags=["series"])
class SeriesList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = SeriesSerializer
    queryset = Series.objects.none()

    def get_queryset(self) -> QuerySet[Series]:
        return recurrence.series_of(self.workspace)

    @extend_schema(responses={200: SeriesSerializer(many=True), **READ_ERRORS},
                   description="The workspace's recurring posts, the active ones first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SeriesCreateSerializer, responses={201: SeriesDetailSerializer, **WRITE_ERRORS},
                   description="Make a scheduled post repeat: it becomes the first occurrence; the next "
                               "ones are planned 60 days ahead as ordinary scheduled posts, in the post's "
                               "zone (wall-clock time across daylight-saving changes). Create the post "
                               "first (`POST /workspaces/{id}/posts/`, `mode: schedule`).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = SeriesCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        post = Post.objects.filter(pk=data["post"], workspace=workspace).first()
        if post is None:  # another workspace's post: the same answer as a missing one
            raise serializers.ValidationError({"post": [_("Unknown post.")]})
        series = recurrence.series_from_post(workspace, self.user, post, data["rrule"], data.get("until"),
                                             data.get("count"))
        return Response(_detail(series, DEFAULT_OCCURRENCES), status=status.HTTP_201_CREATED)


def _detail(series: Series, limit: int) -> dict[str, Any]:
    found = recurrence.series_of(series.workspace).get(pk=series.pk)  # with `next_at`
    return {**SeriesSerializer(found).data,
            "occurrences": OccurrenceSerializer(_occurrences(found, limit), many=True).data}


class SeriesObjectMixin(ObjectScoped, ApiView):
    serializer_class: type[serializers.Serializer] = SeriesDetailSerializer
    queryset = Series.objects.none()
    pagination_class = None

    def get_series(self, min_role: Role = Role.VIEWER) -> Series:
        return self.scoped(Series.objects.select_related("workspace", "template"), min_role)


@extend_schema(tags=["series"])
class SeriesDetail(SeriesObjectMixin):
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(parameters=[OpenApiParameter("occurrences", int, description=(
                       f"How many next occurrences to list (0–{MAX_OCCURRENCES}, default {DEFAULT_OCCURRENCES})."))],
                   responses={200: SeriesDetailSerializer, 400: ErrorsSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        query = OccurrencesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(_detail(self.get_series(), query.validated_data["occurrences"]))

    @extend_schema(request=SeriesEditSerializer, responses={200: SeriesDetailSerializer, **WRITE_ERRORS},
                   description="Change the rule, its end or the text: the occurrences still to come that "
                               "nothing went out for are replaced; those published stay. Fields left out "
                               "keep their value. A stopped series answers 400 on `series`.")
    def patch(self, request: Request, pk: int) -> Response:
        series = self.get_series(Role.EDITOR)
        body = SeriesEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        until, count = _end(data, series)
        template = series.template
        variants = data.get("variants", template.variants if template is not None else {})
        saved = recurrence.edit_series(
            series, self.user, text=data.get("text", recurrence.source_text(series)), variants=variants,
            rule=data.get("rrule", series.rrule), until=until, count=count)
        return Response(_detail(saved, DEFAULT_OCCURRENCES))


@extend_schema(tags=["series"])
class SeriesStop(SeriesObjectMixin):
    serializer_class = StopSerializer

    @extend_schema(operation_id="series_stop", request=None, responses={200: StopSerializer, **WRITE_ERRORS},
                   description="No more occurrences: those still to come are cancelled (kept, visibly). "
                               "Stopping a stopped series changes nothing.")
    def post(self, request: Request, pk: int) -> Response:
        series = self.get_series(Role.EDITOR)
        cancelled = recurrence.stop_series(series, self.user) if series.active else 0
        found = recurrence.series_of(series.workspace).get(pk=series.pk)
        return Response(StopSerializer({"cancelled": cancelled, "series": found}).data)

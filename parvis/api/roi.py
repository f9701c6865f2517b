"""What the CM's time costs and what it brings, through the API: the period's figures
(`analytics.costs`), the cost settings, the time entered, the conversions (recorded one
by one or imported from a CSV file) and where they come from by themselves (Matomo,
Plausible, a webhook the client's site calls).

Reading needs any role; writing needs manager or owner. An analytics token is write-only
(never in an answer); a webhook's secret is in the answer that creates it, never again.
The checks and the figures are `analytics.roi`'s, shared with the web page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, Workspace
from parvis.analytics import conversions, costs, dashboard
from parvis.analytics.models import Conversion, ConversionKind, ConversionSource, CostSettings, TimeEntry
from parvis.analytics.roi import (
    MAX_DAY_RATE,
    MAX_HOURS_PER_DAY,
    MAX_MINUTES,
    READ_KINDS,
    SOURCE_KINDS,
    TOKEN_MAX,
    add_source,
    change_source,
    check_currency,
    has_token,
    hook_address,
    roi_figures,
    source_error,
)
from parvis.api.analytics import PERIOD_PARAMETERS
from parvis.api.fields import DayField
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.publishing.models import Post

# -- the figures -----------------------------------------------------------------------------------


def money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def hours_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=1, **kwargs)


class CostSettingsSerializer(ApiModelSerializer):
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, such as EUR (upper-cased).")
    day_rate = money_field(min_value=Decimal(0), max_value=MAX_DAY_RATE,
                     help_text="What a day of the CM's time costs the client, in `currency`.")
    hours_per_day = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=Decimal("0.25"),
                                             max_value=MAX_HOURS_PER_DAY, help_text="The hours a day rate pays for.")
    minutes_per_post = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, help_text=(
        "The estimate for a post, on days without time entered."))
    minutes_per_reply = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, help_text=(
        "The estimate for an inbox reply, on days without time entered."))
    updated_at = UtcDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = CostSettings
        fields = ["currency", "day_rate", "hours_per_day", "minutes_per_post", "minutes_per_reply", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_currency(self, value: str) -> str:
        try:
            return check_currency(value)
        except conversions.ConversionError as exc:
            raise serializers.ValidationError(exc.message) from None


class GoalSerializer(serializers.Serializer):
    goal = serializers.CharField()
    count = serializers.IntegerField()
    value = money_field(allow_null=True)


WHY_NULL = "Null when there was nothing to divide by"


class RoiSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    hours = hours_field(help_text="`hours_entered` + `hours_estimated`.")
    hours_entered = hours_field(help_text="From the time entries; a day with entries is not estimated.")
    hours_estimated = hours_field(help_text="Posts × `minutes_per_post` + inbox replies × `minutes_per_reply`, on the "
                                      "days without time entered.")
    estimated = serializers.BooleanField(help_text="Whether any of the hours is an estimate.")
    days_entered = serializers.IntegerField()
    posts = serializers.IntegerField(help_text="Posts first published in the period (once however many accounts).")
    replies = serializers.IntegerField(help_text="Inbox replies sent in the period.")
    currency = serializers.CharField()
    cost = money_field(allow_null=True, help_text="Hours ÷ `hours_per_day` × `day_rate`.")
    clicks = serializers.IntegerField(help_text="`short_link_clicks` + `network_clicks`.")
    short_link_clicks = serializers.IntegerField(help_text="parvis's short links, counted without cookies.")
    network_clicks = serializers.IntegerField(help_text="The networks' own link clicks.")
    conversions = serializers.IntegerField()
    conversion_value = money_field(allow_null=True, help_text="Null when no conversion of the period carried a value.")
    interactions = serializers.IntegerField()
    per_click = money_field(allow_null=True, help_text=f"{WHY_NULL} (no click).")
    per_conversion = money_field(allow_null=True, help_text=f"{WHY_NULL} (no conversion).")
    per_engagement = money_field(allow_null=True, help_text=f"{WHY_NULL} (no interaction).")
    goals = GoalSerializer(many=True, help_text="The period's conversions per goal, the most first.")
    settings = CostSettingsSerializer()


def _period(request: Request, workspace: Workspace) -> dashboard.Period:
    try:
        return dashboard.period_of(request.query_params, timezone.now().astimezone(workspace.tz).date())
    except dashboard.PeriodError as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc


def _refused(exc: conversions.ConversionError, rename: dict[str, str] | None = None) -> ValidationError:
    field = (rename or {}).get(exc.field, exc.field)
    return ValidationError({field: [exc.message]})


@extend_schema(tags=["analytics"])
class Roi(WorkspaceScoped, ApiView):
    serializer_class = RoiSerializer
    pagination_class = None

    @extend_schema(operation_id="analytics_roi", parameters=PERIOD_PARAMETERS[:3],
                   responses={200: RoiSerializer, **READ_ERRORS, 400: WRITE_ERRORS[400]},
                   description="What the CM's time cost over a period (hours entered, or estimated from the posts "
                               "and inbox replies, at the day rate) and what it brought: clicks, conversions, "
                               "interactions, and the cost of each.")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        return Response(RoiSerializer(roi_figures(workspace, _period(request, workspace))).data)


@extend_schema(tags=["analytics"])
class CostSettingsDetail(WorkspaceScoped, ApiView):
    serializer_class = CostSettingsSerializer
    pagination_class = None
    min_role_write = Role.MANAGER
    http_method_names = ["get", "put", "head", "options"]

    @extend_schema(operation_id="analytics_cost_settings", responses={200: CostSettingsSerializer, **READ_ERRORS},
                   description="The day rate and the estimates (the defaults until they are saved).")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        return Response(CostSettingsSerializer(costs.settings_of([workspace.pk])[workspace.pk]).data)

    @extend_schema(operation_id="analytics_cost_settings_update", request=CostSettingsSerializer,
                   responses={200: CostSettingsSerializer, **WRITE_ERRORS},
                   description="Set the day rate, its currency and hours, and the minutes a post and a reply take "
                               "(managers).")
    def put(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = CostSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved, _created = CostSettings.objects.update_or_create(workspace=workspace, defaults=body.validated_data)
        return Response(CostSettingsSerializer(saved).data)


# -- time entered ----------------------------------------------------------------------------------


class TimeEntrySerializer(ApiModelSerializer):
    day = DayField()
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_MINUTES, help_text=(
        "Time spent on this workspace that day; a day with entries is not estimated."))
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    post = IdField(source="post_id", required=False, allow_null=True, default=None,
                   help_text="A post of the workspace the time went to, if any.")
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True,
                                    help_text="Who entered it (null once they are gone).")
    created_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "day", "minutes", "note", "post", "user", "created_at"]
        read_only_fields = ["id", "user", "created_at"]


RANGE_PARAMETERS = [
    OpenApiParameter("start", str, description="From this day (YYYY-MM-DD), included."),
    OpenApiParameter("end", str, description="Up to this day (YYYY-MM-DD), included."),
]


class DayRangeSerializer(serializers.Serializer):
    start = DayField(required=False)
    end = DayField(required=False)
    goal = serializers.CharField(required=False, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        return attrs


def _in_range(rows: QuerySet[Any], request: Request) -> QuerySet[Any]:
    query = DayRangeSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    if "start" in query.validated_data:
        rows = rows.filter(day__gte=query.validated_data["start"])
    if "end" in query.validated_data:
        rows = rows.filter(day__lte=query.validated_data["end"])
    if "goal" in query.validated_data:
        rows = rows.filter(goal=query.validated_data["goal"])
    return rows


@extend_schema(tags=["analytics"])
class TimeEntryList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = TimeEntrySerializer
    queryset = TimeEntry.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[TimeEntry]:
        return _in_range(TimeEntry.objects.filter(workspace=self.workspace), self.request).order_by("-day", "-pk")

    @extend_schema(operation_id="analytics_time_entries", parameters=RANGE_PARAMETERS,
                   responses={200: TimeEntrySerializer(many=True), **READ_ERRORS, 400: WRITE_ERRORS[400]},
                   description="The time entered for the workspace, the latest day first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="analytics_time_entry_add", request=TimeEntrySerializer,
                   responses={201: TimeEntrySerializer, **WRITE_ERRORS},
                   description="Enter time spent on the workspace one day (managers): the day's hours are then the "
                               "entered ones, not the estimate.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = TimeEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        post_id = data.pop("post_id", None)
        if post_id is not None and not Post.objects.filter(pk=post_id, workspace=workspace).exists():
            raise ValidationError({"post": [_("Not a post of this workspace.")]})
        entry = TimeEntry.objects.create(workspace=workspace, user=self.user, post_id=post_id, **data)
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["analytics"])
class TimeEntryDetail(ObjectScoped, ApiView):
    serializer_class = TimeEntrySerializer
    pagination_class = None
    http_method_names = ["get", "delete", "head", "options"]

    @extend_schema(operation_id="analytics_time_entry", responses={200: TimeEntrySerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(TimeEntrySerializer(self.scoped(TimeEntry.objects.all())).data)

    @extend_schema(operation_id="analytics_time_entry_delete",
                   responses={204: OpenApiResponse(description="Removed: the day is estimated again if it has no "
                                                               "other entry."), **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.scoped(TimeEntry.objects.all(), Role.MANAGER).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- conversions -----------------------------------------------------------------------------------


class ConversionSerializer(ApiModelSerializer):
    day = DayField(help_text="The workspace's local day of the conversions.")
    goal = serializers.CharField(max_length=200, help_text="What was converted: signup, order, quote…")
    count = serializers.IntegerField(min_value=0, max_value=conversions.MAX_COUNT, default=1)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                     default=None, max_value=conversions.MAX_VALUE,
                                     min_value=-conversions.MAX_VALUE, help_text="Their total value, if any.")
    campaign = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                     help_text="utm_campaign.")
    network = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                    help_text="utm_source, as sent.")
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text=(
        "Your id for it: recorded again with the same id, it updates its row instead of adding one."))
    source = serializers.CharField(read_only=True, help_text=(  # type: ignore[assignment]
        "`import` (through the API or a file), `webhook`, `matomo` or `plausible`."))
    origin = serializers.IntegerField(source="origin_id", read_only=True, allow_null=True,
                                      help_text="The conversion source it came from (`conversion-source`).")
    created_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = Conversion
        fields = ["id", "day", "goal", "count", "value", "campaign", "network", "external_id", "source", "origin",
                  "created_at"]
        read_only_fields = ["id", "source", "origin", "created_at"]


@extend_schema(tags=["analytics"])
class ConversionList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = ConversionSerializer
    queryset = Conversion.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[Conversion]:
        return _in_range(Conversion.objects.filter(workspace=self.workspace), self.request).order_by("-day", "-pk")

    @extend_schema(operation_id="analytics_conversions", parameters=[*RANGE_PARAMETERS, OpenApiParameter(
        "goal", str, description="Only this goal.")],
        responses={200: ConversionSerializer(many=True), **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="The workspace's conversions, the latest day first (a row per goal, day and origin).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="analytics_conversion_add", request=ConversionSerializer,
                   responses={201: ConversionSerializer, 200: ConversionSerializer, **WRITE_ERRORS},
                   description="Record conversions (managers): 201 when new, 200 when `external_id` was known and "
                               "its row updated.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ConversionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            made, created = conversions.record(workspace, day=data["day"], goal=data["goal"], count=data["count"],
                                               value=data["value"], campaign=data["campaign"],
                                               network=data["network"], external_id=data["external_id"])
        except conversions.ConversionError as exc:
            raise _refused(exc, {"id": "external_id"}) from exc
        return Response(ConversionSerializer(made).data, status=201 if created else 200)


class ImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8: columns day, goal, count (value, campaign, network, id if "
                                           "wanted), separated by ; or ,.")


class ImportedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Lines whose id was already imported: their row was updated.")


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="The line of the file (the header is line 1).")
    field = serializers.CharField()
    message = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (`file` for the file as a whole, with each bad line).")
    lines = LineErrorSerializer(many=True, required=False, help_text="Every bad value, by line and column.")


@extend_schema(tags=["analytics"])
class ConversionImport(WorkspaceScoped, ApiView):
    serializer_class = ImportFileSerializer
    pagination_class = None
    parser_classes = [MultiPartParser, FormParser]
    min_role_write = Role.MANAGER

    @extend_schema(operation_id="analytics_conversions_import", request={"multipart/form-data": ImportFileSerializer},
                   responses={200: ImportedSerializer, **WRITE_ERRORS, 400: ImportErrorsSerializer},
                   description="Import conversions from a CSV file (managers). All or nothing: a file with a bad "
                               "line saves nothing, and the answer lists every bad value with its line.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ImportFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        raw = body.validated_data["file"].read(conversions.MAX_FILE + 1)
        if b"\x00" in raw:
            raise ValidationError({"file": [_("This is not a CSV file: save it as “CSV UTF-8”.")]})
        try:
            with transaction.atomic():
                done = conversions.import_csv(workspace, raw)
        except conversions.ImportRefused as exc:
            lines = [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors]
            return Response({"errors": {"file": [exc.message, *(line_error(e) for e in exc.errors)]},
                             "lines": lines}, status=status.HTTP_400_BAD_REQUEST)
        except conversions.ConversionError as exc:
            message = line_error(exc) if exc.line else exc.message
            raise ValidationError({"file": [message]}) from exc
        return Response(ImportedSerializer({"created": done.created, "updated": done.updated}).data)


def line_error(exc: conversions.ConversionError) -> str:
    return _("Line %(line)s, %(field)s: %(message)s") % {"line": exc.line, "field": exc.field,
                                                         "message": exc.message}


# -- conversion sources ----------------------------------------------------------------------------


# A pattern, not an enum: another component's "kind" would take the enum's name.
@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(SOURCE_KINDS)})$", "example": "matomo"})
class SourceKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(k, k) for k in SOURCE_KINDS], **kwargs)


class ConversionSourceSerializer(ApiModelSerializer):
    kind = SourceKindField(help_text="Set when the source is added; it cannot change.")
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    base_url = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text=(
        "Matomo's or Plausible's address, such as https://stats.example.com."))
    site_id = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=(
        "Matomo's idSite (a number), or the site's domain in Plausible."))
    goal = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=(
        "Matomo's idGoal or Plausible's goal name; empty for every goal."))
    token = serializers.CharField(max_length=TOKEN_MAX, required=False, write_only=True, help_text=(
        "The API token it is read with (Matomo, Plausible): never given back."))
    enabled = serializers.BooleanField(required=False, default=True)
    has_token = serializers.SerializerMethodField(help_text="Whether a token is set (it is never shown).")
    url = serializers.SerializerMethodField(help_text="A webhook's address for the client's site; null otherwise.")
    last_synced_at = UtcDateTimeField(read_only=True, allow_null=True, help_text="The last read that worked.")
    last_error = serializers.SerializerMethodField(help_text="Why the last read failed, in words; empty when it "
                                                             "worked.")
    created_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = ConversionSource
        fields = ["id", "kind", "name", "base_url", "site_id", "goal", "token", "has_token", "enabled", "url",
                  "last_synced_at", "last_error", "created_at"]
        read_only_fields = ["id", "has_token", "url", "last_synced_at", "last_error", "created_at"]

    @extend_schema_field(serializers.BooleanField())
    def get_has_token(self, source: ConversionSource) -> bool:
        return source.kind in READ_KINDS and has_token(source)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_url(self, source: ConversionSource) -> str | None:
        if source.kind != ConversionKind.WEBHOOK:
            return None
        return hook_address(source, self.context.get("request"))

    @extend_schema_field(serializers.CharField())
    def get_last_error(self, source: ConversionSource) -> str:
        return source_error(source)


class CreatedSourceSerializer(ConversionSourceSerializer):
    secret = serializers.SerializerMethodField(help_text=(
        "A webhook's signing secret, only in this answer: the site signs each body with it (HMAC-SHA256, header "
        "X-Parvis-Signature: sha256=<hex>). Null for Matomo and Plausible."))

    class Meta(ConversionSourceSerializer.Meta):
        fields = [*ConversionSourceSerializer.Meta.fields, "secret"]
        read_only_fields = [*ConversionSourceSerializer.Meta.read_only_fields, "secret"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_secret(self, source: ConversionSource) -> str | None:
        return self.context.get("secret") or None


def _source_values(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in ("name", "base_url", "site_id", "goal", "token", "enabled")}


@extend_schema(tags=["analytics"])
class ConversionSourceList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = ConversionSourceSerializer
    queryset = ConversionSource.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[ConversionSource]:
        return ConversionSource.objects.filter(workspace=self.workspace).order_by("pk")

    @extend_schema(operation_id="analytics_conversion_sources",
                   responses={200: ConversionSourceSerializer(many=True), **READ_ERRORS},
                   description="Where the workspace's conversions come from by themselves, each with its last read.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="analytics_conversion_source_add", request=ConversionSourceSerializer,
                   responses={201: CreatedSourceSerializer, **WRITE_ERRORS},
                   description="Add a source (managers): Matomo or Plausible (address, site, token, goal), read "
                               "every hour, the last 90 days at first; or a webhook, whose secret is in this "
                               "answer only.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ConversionSourceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            source, secret = add_source(workspace, data["kind"], _source_values(data))
        except conversions.ConversionError as exc:
            raise _refused(exc) from exc
        if not data.get("enabled", True):
            source.enabled = False
            source.save(update_fields=["enabled"])
        answer = CreatedSourceSerializer(source, context={"request": request, "secret": secret})
        return Response(answer.data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["analytics"])
class ConversionSourceDetail(ObjectScoped, ApiView):
    serializer_class = ConversionSourceSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="analytics_conversion_source", responses={200: ConversionSourceSerializer,
                                                                         **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        source = self.scoped(ConversionSource.objects.all())
        return Response(ConversionSourceSerializer(source, context={"request": request}).data)

    @extend_schema(operation_id="analytics_conversion_source_update",
                   request=ConversionSourceSerializer(partial=True),
                   responses={200: ConversionSourceSerializer, **WRITE_ERRORS},
                   description="Change a source (managers); fields left out keep their value, a token left out "
                               "stays. `enabled: false` stops reading it (a webhook refuses its calls).")
    def patch(self, request: Request, pk: int) -> Response:
        source = self.scoped(ConversionSource.objects.all(), Role.MANAGER)
        body = ConversionSourceSerializer(source, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "kind" in data and data["kind"] != source.kind:
            raise ValidationError({"kind": [_("A source's kind cannot change: add another source.")]})
        try:
            change_source(source, _source_values(data))
        except conversions.ConversionError as exc:
            raise _refused(exc) from exc
        return Response(ConversionSourceSerializer(source, context={"request": request}).data)

    @extend_schema(operation_id="analytics_conversion_source_delete",
                   responses={204: OpenApiResponse(description="Removed; the conversions it brought stay."),
                              **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.scoped(ConversionSource.objects.all(), Role.MANAGER).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


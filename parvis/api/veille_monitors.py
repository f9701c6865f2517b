"""La veille's keyword monitors through the API: list, create, change, delete, their hits,
and the query lab (what a query would have found in the last 30 days)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, Workspace
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.listening import monitoring
from parvis.listening.models import Hit, Monitor, SpikeAlert
from parvis.listening.query import QuerySyntaxError, compile_query

QUERY_HELP = ('The query: words, "exact phrases", AND / OR / NOT (or ET / OU / SAUF), parentheses, NEAR/n, '
              "prefix*, and the fields title:, author:, site:, lang:, network:. Accents, case, plurals and "
              "French elisions are ignored; phrases are not stemmed.")


class MonitorSerializer(ApiModelSerializer):
    applied_at = UtcDateTimeField(read_only=True, allow_null=True, help_text=(
        "When the current query was applied to the last 30 days (null: being applied)."))
    hits = serializers.IntegerField(source="hit_count", read_only=True)

    class Meta:
        model = Monitor
        fields = ["id", "name", "query", "in_feeds", "in_inbox", "active", "created_at", "updated_at",
                  "applied_at", "hits"]
        read_only_fields = ["id", "created_at", "updated_at", "applied_at", "hits"]
        extra_kwargs = {"query": {"help_text": QUERY_HELP}, "name": {"max_length": 120}}

    def validate_query(self, value: str) -> str:
        try:
            compile_query(value)
        except QuerySyntaxError as exc:
            raise serializers.ValidationError(f"{exc.message} (at character {exc.position + 1}).") from exc
        return value.strip()

    def validate_name(self, value: str) -> str:
        name = " ".join(value.split())
        workspace: Workspace = self.context["workspace"]
        taken = Monitor.objects.filter(workspace=workspace, name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if not name or taken.exists():
            raise serializers.ValidationError("This workspace has a monitor of that name already."
                                              if name else "A monitor needs a name.")
        return name


class HitSerializer(ApiModelSerializer):
    kind = serializers.SerializerMethodField()
    entry = serializers.IntegerField(source="entry_id", read_only=True, allow_null=True)
    item = serializers.IntegerField(source="item_id", read_only=True, allow_null=True,
                                    help_text="The inbox item's id, for hits found in the inbox.")
    spans = serializers.ListField(child=serializers.ListField(), read_only=True, help_text=(
        "Where the query matched: [field, start, end] in the entry's title or text (as plain text) or the "
        "item's text."))

    class Meta:
        model = Hit
        fields = ["id", "kind", "entry", "item", "published_at", "found_at", "spans", "language", "sentiment",
                  "toxic", "spam"]
        read_only_fields = fields

    def get_kind(self, hit: Hit) -> str:
        """`entry` (from a feed) or `item` (from the inbox)."""
        return "entry" if hit.entry_id else "item"


class SpikeSerializer(ApiModelSerializer):
    drivers = serializers.DictField(child=serializers.ListField(), read_only=True, help_text=(
        "What drives it: `terms`, `sources`, `authors`, each a list of [name, hits]."))

    class Meta:
        model = SpikeAlert
        fields = ["id", "hour", "count", "expected", "z", "drivers", "created_at"]
        read_only_fields = fields


class LabExampleSerializer(serializers.Serializer):
    kind = serializers.CharField()
    where = serializers.CharField()
    url = serializers.CharField()
    published_at = UtcDateTimeField()
    title = serializers.ListField(child=serializers.ListField(), help_text="[text, matched] pieces.")
    text = serializers.ListField(child=serializers.ListField(), help_text="[text, matched] pieces (an excerpt).")


class LabSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Texts of the last 30 days the query matches.")
    read = serializers.IntegerField(help_text="Texts read.")
    complete = serializers.BooleanField(help_text="False: only the newest could be read in time.")
    examples = LabExampleSerializer(many=True)


def _monitors() -> QuerySet[Monitor]:
    from django.db.models import Count

    return Monitor.objects.select_related("workspace").annotate(hit_count=Count("hits"))


@extend_schema(tags=["veille"])
class MonitorList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = MonitorSerializer
    queryset = Monitor.objects.none()

    def get_queryset(self) -> QuerySet[Monitor]:
        return _monitors().filter(workspace=self.workspace).order_by("name", "pk")

    @extend_schema(responses={200: MonitorSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=MonitorSerializer, responses={201: MonitorSerializer, **WRITE_ERRORS},
                   description="Add a monitor; it is applied to the last 30 days in the background.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = MonitorSerializer(data=request.data, context={"workspace": workspace})
        body.is_valid(raise_exception=True)
        monitor = monitoring.save_monitor(Monitor(workspace=workspace, created_by=self.user, **body.validated_data))
        return Response(MonitorSerializer(_monitors().get(pk=monitor.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["veille"])
class MonitorDetail(ObjectScoped, ApiView):
    serializer_class = MonitorSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: MonitorSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(MonitorSerializer(self.scoped(_monitors())).data)

    @extend_schema(request=MonitorSerializer, responses={200: MonitorSerializer, **WRITE_ERRORS},
                   description="Change a monitor; its hits are made again over the last 30 days.")
    def patch(self, request: Request, pk: int) -> Response:
        monitor = self.scoped(_monitors(), Role.EDITOR)
        body = MonitorSerializer(monitor, data=request.data, partial=True, context={"workspace": monitor.workspace})
        body.is_valid(raise_exception=True)
        for name, value in body.validated_data.items():
            setattr(monitor, name, value)
        monitoring.save_monitor(monitor)
        return Response(MonitorSerializer(_monitors().get(pk=monitor.pk)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted, with its hits."), **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.scoped(Monitor.objects.all(), Role.EDITOR).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["veille"])
class MonitorApply(ObjectScoped, ApiView):
    serializer_class = MonitorSerializer
    pagination_class = None

    @extend_schema(operation_id="veille_monitor_apply", request=None, responses={200: MonitorSerializer,
                                                                                  **WRITE_ERRORS},
                   description="Apply the monitor again to the last 30 days (in the background).")
    def post(self, request: Request, pk: int) -> Response:
        monitor = monitoring.save_monitor(self.scoped(Monitor.objects.all(), Role.EDITOR))
        return Response(MonitorSerializer(_monitors().get(pk=monitor.pk)).data)


@extend_schema(tags=["veille"])
class MonitorHits(ObjectScoped, ApiView, generics.ListAPIView):
    serializer_class = HitSerializer
    queryset = Hit.objects.none()

    def get_queryset(self) -> QuerySet[Hit]:
        monitor = self.scoped(Monitor.objects.all())
        return Hit.objects.filter(monitor=monitor).order_by("-published_at", "-id")

    @extend_schema(responses={200: HitSerializer(many=True), **READ_ERRORS}, description="Newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["veille"])
class MonitorSpikes(ObjectScoped, ApiView, generics.ListAPIView):
    serializer_class = SpikeSerializer
    queryset = SpikeAlert.objects.none()

    def get_queryset(self) -> QuerySet[SpikeAlert]:
        return SpikeAlert.objects.filter(monitor=self.scoped(Monitor.objects.all())).order_by("-hour")

    @extend_schema(responses={200: SpikeSerializer(many=True), **READ_ERRORS},
                   description="The monitor's spikes, newest first: an hour far above its usual level "
                               "(the same hours of the last 7 days), with what drove it.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["veille"])
class MonitorLab(WorkspaceScoped, ApiView):
    serializer_class = LabSerializer
    pagination_class = None

    @extend_schema(operation_id="veille_monitor_lab", parameters=[
        OpenApiParameter("query", str, required=True, description=QUERY_HELP),
        OpenApiParameter("in_feeds", bool, description="Look in the feeds followed (default true)."),
        OpenApiParameter("in_inbox", bool, description="Look in the inbox (default true)."),
    ], responses={200: LabSerializer, **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="What a query would have found in the last 30 days: a count and five examples with "
                    "where it matched; nothing is saved. A query that cannot be read answers 400 naming "
                    "`query`, with the position.")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        query = request.query_params.get("query", "")
        if not query.strip():
            raise ValidationError({"query": ["Type a query."]})
        def wanted(name: str) -> bool:
            return request.query_params.get(name, "true").lower() not in ("false", "0", "no")

        result = monitoring.lab(workspace.pk, query[:2000], in_feeds=wanted("in_feeds"), in_inbox=wanted("in_inbox"))
        if result.error:
            raise ValidationError({"query": [f"{result.error} (at character {(result.error_at or 0) + 1})."]})
        return Response(LabSerializer(result).data)

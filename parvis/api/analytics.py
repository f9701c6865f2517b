"""Analytics through the API: a workspace's dashboard data (the figures the page shows),
each published post's latest figures, and every reading kept of one post (snapshots)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, User
from parvis.accounts.scoping import workspaces_for
from parvis.analytics import best_time, dashboard, experiments, links
from parvis.analytics.models import LinkClicks, PostFigures, PostSnapshot, ShortLink, TimingExperiment
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.core.ids import parse_id
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Publication

RATES_HELP = ("Engagement in %: interactions (likes, replies, reposts, quotes, shares, saves) over the "
              "account's followers when each post went out (`*_followers_*`) or over the posts' views "
              "(`*_views_*`); `total` is the period's sum over the sum, `mean` the mean of the posts' own rates.")


class AnalyticsTotalsSerializer(serializers.Serializer):
    posts = serializers.IntegerField()
    interactions = serializers.IntegerField()
    views = serializers.IntegerField()
    reach = serializers.IntegerField()
    clicks = serializers.IntegerField()
    followers = serializers.IntegerField(allow_null=True, help_text="At the period's end, summed over the accounts.")
    followers_change = serializers.IntegerField(allow_null=True)
    rate_followers_total = serializers.FloatField(allow_null=True, help_text=RATES_HELP)
    rate_followers_mean = serializers.FloatField(allow_null=True)
    rate_views_total = serializers.FloatField(allow_null=True)
    rate_views_mean = serializers.FloatField(allow_null=True)
    provisional = serializers.IntegerField(help_text="Posts whose figures the network may still revise.")


class AnalyticsChangeSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    before = serializers.FloatField(allow_null=True, help_text="The same figure over the period before.")
    difference = serializers.FloatField(allow_null=True)
    percent = serializers.FloatField(allow_null=True, help_text="Null when the period before had none.")


class AnalyticsPostRowSerializer(serializers.Serializer):
    publication = serializers.IntegerField(source="figures_id")
    post = serializers.IntegerField(source="post_id")
    account = serializers.IntegerField(source="account_id")
    network = serializers.CharField()
    text = serializers.CharField()
    url = serializers.CharField()
    published_at = UtcDateTimeField()
    interactions = serializers.IntegerField()
    views = serializers.IntegerField(allow_null=True)
    rate_followers = serializers.FloatField(allow_null=True)
    rate_views = serializers.FloatField(allow_null=True)
    values = serializers.DictField(child=serializers.IntegerField())
    taken_at = UtcDateTimeField(allow_null=True, help_text="When these figures were collected.")
    provisional = serializers.BooleanField()


class AnalyticsBreakdownSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="account_id", help_text="The account's id (0 for a network's row).")
    network = serializers.CharField()
    name = serializers.CharField(source="account")
    totals = AnalyticsTotalsSerializer()


class AnalyticsSeriesSerializer(serializers.Serializer):
    name = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))


class AnalyticsCompetitorSerializer(serializers.Serializer):
    competitor = serializers.IntegerField(source="competitor.pk")
    name = serializers.CharField(source="competitor.name")
    posts = serializers.IntegerField()
    per_week = serializers.FloatField()
    interactions_mean = serializers.FloatField(allow_null=True)
    rate_mean = serializers.FloatField(allow_null=True, help_text="By followers, mean of the posts, in %.")
    followers = serializers.IntegerField(allow_null=True)
    followers_change = serializers.IntegerField(allow_null=True)


class AnalyticsLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="link_id")
    code = serializers.CharField()
    target = serializers.CharField(help_text="The link as written in the post (UTM parameters are added on the way).")
    network = serializers.CharField()
    post = serializers.IntegerField(source="post_id")
    clicks = serializers.IntegerField(help_text="During the period.")


class AnalyticsDashboardSerializer(serializers.Serializer):
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    totals = AnalyticsTotalsSerializer()
    before = AnalyticsTotalsSerializer(help_text="The same number of days just before.")
    changes = serializers.DictField(child=AnalyticsChangeSerializer())
    days = serializers.ListField(child=serializers.DateField())
    followers = AnalyticsSeriesSerializer(many=True, help_text="Per account, each day's followers (carried over).")
    activity = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()),
                                     help_text="`posts` and `interactions` per day.")
    top = AnalyticsPostRowSerializer(many=True)
    bottom = AnalyticsPostRowSerializer(many=True)
    accounts = AnalyticsBreakdownSerializer(many=True)
    networks = AnalyticsBreakdownSerializer(many=True)
    collected_at = UtcDateTimeField(allow_null=True)
    link_clicks = serializers.IntegerField(help_text="Clicks on parvis's short links during the period.")
    links = AnalyticsLinkSerializer(many=True, help_text="The most followed short links of the period.")
    competitors = AnalyticsCompetitorSerializer(many=True, help_text=(
        "La veille's competitors over the same period (the workspace's dashboard, every account)."))


PERIOD_PARAMETERS = [
    OpenApiParameter("days", int, enum=list(dashboard.PERIOD_DAYS), description=(
        "The last 7, 30 (default) or 90 days, up to yesterday in the workspace's time zone.")),
    OpenApiParameter("start", str, description="A period's first day (YYYY-MM-DD), with `end`; wins over `days`."),
    OpenApiParameter("end", str, description="A period's last day (YYYY-MM-DD), included."),
    OpenApiParameter("account", int, description="Only this connected account of the workspace."),
]


def _period(request: Request, tz: Any) -> dashboard.Period:
    try:
        return dashboard.period_of(request.query_params, timezone.now().astimezone(tz).date())
    except dashboard.PeriodError as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc


@extend_schema(tags=["analytics"])
class AnalyticsDashboard(WorkspaceScoped, ApiView):
    serializer_class = AnalyticsDashboardSerializer
    pagination_class = None

    @extend_schema(operation_id="analytics_dashboard", parameters=PERIOD_PARAMETERS,
                   responses={200: AnalyticsDashboardSerializer, **READ_ERRORS, 400: WRITE_ERRORS[400]},
                   description="The workspace's figures over a period, against the period before: what its "
                               "dashboard page shows. " + RATES_HELP)
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        period = _period(request, workspace.tz)
        accounts = []
        if request.query_params.get("account"):
            account = parse_id(request.query_params["account"])
            if account is None or not workspace.social_accounts.filter(pk=account).exists():
                raise ValidationError({"account": ["Not an account of this workspace."]})
            accounts = [account]
        board = dashboard.build([workspace.pk], period, workspace.tz, account_ids=accounts)
        if not accounts:
            dashboard.add_competitors(board, workspace, workspace.tz)
        return Response(AnalyticsDashboardSerializer(board).data)


class AgencyDashboardSerializer(AnalyticsDashboardSerializer):
    workspaces = AnalyticsBreakdownSerializer(many=True, help_text="One row per workspace (`id` is the workspace's).")


@extend_schema(tags=["analytics"])
class AgencyDashboard(ApiView):
    """Every workspace you belong to, summed and side by side; each workspace's days in its own time zone."""

    serializer_class = AgencyDashboardSerializer
    pagination_class = None

    @extend_schema(operation_id="analytics_agency_dashboard", parameters=PERIOD_PARAMETERS[:3],
                   responses={200: AgencyDashboardSerializer, **READ_ERRORS, 400: WRITE_ERRORS[400]},
                   description="The agency's figures across every workspace you belong to. " + RATES_HELP)
    def get(self, request: Request) -> Response:
        user: User = self.user
        try:
            tz = ZoneInfo(user.timezone)
        except (ValueError, KeyError):  # a zone the tz database no longer knows
            tz = ZoneInfo("UTC")
        period = _period(request, tz)
        board = dashboard.build(list(workspaces_for(user).values_list("pk", flat=True)), period, tz,
                                by_workspace=True)
        return Response(AgencyDashboardSerializer(board).data)


class PostFiguresSerializer(ApiModelSerializer):
    publication = serializers.IntegerField(source="publication_id", read_only=True)
    post = serializers.IntegerField(source="publication.post_id", read_only=True)
    account = serializers.IntegerField(source="account_id", read_only=True)
    network = serializers.CharField(source="account.network", read_only=True)
    url = serializers.CharField(source="publication.remote_url", read_only=True)
    values = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text=(
        "The latest figures under parvis's names: likes, replies, reposts, quotes, shares, saves, clicks, views, "
        "reach (only those the network gives)."))
    taken_at = UtcDateTimeField(read_only=True, allow_null=True)
    due_at = UtcDateTimeField(read_only=True, allow_null=True, help_text="The next reading; null once they are over.")

    class Meta:
        model = PostFigures
        fields = ["publication", "post", "account", "network", "url", "published_at", "values", "interactions",
                  "views", "reach", "clicks", "followers", "taken_at", "readings", "provisional", "due_at"]
        read_only_fields = fields


@extend_schema(tags=["analytics"])
class AnalyticsPosts(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = PostFiguresSerializer
    queryset = PostFigures.objects.none()
    ORDERS = {"published_at", "-published_at", "interactions", "-interactions", "views", "-views"}

    def get_queryset(self) -> QuerySet[PostFigures]:
        workspace = self.workspace
        start, end = _period(self.request, workspace.tz).bounds(workspace.tz)
        rows = (PostFigures.objects.filter(workspace=workspace, published_at__gte=start, published_at__lt=end)
                .select_related("publication", "account"))
        if self.request.query_params.get("account"):
            rows = rows.filter(account_id=parse_id(self.request.query_params["account"]) or 0)
        order = self.request.query_params.get("ordering", "-published_at")
        if order not in self.ORDERS:
            raise ValidationError({"ordering": [f"One of: {', '.join(sorted(self.ORDERS))}."]})
        return rows.order_by(order, "-pk")

    @extend_schema(operation_id="analytics_posts", parameters=[*PERIOD_PARAMETERS, OpenApiParameter(
        "ordering", str, enum=sorted(ORDERS), description="Default: the newest first.")],
        responses={200: PostFiguresSerializer(many=True), **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="Each post published in the period, with its latest figures and when they were collected.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PostSnapshotSerializer(ApiModelSerializer):
    taken_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = PostSnapshot
        fields = ["taken_at", "values", "provisional"]
        read_only_fields = fields


@extend_schema(tags=["analytics"])
class PublicationSnapshots(ObjectScoped, ApiView, generics.ListAPIView):
    serializer_class = PostSnapshotSerializer
    queryset = PostSnapshot.objects.none()
    workspace_path = "post__workspace"

    def get_queryset(self) -> QuerySet[PostSnapshot]:
        publication = self.scoped(Publication.objects.all())
        return PostSnapshot.objects.filter(publication=publication).order_by("taken_at", "pk")

    @extend_schema(operation_id="analytics_publication_snapshots",
                   responses={200: PostSnapshotSerializer(many=True), **READ_ERRORS},
                   description="Every reading of this publication's figures, oldest first (kept as read: a period "
                               "can be recomputed from them).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "08:00"})
class HourMinuteField(serializers.TimeField):
    """A time of day as people write it, "08:00" (the workspace's time zone)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class BestTimeCellSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday.")
    slot = serializers.IntegerField(help_text="The 3-hour slot: 0 = 00:00–03:00 … 7 = 21:00–24:00.")
    starts = HourMinuteField()
    posts = serializers.IntegerField(help_text="How many posts are behind the figure.")
    raw = serializers.FloatField(allow_null=True, help_text="The mean of its posts' engagement relative to the "
                                                              "account's median post (1.0 = a usual post).")
    score = serializers.FloatField(help_text="`raw` pulled toward the account's average when the slot has few "
                                             "posts: what slots are ranked by.")
    lift = serializers.FloatField(help_text="`score` against a usual post, in %.")


class BestTimesSerializer(serializers.Serializer):
    posts = serializers.IntegerField(help_text="Posts with figures in the last six months.")
    enough = serializers.BooleanField(help_text="Whether there are enough posts for best slots to be given.")
    average = serializers.FloatField()
    best = BestTimeCellSerializer(many=True)
    grid = serializers.ListField(child=BestTimeCellSerializer(many=True), help_text="7 weekdays × 8 slots, in "
                                                                                     "the workspace's time zone.")


@extend_schema(tags=["analytics"])
class AccountBestTimes(ObjectScoped, ApiView):
    serializer_class = BestTimesSerializer
    pagination_class = None

    @extend_schema(operation_id="analytics_best_times", responses={200: BestTimesSerializer, **READ_ERRORS},
                   description="The account's best times to post, from its own posts' engagement relative to its "
                               "usual post, by weekday and 3-hour slot in the workspace's time zone.")
    def get(self, request: Request, pk: int) -> Response:
        account = self.scoped(SocialAccount.objects.select_related("workspace"))
        found = best_time.for_account(account.pk, account.workspace.tz, timezone.now())
        return Response(BestTimesSerializer(found).data)


class ArmSerializer(serializers.Serializer):
    at = HourMinuteField()
    posts = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, help_text="Mean engagement relative to the usual post.")


class ExperimentResultSerializer(serializers.Serializer):
    a = ArmSerializer()
    b = ArmSerializer()
    ends_on = serializers.DateField()
    over = serializers.BooleanField()
    winner = serializers.CharField(help_text="`a`, `b`, or empty when nothing can be said yet.")
    lift = serializers.FloatField(allow_null=True, help_text="How much better the winner did, in %.")
    chance = serializers.FloatField(allow_null=True, help_text="The rank test's two-sided p-value (Mann–Whitney).")
    summary = serializers.CharField(help_text="The result in a sentence, in the requester's language.")


class TimingExperimentSerializer(ApiModelSerializer):
    account = serializers.PrimaryKeyRelatedField(queryset=SocialAccount.objects.none())
    time_a = HourMinuteField()
    time_b = HourMinuteField()
    add_to_queue = serializers.BooleanField(write_only=True, required=False, default=False, help_text=(
        "Make both times posting times of the account's queue (needs the manager role)."))
    result = serializers.SerializerMethodField()

    class Meta:
        model = TimingExperiment
        fields = ["id", "account", "weekday", "time_a", "time_b", "starts_on", "weeks", "add_to_queue", "created_at",
                  "result"]
        read_only_fields = ["id", "created_at", "result"]

    @extend_schema_field(ExperimentResultSerializer)
    def get_result(self, experiment: TimingExperiment) -> dict[str, Any]:
        return dict(ExperimentResultSerializer(experiments.result(experiment, timezone.now())).data)


@extend_schema(tags=["analytics"])
class TimingExperimentList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = TimingExperimentSerializer
    queryset = TimingExperiment.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[TimingExperiment]:
        return TimingExperiment.objects.filter(workspace=self.workspace).select_related("workspace", "account")

    @extend_schema(operation_id="analytics_experiments", responses={200: TimingExperimentSerializer(many=True),
                                                                    **READ_ERRORS},
                   description="The workspace's timing experiments, newest first, each with its result so far.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="analytics_experiment_start", request=TimingExperimentSerializer,
                   responses={201: TimingExperimentSerializer, **WRITE_ERRORS},
                   description="Compare two times of one weekday for some weeks (\"Tuesday 08:00 against 12:30 "
                               "for four weeks\").")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = TimingExperimentSerializer(data=request.data)
        body.fields["account"].queryset = SocialAccount.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            made = experiments.start(data["account"], data["weekday"], data["time_a"], data["time_b"],
                                     data["starts_on"], data.get("weeks", 4), self.user,
                                     data.get("add_to_queue", False))
        except experiments.ExperimentError as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc
        return Response(TimingExperimentSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["analytics"])
class TimingExperimentDetail(ObjectScoped, ApiView):
    serializer_class = TimingExperimentSerializer
    pagination_class = None
    http_method_names = ["get", "delete", "head", "options"]

    @extend_schema(operation_id="analytics_experiment", responses={200: TimingExperimentSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(TimingExperimentSerializer(self.scoped(TimingExperiment.objects.select_related(
            "workspace", "account"))).data)

    @extend_schema(operation_id="analytics_experiment_delete",
                   responses={204: OpenApiResponse(description="Removed (the posts and the queue stay)."),
                              **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.scoped(TimingExperiment.objects.all(), Role.MANAGER).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShortLinkSerializer(ApiModelSerializer):
    url = serializers.SerializerMethodField(help_text="The short address, as sent to the network.")
    post = serializers.IntegerField(source="post_id", read_only=True)
    last_click_at = UtcDateTimeField(read_only=True, allow_null=True)
    created_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = ShortLink
        fields = ["id", "code", "url", "target", "network", "post", "clicks", "last_click_at", "created_at"]
        read_only_fields = fields

    def get_url(self, link: ShortLink) -> str:
        return links.base_url() + links.path_of(link.code)


@extend_schema(tags=["analytics"])
class ShortLinkList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = ShortLinkSerializer
    queryset = ShortLink.objects.none()
    ORDERS = {"-clicks", "-created_at", "clicks", "created_at"}

    def get_queryset(self) -> QuerySet[ShortLink]:
        rows = ShortLink.objects.filter(workspace=self.workspace)
        if self.request.query_params.get("post"):
            rows = rows.filter(post_id=parse_id(self.request.query_params["post"]) or 0)
        order = self.request.query_params.get("ordering", "-created_at")
        if order not in self.ORDERS:
            raise ValidationError({"ordering": [f"One of: {', '.join(sorted(self.ORDERS))}."]})
        return rows.order_by(order, "-pk")

    @extend_schema(operation_id="analytics_short_links", parameters=[
        OpenApiParameter("post", int, description="Only this post's links."),
        OpenApiParameter("ordering", str, enum=sorted(ORDERS), description="Default: the newest first.")],
        responses={200: ShortLinkSerializer(many=True), **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="The workspace's short links (one per post, network and link) with their clicks: a click is "
                    "counted without cookies; link-card fetchers, crawlers and prefetches are not counted.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LinkClicksSerializer(ApiModelSerializer):
    class Meta:
        model = LinkClicks
        fields = ["day", "clicks"]
        read_only_fields = fields


@extend_schema(tags=["analytics"])
class ShortLinkClicks(ObjectScoped, ApiView, generics.ListAPIView):
    serializer_class = LinkClicksSerializer
    queryset = LinkClicks.objects.none()

    def get_queryset(self) -> QuerySet[LinkClicks]:
        link = self.scoped(ShortLink.objects.all())
        return LinkClicks.objects.filter(link=link).order_by("day")

    @extend_schema(operation_id="analytics_short_link_clicks", responses={200: LinkClicksSerializer(many=True),
                                                                          **READ_ERRORS},
                   description="A short link's clicks per day (UTC), oldest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

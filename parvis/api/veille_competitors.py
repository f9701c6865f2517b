"""La veille's competitors through the API: the competitors and their public accounts,
their posts as last read, and the board (figures side by side with the brand's, and what
they covered that the brand did not)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.listening import competitors
from parvis.listening.competitors import CompetitorError
from parvis.listening.models import Competitor, CompetitorAccount, CompetitorPost

PERIOD_DAYS = (7, 30)


class CompetitorAccountSerializer(ApiModelSerializer):
    url = serializers.CharField(read_only=True, help_text="Its public profile's address (empty until first read).")
    last_read_at = UtcDateTimeField(read_only=True, allow_null=True)
    paused_at = UtcDateTimeField(read_only=True, allow_null=True, help_text=(
        "When reading stopped for a reason asking again cannot mend (`paused_reason`); resume it once mended."))

    class Meta:
        model = CompetitorAccount
        fields = ["id", "network", "handle", "remote_id", "name", "url", "followers", "following", "posts_count",
                  "last_read_at", "last_error", "paused_at", "paused_reason"]
        read_only_fields = fields


class CompetitorAccountInSerializer(serializers.Serializer):
    network = serializers.CharField(max_length=32, help_text=(
        "The key of a network whose public accounts can be followed (some are read through one of the "
        "workspace's connected accounts of that network), or `feed` for the competitor's blog."))
    handle = serializers.CharField(max_length=2000, help_text=(
        "The account's handle or profile address; for `feed`, the blog's or its feed's address."))


class CompetitorSerializer(ApiModelSerializer):
    accounts = CompetitorAccountSerializer(many=True, read_only=True)
    is_brand = serializers.BooleanField(read_only=True, help_text=(
        "The brand's own column: made from the workspace's connected accounts, read the same way."))

    class Meta:
        model = Competitor
        fields = ["id", "name", "notes", "is_brand", "created_at", "accounts"]
        read_only_fields = ["id", "is_brand", "created_at", "accounts"]
        extra_kwargs = {"name": {"max_length": 120}, "notes": {"max_length": 5000}}


class CompetitorPostSerializer(ApiModelSerializer):
    account = serializers.IntegerField(source="account_id", read_only=True)
    url = serializers.CharField(read_only=True, help_text="The post's public address (may be empty).")
    interactions = serializers.IntegerField(read_only=True)
    counted_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = CompetitorPost
        fields = ["id", "account", "remote_id", "url", "text", "published_at", "likes", "reposts", "replies",
                  "quotes", "interactions", "followers", "counted_at"]
        read_only_fields = fields


class CompetitorBoardPostSerializer(serializers.Serializer):
    network = serializers.CharField()
    url = serializers.CharField()
    text = serializers.CharField()
    published_at = UtcDateTimeField()
    interactions = serializers.IntegerField(allow_null=True)
    rate = serializers.FloatField(allow_null=True, help_text="Interactions per 100 followers.")


class CompetitorColumnSerializer(serializers.Serializer):
    competitor = serializers.IntegerField(source="competitor.pk")
    name = serializers.CharField(source="competitor.name")
    is_brand = serializers.BooleanField(source="competitor.is_brand")
    posts = serializers.IntegerField()
    per_week = serializers.FloatField(help_text="Posts a week over the period.")
    followers = serializers.IntegerField(allow_null=True, help_text="All its accounts' followers at the end.")
    followers_change = serializers.IntegerField(allow_null=True, help_text="Since the period's start.")
    interactions_mean = serializers.FloatField(allow_null=True, help_text=(
        "Likes, reposts, replies and quotes per post (mean of the posts)."))
    rate_mean = serializers.FloatField(allow_null=True, help_text=(
        "Engagement per post, in % of the followers when it was read: the mean of the posts' rates."))
    rate_median = serializers.FloatField(allow_null=True, help_text="The median of the posts' rates, in %.")
    heatmap = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()), help_text=(
        "Posts by weekday (0 = Monday) and hour, in the workspace's time zone: 7 lists of 24."))
    hashtags = serializers.ListField(child=serializers.ListField(), help_text="[hashtag, posts], most used first.")
    topics = serializers.ListField(child=serializers.ListField(), help_text="[word, posts], in two posts or more.")
    best = CompetitorBoardPostSerializer(many=True, help_text="Its three most engaging posts.")
    networks = serializers.ListField(child=serializers.CharField())


class CompetitorGapSerializer(serializers.Serializer):
    topic = serializers.CharField(source="label", help_text="A hashtag (with #) or a word.")
    competitors = serializers.ListField(child=serializers.CharField())
    examples = CompetitorBoardPostSerializer(many=True)


class CompetitorBoardSerializer(serializers.Serializer):
    start = UtcDateTimeField()
    end = UtcDateTimeField()
    columns = CompetitorColumnSerializer(many=True, help_text="The brand first, then its competitors by name.")
    gaps = CompetitorGapSerializer(many=True, help_text=(
        "What competitors covered in the period that the brand did not."))


def _raise(exc: CompetitorError) -> None:
    raise ValidationError({exc.field: [str(exc)]}) from exc


def _competitors() -> QuerySet[Competitor]:
    return Competitor.objects.prefetch_related("accounts")


@extend_schema(tags=["veille"])
class CompetitorList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = CompetitorSerializer
    queryset = Competitor.objects.none()

    def get_queryset(self) -> QuerySet[Competitor]:
        return _competitors().filter(workspace=self.workspace).order_by("-is_brand", "name", "pk")

    @extend_schema(responses={200: CompetitorSerializer(many=True), **READ_ERRORS},
                   description="The brand's column (when it has connected accounts) then its competitors.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        competitors.sync_brand(self.workspace)
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CompetitorSerializer, responses={201: CompetitorSerializer, **WRITE_ERRORS})
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = CompetitorSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            made = competitors.add_competitor(workspace, body.validated_data["name"],
                                              body.validated_data.get("notes", ""))
        except CompetitorError as exc:
            _raise(exc)
        return Response(CompetitorSerializer(_competitors().get(pk=made.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["veille"])
class CompetitorDetail(ObjectScoped, ApiView):
    serializer_class = CompetitorSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: CompetitorSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CompetitorSerializer(self.scoped(_competitors())).data)

    @extend_schema(request=CompetitorSerializer, responses={200: CompetitorSerializer, **WRITE_ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        competitor = self.scoped(_competitors(), Role.EDITOR)
        body = CompetitorSerializer(competitor, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        name = " ".join(body.validated_data.get("name", competitor.name).split())
        if not name or Competitor.objects.filter(workspace=competitor.workspace, name__iexact=name).exclude(
                pk=competitor.pk).exists():
            raise ValidationError({"name": ["This name is already in the list." if name else "Enter a name."]})
        competitor.name, competitor.notes = name, body.validated_data.get("notes", competitor.notes)
        competitor.save(update_fields=["name", "notes"])
        return Response(CompetitorSerializer(_competitors().get(pk=competitor.pk)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Removed, with its accounts and figures."),
                              **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        competitor = self.scoped(Competitor.objects.all(), Role.EDITOR)
        if competitor.is_brand:
            raise ValidationError({"id": ["The brand's column follows its connected accounts: disconnect them."]})
        competitor.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["veille"])
class CompetitorAccounts(ObjectScoped, ApiView):
    serializer_class = CompetitorAccountSerializer
    pagination_class = None

    @extend_schema(operation_id="veille_competitor_account_add", request=CompetitorAccountInSerializer,
                   responses={201: CompetitorAccountSerializer, **WRITE_ERRORS},
                   description="Follow one of the competitor's public accounts, or its blog; read in a moment, "
                               "then every few hours. The same account twice is the same account.")
    def post(self, request: Request, pk: int) -> Response:
        competitor = self.scoped(Competitor.objects.all(), Role.EDITOR)
        if competitor.is_brand:
            raise ValidationError({"id": ["The brand's column follows its connected accounts."]})
        body = CompetitorAccountInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            account = competitors.add_account(competitor, body.validated_data["network"],
                                              body.validated_data["handle"], self.user)
        except CompetitorError as exc:
            _raise(exc)
        return Response(CompetitorAccountSerializer(account).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["veille"])
class CompetitorAccountDetail(ObjectScoped, ApiView):
    serializer_class = CompetitorAccountSerializer
    pagination_class = None
    workspace_path = "competitor__workspace"
    http_method_names = ["get", "delete", "head", "options"]

    @extend_schema(responses={200: CompetitorAccountSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CompetitorAccountSerializer(self.scoped(CompetitorAccount.objects.all())).data)

    @extend_schema(responses={204: OpenApiResponse(description="No longer followed; its posts are forgotten."),
                              **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.scoped(CompetitorAccount.objects.filter(competitor__is_brand=False), Role.EDITOR).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["veille"])
class CompetitorAccountResume(ObjectScoped, ApiView):
    serializer_class = CompetitorAccountSerializer
    pagination_class = None
    workspace_path = "competitor__workspace"

    @extend_schema(operation_id="veille_competitor_account_resume", request=None,
                   responses={200: CompetitorAccountSerializer, **WRITE_ERRORS},
                   description="Read a paused account again (once what paused it is mended).")
    def post(self, request: Request, pk: int) -> Response:
        account = self.scoped(CompetitorAccount.objects.all(), Role.EDITOR)
        competitors.resume(account)
        account.refresh_from_db()
        return Response(CompetitorAccountSerializer(account).data)


@extend_schema(tags=["veille"])
class CompetitorPosts(ObjectScoped, ApiView, generics.ListAPIView):
    serializer_class = CompetitorPostSerializer
    queryset = CompetitorPost.objects.none()

    def get_queryset(self) -> QuerySet[CompetitorPost]:
        competitor = self.scoped(Competitor.objects.all())
        return CompetitorPost.objects.filter(account__competitor=competitor).order_by("-published_at", "-id")

    @extend_schema(responses={200: CompetitorPostSerializer(many=True), **READ_ERRORS},
                   description="Its posts read from the networks, newest first, with their counts as last read "
                               "(a blog's articles are entries of its feed: see `entries`).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["veille"])
class CompetitorBoard(WorkspaceScoped, ApiView):
    serializer_class = CompetitorBoardSerializer
    pagination_class = None

    @extend_schema(operation_id="veille_competitor_board", parameters=[
        OpenApiParameter("days", int, enum=list(PERIOD_DAYS), description="The period: the last 7 (default) or "
                                                                          "30 days."),
    ], responses={200: CompetitorBoardSerializer, **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="The competitors' figures side by side with the brand's over the period, and what they "
                    "covered that the brand did not.")
    def get(self, request: Request, workspace_id: int) -> Response:
        raw = request.query_params.get("days", "7")
        if raw not in {str(d) for d in PERIOD_DAYS}:
            raise ValidationError({"days": ["Ask for 7 or 30 days."]})
        competitors.sync_brand(self.workspace)
        return Response(CompetitorBoardSerializer(competitors.board(self.workspace, days=int(raw))).data)

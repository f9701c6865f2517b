"""Campaigns and labels through the API: list them (any member), create them (editors
and above), with the same rules as the web pages (parvis.publishing.campaigns)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.accounts.scoping import workspace_for
from parvis.api.serializers import ApiModelSerializer
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.publishing.campaigns import CampaignInput, LabelInput, save_campaign, save_label
from parvis.publishing.models import Campaign, Label


class CampaignSerializer(ApiModelSerializer):
    slug = serializers.CharField(required=False, allow_blank=True, max_length=120,
                                 help_text="The UTM name (utm_campaign). Default: made from the name.")
    colour = serializers.CharField(required=False, max_length=7, default="#5b6ee1",
                                   help_text="Hex colour, like #5b6ee1.")

    class Meta:
        model = Campaign
        fields = ["id", "name", "slug", "colour", "starts_on", "ends_on", "archived"]
        read_only_fields = ["id", "archived"]
        # Uniqueness is checked by the shared rules, with a message naming the field.
        validators: list[Any] = []


class LabelSerializer(ApiModelSerializer):
    colour = serializers.CharField(required=False, max_length=7, default="#888888",
                                   help_text="Hex colour, like #888888.")

    class Meta:
        model = Label
        fields = ["id", "name", "colour"]
        read_only_fields = ["id"]
        validators: list[Any] = []


@extend_schema(tags=["campaigns"])
class CampaignList(ApiView, generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()

    def get_queryset(self) -> QuerySet[Campaign]:
        workspace = workspace_for(self.user, self.kwargs["workspace_id"])
        return Campaign.objects.filter(workspace=workspace).order_by("name", "pk")

    @extend_schema(responses={200: CampaignSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CampaignSerializer, responses={201: CampaignSerializer, **WRITE_ERRORS},
                   description="Create a campaign. `ends_on` must not be before `starts_on`; names "
                               "and UTM names are unique in the workspace.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = workspace_for(self.user, workspace_id, Role.EDITOR)
        serializer = CampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = save_campaign(workspace, self.user, CampaignInput(
            name=data["name"], slug=data.get("slug", ""), colour=data.get("colour", "#5b6ee1"),
            starts_on=data.get("starts_on"), ends_on=data.get("ends_on")))
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["campaigns"])
class LabelList(ApiView, generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = LabelSerializer
    queryset = Label.objects.none()

    def get_queryset(self) -> QuerySet[Label]:
        workspace = workspace_for(self.user, self.kwargs["workspace_id"])
        return Label.objects.filter(workspace=workspace).order_by("name", "pk")

    @extend_schema(responses={200: LabelSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=LabelSerializer, responses={201: LabelSerializer, **WRITE_ERRORS},
                   description="Create a label (names are unique in the workspace).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = workspace_for(self.user, workspace_id, Role.EDITOR)
        serializer = LabelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        label = save_label(workspace, self.user, LabelInput(name=data["name"],
                                                            colour=data.get("colour", "#888888")))
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED)

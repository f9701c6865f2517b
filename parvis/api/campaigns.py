"""Campaigns and labels through the API: list and read them (any member), create,
change, archive (campaigns) and delete (labels) them (editors and above), with the same
rules as the web pages (parvis.publishing.campaigns)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, DetailSerializer
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.publishing.campaigns import (
    CampaignInput,
    LabelInput,
    delete_label,
    save_campaign,
    save_label,
    set_campaign_archived,
)
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
class CampaignList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()

    def get_queryset(self) -> QuerySet[Campaign]:
        return Campaign.objects.filter(workspace=self.workspace).order_by("name", "pk")

    @extend_schema(responses={200: CampaignSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CampaignSerializer, responses={201: CampaignSerializer, **WRITE_ERRORS},
                   description="Create a campaign. `ends_on` must not be before `starts_on`; names "
                               "and UTM names are unique in the workspace.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        serializer = CampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = save_campaign(workspace, self.user, CampaignInput(
            name=data["name"], slug=data.get("slug", ""), colour=data.get("colour", "#5b6ee1"),
            starts_on=data.get("starts_on"), ends_on=data.get("ends_on")))
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["campaigns"])
class LabelList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = LabelSerializer
    queryset = Label.objects.none()

    def get_queryset(self) -> QuerySet[Label]:
        return Label.objects.filter(workspace=self.workspace).order_by("name", "pk")

    @extend_schema(responses={200: LabelSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=LabelSerializer, responses={201: LabelSerializer, **WRITE_ERRORS},
                   description="Create a label (names are unique in the workspace).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        serializer = LabelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        label = save_label(workspace, self.user, LabelInput(name=data["name"],
                                                            colour=data.get("colour", "#888888")))
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED)


class ArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True, help_text="`false` brings an archived campaign back.")


@extend_schema(tags=["campaigns"])
class CampaignDetail(ObjectScoped, ApiView):
    serializer_class = CampaignSerializer
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: CampaignSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CampaignSerializer(self.scoped(Campaign.objects.select_related("workspace"), Role.VIEWER)).data)

    @extend_schema(request=CampaignSerializer, responses={200: CampaignSerializer, **WRITE_ERRORS},
                   description="Change a campaign (editors). Fields left out keep their value; an "
                               "empty `slug` is made from the name again.")
    def patch(self, request: Request, pk: int) -> Response:
        campaign: Campaign = self.scoped(Campaign.objects.select_related("workspace"), Role.EDITOR)
        serializer = CampaignSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = save_campaign(campaign.workspace, self.user, CampaignInput(
            name=data.get("name", campaign.name), slug=data.get("slug", campaign.slug),
            colour=data.get("colour", campaign.colour), starts_on=data.get("starts_on", campaign.starts_on),
            ends_on=data.get("ends_on", campaign.ends_on)), campaign)
        return Response(CampaignSerializer(saved).data)


@extend_schema(tags=["campaigns"])
class CampaignArchive(ObjectScoped, ApiView):
    serializer_class = ArchiveSerializer

    @extend_schema(operation_id="campaigns_archive", request=ArchiveSerializer,
                   responses={200: CampaignSerializer, **WRITE_ERRORS},
                   description="Archive a campaign (editors): it stays on its posts but is no longer "
                               "offered for new ones. `archived: false` restores it.")
    def post(self, request: Request, pk: int) -> Response:
        campaign: Campaign = self.scoped(Campaign.objects.select_related("workspace"), Role.EDITOR)
        body = ArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        set_campaign_archived(campaign, self.user, body.validated_data["archived"])
        return Response(CampaignSerializer(campaign).data)


@extend_schema(tags=["campaigns"])
class LabelDetail(ObjectScoped, ApiView):
    serializer_class = LabelSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: LabelSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(LabelSerializer(self.scoped(Label.objects.select_related("workspace"), Role.VIEWER)).data)

    @extend_schema(request=LabelSerializer, responses={200: LabelSerializer, **WRITE_ERRORS},
                   description="Rename or recolour a label (editors). Fields left out keep their value.")
    def patch(self, request: Request, pk: int) -> Response:
        label: Label = self.scoped(Label.objects.select_related("workspace"), Role.EDITOR)
        serializer = LabelSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = save_label(label.workspace, self.user, LabelInput(
            name=data.get("name", label.name), colour=data.get("colour", label.colour)), label)
        return Response(LabelSerializer(saved).data)

    @extend_schema(request=None, responses={204: None, **READ_ERRORS, 403: DetailSerializer},
                   description="Delete a label (editors): it is taken off its posts, nothing else.")
    def delete(self, request: Request, pk: int) -> Response:
        delete_label(self.scoped(Label.objects.select_related("workspace"), Role.EDITOR), self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

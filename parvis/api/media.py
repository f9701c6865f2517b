"""The media library through the API: list and upload (multipart) a workspace's assets,
read, change and delete one. Same rules as the web pages (parvis.publishing.library):
files are recognised by their content, the same file is stored once per workspace, and
an asset a scheduled post uses cannot be deleted (409)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.accounts.scoping import workspace_for
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.publishing import library
from parvis.publishing.actions import Upload
from parvis.publishing.models import MediaAsset

RIGHTS = ["expired", "expiring", "valid", "none"]


class MediaAssetSerializer(ApiModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    rights_status = serializers.SerializerMethodField()
    posts = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = ["id", "workspace", "kind", "name", "mime_type", "size", "width", "height", "sha256",
                  "alt_text", "tags", "source", "licence", "rights_expire_on", "rights_status", "posts",
                  "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=RIGHTS, help_text=(
        "In the workspace's time zone: `expired`, `expiring` (within 30 days), `valid`, `none` (no expiry).")))
    def get_rights_status(self, asset: MediaAsset) -> str:
        return library.rights_status(asset, library.workspace_today(asset.workspace))

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_posts(self, asset: MediaAsset) -> list[int]:
        """Ids of the posts that use it."""
        return sorted({use.post_id for use in asset.uses.all()})


class MediaMetadataSerializer(serializers.Serializer):
    """What a person says about an asset. On PATCH every field is optional."""

    alt_text = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tags = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False, max_length=100,
                                 help_text="Replaces the tags. Multipart: repeat the field, or give one "
                                           "comma-separated value.")
    source = serializers.CharField(required=False, allow_blank=True, max_length=255)  # type: ignore[assignment]
    licence = serializers.CharField(required=False, allow_blank=True, max_length=255)
    rights_expire_on = serializers.DateField(
        required=False, allow_null=True,
        help_text="Last day the asset may be published (YYYY-MM-DD, in the workspace's time zone); "
                  "null: no expiry.")


class MediaUploadSerializer(MediaMetadataSerializer):
    file = serializers.FileField(help_text="An image (JPEG, PNG, GIF, WebP) or a video (MP4, MOV, WebM), "
                                           "recognised by its content.")


def _tags(data: dict[str, Any]) -> list[str] | None:
    tags = data.get("tags")
    if tags is None:
        return None
    # One comma-separated value ("bread, shop") or a list of tags.
    return [t for tag in tags for t in tag.split(",")]


def _assets(workspace_id: int, user: Any) -> QuerySet[MediaAsset]:
    workspace = workspace_for(user, workspace_id)
    return MediaAsset.objects.filter(workspace=workspace).select_related("workspace").prefetch_related("uses")


class MediaFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text="Words in the name, alt text, "
                                                                             "source, licence or tags.")
    tag = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=MediaAsset.Kind.values, required=False)
    rights = serializers.ChoiceField(choices=list(library.RIGHTS_FILTERS), required=False,
                                     help_text="`expired`, `expiring` (within 30 days) or `none` (no expiry).")


@extend_schema(tags=["media"])
class MediaList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = MediaAssetSerializer
    queryset = MediaAsset.objects.none()

    def get_queryset(self) -> QuerySet[MediaAsset]:
        workspace = self.workspace
        filters = MediaFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return library.search_assets(
            workspace, text=data.get("q", ""), tag=data.get("tag", ""), kind=data.get("kind", ""),
            rights=data.get("rights", ""),
        ).select_related("workspace").prefetch_related("uses")

    @extend_schema(parameters=[MediaFilterSerializer],
                   responses={200: MediaAssetSerializer(many=True), 400: WRITE_ERRORS[400], **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": MediaUploadSerializer},
                   responses={201: MediaAssetSerializer,
                              200: OpenApiResponse(MediaAssetSerializer, description="The same file was already "
                                                   "in the library: that asset, with blanks filled in."),
                              **WRITE_ERRORS},
                   description="Upload an image or a video to the workspace's library (multipart).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        serializer = MediaUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        file = data["file"]
        added = library.add_asset(
            workspace, self.user, Upload(file.name or "media", file, file.size or 0), data.get("alt_text", ""),
            _tags(data) or [], data.get("source", ""), data.get("licence", ""), data.get("rights_expire_on"))
        asset = _assets(workspace.pk, self.user).get(pk=added.asset.pk)
        return Response(MediaAssetSerializer(asset).data,
                        status=status.HTTP_201_CREATED if added.created else status.HTTP_200_OK)


@extend_schema(tags=["media"])
class MediaDetail(ObjectScoped, ApiView):
    serializer_class = MediaAssetSerializer
    queryset = MediaAsset.objects.none()
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_asset(self, min_role: Role = Role.VIEWER) -> MediaAsset:
        return self.scoped(MediaAsset.objects.select_related("workspace"), min_role)  # 403 for a viewer writing

    def respond(self, asset: MediaAsset, code: int = status.HTTP_200_OK) -> Response:
        return Response(MediaAssetSerializer(_assets(asset.workspace_id, self.user).get(pk=asset.pk)).data,
                        status=code)

    @extend_schema(responses={200: MediaAssetSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(self.get_asset())

    @extend_schema(request=MediaMetadataSerializer, responses={200: MediaAssetSerializer, **WRITE_ERRORS},
                   description="Change the alt text, tags, source, licence or rights expiry (fields left "
                               "out keep their value).")
    def patch(self, request: Request, pk: int) -> Response:
        asset = self.get_asset(Role.EDITOR)
        serializer = MediaMetadataSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes: dict[str, Any] = {k: data[k] for k in ("alt_text", "source", "licence", "rights_expire_on")
                                   if k in data}
        library.update_asset(asset, self.user, tags=_tags(data), **changes)
        return self.respond(asset)

    @extend_schema(request=None, responses={204: None, **WRITE_ERRORS, 409: CONFLICT},
                   description="Delete from the library; 409 while a scheduled post uses it.")
    def delete(self, request: Request, pk: int) -> Response:
        asset = self.get_asset(Role.EDITOR)
        try:
            library.delete_asset(asset, self.user)
        except library.AssetInUse as exc:
            raise Conflict("asset", exc.errors[0].message) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

"""The original files: a library asset's, and a post's media (which is a library asset
used by that post). Any member of the workspace may download them, as on the web; an
object of another workspace answers 404."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from parvis.api.views import READ_ERRORS, ApiView
from parvis.publishing.models import MediaAsset, PostMedia

FILE_RESPONSES: dict[Any, Any] = {
    (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The image as uploaded."),
    (200, "video/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The video as uploaded."),
    **READ_ERRORS,
}


class FileView(ApiView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # `Accept: image/*` is what a client downloading an image sends: the file is not
        # rendered, so no renderer needs to match it (a 404 is still JSON).
        return super().perform_content_negotiation(request, force=True)


def _file(asset: MediaAsset) -> FileResponse:
    return FileResponse(asset.file.open("rb"), content_type=asset.mime_type, filename=asset.original_name)


@extend_schema(tags=["media"])
class MediaFile(FileView):
    queryset = MediaAsset.objects.none()

    @extend_schema(operation_id="media_file", responses=FILE_RESPONSES,
                   description="Download a library asset's original file (any member).")
    def get(self, request: Request, pk: int) -> FileResponse:
        return _file(get_object_or_404(MediaAsset.objects.filter(workspace__memberships__user=self.user), pk=pk))


@extend_schema(tags=["posts"])
class PostMediaFile(FileView):
    queryset = PostMedia.objects.none()

    @extend_schema(operation_id="posts_media_file", responses=FILE_RESPONSES,
                   description="Download the file of one of a post's media (`media[].id` of the post; "
                               "any member).")
    def get(self, request: Request, pk: int, media_id: int) -> FileResponse:
        media = get_object_or_404(PostMedia.objects.select_related("asset").filter(
            post__workspace__memberships__user=self.user), pk=media_id, post_id=pk)
        return _file(media.asset)

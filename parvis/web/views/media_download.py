"""The signed, expiring addresses networks download media from (`publishing.media_urls`)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_safe

from parvis.publishing.media_urls import Expired, asset_of


@require_safe
def media_download(request: HttpRequest, token: str, name: str) -> HttpResponseBase:
    """No session: the network's servers fetch it. A wrong token is a 404 (nothing to
    learn from it), a token that ran out a 410, as the networks expect of a dead link."""
    try:
        asset = asset_of(token)
    except Expired:
        return HttpResponse(status=410)
    if asset is None:
        raise Http404
    try:
        response = FileResponse(asset.file.open("rb"), content_type=asset.mime_type)
    except OSError as exc:
        raise Http404 from exc
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

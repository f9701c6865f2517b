"""Images and Videos API of the LinkedIn loopback fake: initializeUpload, the upload URLs
(served by the fake itself), finalizeUpload for videos, and the asset status life cycle
WAITING_UPLOAD -> PROCESSING -> AVAILABLE (or PROCESSING_FAILED). See linkedin_server.py.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from parvis.testing.fake_network import Request, Response
from parvis.testing.linkedin_base import Caller, LinkedInBase, li_error, required, schema_error, urn_key

PART_SIZE = 4 * 1024 * 1024  # 4 MiB parts, the last one shorter
UPLOAD_URL_TTL = 24 * 3600
DOWNLOAD_URL_TTL = 3600

MEMBER_WRITE = ("w_member_social", "w_member_social_feed")
ORG_WRITE = ("w_organization_social", "w_organization_social_feed")


@dataclass
class Asset:
    """An uploaded image or video."""
    urn: str
    owner: str
    asset_id: str
    upload_expires_at: float
    status: str = "WAITING_UPLOAD"
    size: int = 0  # videos: fileSizeBytes announced at initializeUpload
    parts: list[tuple[int, int]] = field(default_factory=list)  # videos: (firstByte, lastByte)
    uploaded: dict[int, tuple[bytes, str]] = field(default_factory=dict)  # part index -> (bytes, ETag)
    polls_left: int = 0  # status reads still answering PROCESSING
    failure: str = ""
    extras: dict[str, bytes] = field(default_factory=dict)  # videos: "thumbnail", "captions"

    @property
    def data(self) -> bytes:
        return b"".join(self.uploaded[index][0] for index in sorted(self.uploaded))

    @property
    def kind(self) -> str:
        return self.urn.split(":")[2]


class LinkedInMedia(LinkedInBase):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.assets: dict[str, Asset] = {}  # by URN
        self.image_polls = 1  # status reads answering PROCESSING after the upload
        self.video_polls = 2  # status reads answering PROCESSING after finalizeUpload
        self.video_part_size = PART_SIZE
        self.rest_route("POST", r"/rest/images", self.images_action)
        self.rest_route("GET", r"/rest/images/(?P<key>[^/]+)", self.get_image)
        self.rest_route("POST", r"/rest/videos", self.videos_action)
        self.rest_route("GET", r"/rest/videos/(?P<key>[^/]+)", self.get_video)
        self.route("PUT", r"/dms-uploads/image/(?P<asset_id>[^/]+)", self.upload_image)
        self.route("PUT", r"/dms-uploads/video/(?P<asset_id>[^/]+)/(?P<index>\d+)", self.upload_video_part)
        self.route("PUT", r"/dms-uploads/(?P<extra>thumbnail|captions)/(?P<asset_id>[^/]+)", self.upload_extra)
        self.route("GET", r"/dms/(?:image|video)/(?P<asset_id>[^/]+)", self.download)

    # -- test helpers --------------------------------------------------------------------
    def fail_processing(self, urn: str, reason: str = "Video processing failed") -> None:
        """LinkedIn gives up on this asset: its status becomes PROCESSING_FAILED."""
        with self.lock:
            asset = self.assets[urn]
            asset.status, asset.failure, asset.polls_left = "PROCESSING_FAILED", reason, 0

    def make_available(self, urn: str) -> None:
        with self.lock:
            asset = self.assets[urn]
            asset.status, asset.polls_left = "AVAILABLE", 0

    # -- shared --------------------------------------------------------------------------
    def new_asset(self, kind: str, owner: str, size: int = 0) -> Asset:
        number = self.next_number()
        prefix = "D4E10AQ" if kind == "image" else "D5610AQ"
        asset_id = prefix + hashlib.sha256(f"{kind}{number}".encode()).hexdigest()[:12].upper()
        asset = Asset(f"urn:li:{kind}:{asset_id}", owner, asset_id, self.now() + UPLOAD_URL_TTL, size=size)
        self.assets[asset.urn] = asset
        return asset

    def initialize_request(self, request: Request, caller: Caller, resource: str) -> dict[str, Any]:
        if request.query.get("action") != "initializeUpload":
            raise li_error(400, "ILLEGAL_ARGUMENT", f"Unsupported action: {request.query.get('action', '')}")
        body = request.json() or {}
        required(body, "initializeUploadRequest")
        init = body["initializeUploadRequest"]
        if "owner" not in init:
            raise schema_error("/initializeUploadRequest/owner",
                               "field is required but not found and has no default value")
        self.act_as(caller, init["owner"], resource, "ACTION-initializeUpload", member_scopes=MEMBER_WRITE,
                    org_scopes=ORG_WRITE)
        return dict(init)

    def asset_for_read(self, caller: Caller, key: str, kind: str) -> Asset:
        asset = self.assets.get(urn_key(key))
        if asset is None or asset.kind != kind:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"{kind.capitalize()} {urn_key(key)} does not exist", 0)
        if not (asset.owner == caller.member.urn or self.holds_role(caller, asset.owner)):
            raise self.access_denied(caller, kind + "s", "GET")
        if asset.status == "PROCESSING":
            if asset.polls_left > 0:
                asset.polls_left -= 1
            else:
                asset.status = "AVAILABLE"
        return asset

    def holds_role(self, caller: Caller, org_urn: str) -> bool:
        org = self.organization_by_urn(org_urn)
        return org is not None and bool(org.roles.get(caller.member.urn))

    def asset_body(self, asset: Asset) -> dict[str, Any]:
        body: dict[str, Any] = {"owner": asset.owner, "status": asset.status, "id": asset.urn}
        if asset.status == "AVAILABLE":
            body["downloadUrl"] = f"{self.url}/dms/{asset.kind}/{asset.asset_id}"
            body["downloadUrlExpiresAt"] = self.now_ms() + DOWNLOAD_URL_TTL * 1000
        if asset.status == "PROCESSING_FAILED" and asset.failure:
            body["processingFailureReason"] = asset.failure
        return body

    def download(self, request: Request, asset_id: str) -> Response:
        asset = next((a for a in self.assets.values() if a.asset_id == asset_id and a.status == "AVAILABLE"), None)
        if asset is None:
            return Response(404, b"", {"Content-Type": "text/plain"})
        kind = "image/jpeg" if asset.kind == "image" else "video/mp4"
        return Response(200, asset.data, {"Content-Type": kind})

    # -- images --------------------------------------------------------------------------
    def images_action(self, request: Request, caller: Caller) -> Response:
        init = self.initialize_request(request, caller, "images")
        asset = self.new_asset("image", init["owner"])
        return Response(200, {"value": {
            "uploadUrlExpiresAt": int(asset.upload_expires_at * 1000),
            "uploadUrl": f"{self.url}/dms-uploads/image/{asset.asset_id}",
            "image": asset.urn,
        }})

    def upload_image(self, request: Request, asset_id: str) -> Response:
        asset = self.uploading(asset_id, "image")
        self.bearer_token(request)  # the image upload URL wants the same Bearer token
        asset.uploaded = {0: (request.body, "")}
        asset.status, asset.polls_left = "PROCESSING", self.image_polls
        return Response(201, b"")

    def get_image(self, request: Request, caller: Caller, key: str) -> Response:
        return Response(200, self.asset_body(self.asset_for_read(caller, key, "image")))

    def uploading(self, asset_id: str, kind: str) -> Asset:
        asset = next((a for a in self.assets.values() if a.asset_id == asset_id and a.kind == kind), None)
        if asset is None:
            raise li_error(404, "RESOURCE_NOT_FOUND", "Upload not found", 0)
        if asset.upload_expires_at <= self.now():
            raise li_error(400, "EXPIRED_UPLOAD_URL", f"The {kind.capitalize()} upload URL is expired")
        return asset

    # -- videos --------------------------------------------------------------------------
    def videos_action(self, request: Request, caller: Caller) -> Response:
        action = request.query.get("action")
        if action == "finalizeUpload":
            return self.finalize_video(request, caller)
        init = self.initialize_request(request, caller, "videos")
        size = init.get("fileSizeBytes")
        if not isinstance(size, int) or size <= 0:
            raise schema_error("/initializeUploadRequest/fileSizeBytes",
                               "field is required but not found and has no default value")
        asset = self.new_asset("video", init["owner"], size)
        count = math.ceil(size / self.video_part_size)
        asset.parts = [(i * self.video_part_size, min(size, (i + 1) * self.video_part_size) - 1) for i in range(count)]
        value: dict[str, Any] = {
            "uploadUrlsExpireAt": int(asset.upload_expires_at * 1000),
            "video": asset.urn,
            "uploadInstructions": [{"uploadUrl": f"{self.url}/dms-uploads/video/{asset.asset_id}/{i}",
                                    "firstByte": first, "lastByte": last}
                                   for i, (first, last) in enumerate(asset.parts)],
            "uploadToken": "",
        }
        if init.get("uploadThumbnail"):
            value["thumbnailUploadUrl"] = f"{self.url}/dms-uploads/thumbnail/{asset.asset_id}"
        if init.get("uploadCaptions"):
            value["captionsUploadUrl"] = f"{self.url}/dms-uploads/captions/{asset.asset_id}"
        return Response(200, {"value": value})

    def upload_video_part(self, request: Request, asset_id: str, index: str) -> Response:
        asset = self.uploading(asset_id, "video")
        part = int(index)
        if part >= len(asset.parts):
            raise li_error(404, "RESOURCE_NOT_FOUND", "Upload part not found", 0)
        first, last = asset.parts[part]
        if len(request.body) != last - first + 1:
            raise li_error(400, "ILLEGAL_ARGUMENT", f"Part {part} must be {last - first + 1} bytes "
                                                    f"(firstByte..lastByte), got {len(request.body)}")
        etag = "/ambry-video/signedId/" + hashlib.sha256(request.body).hexdigest()[:32]
        asset.uploaded[part] = (request.body, etag)
        return Response(200, b"", {"ETag": etag})

    def upload_extra(self, request: Request, extra: str, asset_id: str) -> Response:
        asset = self.uploading(asset_id, "video")
        asset.extras[extra] = request.body
        return Response(201, b"")

    def finalize_video(self, request: Request, caller: Caller) -> Response:
        body = request.json() or {}
        required(body, "finalizeUploadRequest")
        final = body["finalizeUploadRequest"]
        for name in ("video", "uploadToken", "uploadedPartIds"):
            if name not in final:
                raise schema_error(f"/finalizeUploadRequest/{name}",
                                   "field is required but not found and has no default value")
        asset = self.assets.get(final["video"])
        if asset is None or asset.kind != "video":
            raise li_error(400, "INVALID_URN_ID", "This URN Id is invalid")
        self.act_as(caller, asset.owner, "videos", "ACTION-finalizeUpload", member_scopes=MEMBER_WRITE,
                    org_scopes=ORG_WRITE)
        if len(asset.uploaded) < len(asset.parts):
            raise li_error(400, "MEDIA_ASSET_WAITING_UPLOAD", "Media asset is waiting upload")
        etags = [asset.uploaded[i][1] for i in range(len(asset.parts))]
        if list(final["uploadedPartIds"]) != etags:
            raise li_error(400, "ILLEGAL_ARGUMENT", "uploadedPartIds do not match the uploaded parts, in order")
        asset.status, asset.polls_left = "PROCESSING", self.video_polls
        return Response(200, b"")

    def get_video(self, request: Request, caller: Caller, key: str) -> Response:
        asset = self.asset_for_read(caller, key, "video")
        body = self.asset_body(asset)
        if asset.status == "AVAILABLE":
            body.update(aspectRatioWidth=16.0, aspectRatioHeight=9.0)
        return Response(200, body)

    def usable_media(self, urn: str, author: str) -> Asset:
        """The asset a post may carry, or LinkedIn's refusal."""
        asset = self.assets.get(urn)
        if asset is None or asset.owner != author:
            raise li_error(400, "INVALID_URN_ID", f"This URN Id is invalid: {urn}")
        if asset.status == "PROCESSING_FAILED":
            raise li_error(400, "MEDIA_ASSET_PROCESSING_FAILED", "Media asset failed processing")
        if asset.status == "WAITING_UPLOAD" or (asset.kind == "video" and asset.status != "AVAILABLE"):
            raise li_error(400, "MEDIA_ASSET_WAITING_UPLOAD", "Media asset is waiting upload")
        return asset

"""Uploading a post's media to LinkedIn, in steps that survive a crash.

Images: initializeUpload (LinkedIn names the image) → PUT the bytes; each image's URN
is recorded in the publication's progress as soon as it is uploaded, so that a later
attempt goes on from there instead of uploading again. A video: initializeUpload
(recorded with its part addresses) → PUT each part → finalizeUpload (recorded) → poll
its status: while LinkedIn processes it, the engine is told to come back (`Pending`). A
video LinkedIn fails to process, or whose upload addresses expired before an interrupted
upload was finished, is uploaded again once (`remade`), then given up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, MediaFile, NetworkError, Pending, PublishRequest
from parvis.networks.linkedin.client import LinkedInClient, LinkedInError, enc

VIDEO_CHECK_IN = 30.0  # seconds between status polls while LinkedIn processes a video
PROCESSING = ("WAITING_UPLOAD", "PROCESSING")


class Uploads:
    def __init__(self, api: LinkedInClient, owner: str, request: PublishRequest) -> None:
        self.api = api
        self.owner = owner
        self.request = request
        self.progress: dict[str, Any] = dict(request.progress)

    def record(self, **changes: Any) -> None:
        self.progress = {**self.progress, **changes}
        self.request.record(dict(self.progress))

    def content(self) -> dict[str, Any] | Pending:
        """The post's `content` once every medium is on LinkedIn ({} without media), or
        `Pending` while a video is processed."""
        media = self.request.media
        if not media:
            return {}
        if media[0].is_video:
            return self.video(media[0])
        return image_content(self.images(media), media)

    # -- images ------------------------------------------------------------------------
    def images(self, media: Sequence[MediaFile]) -> list[str]:
        done = list(self.progress.get("images", []))
        for medium in media[len(done):]:
            done.append(self.upload_image(medium))
            self.record(images=done)
        return done

    def upload_image(self, medium: MediaFile) -> str:
        init = self.initialize("images", {"owner": self.owner})
        self.api.send("PUT", init["uploadUrl"], content=medium.path.read_bytes(),
                      headers={"Authorization": f"Bearer {self.api.token}", "Content-Type": medium.mime_type})
        return str(init["image"])

    def initialize(self, resource: str, request: dict[str, Any]) -> dict[str, Any]:
        answer = self.api.rest("POST", resource, params={"action": "initializeUpload"},
                               json={"initializeUploadRequest": request})
        value = answer.json().get("value")
        if not isinstance(value, dict):
            raise NetworkError(Text.gettext("LinkedIn's upload answer has no upload address."), ErrorKind.TRANSIENT)
        return value

    # -- a video -----------------------------------------------------------------------
    def video(self, medium: MediaFile) -> dict[str, Any] | Pending:
        video = self.progress.get("video")
        if video is None:
            video = self.start_video(medium)
        if not video.get("finalized"):
            try:
                video = self.finish_video(medium, video)
            except LinkedInError as error:
                if error.code != "EXPIRED_UPLOAD_URL":
                    raise
                # An upload left unfinished (a crash) for longer than its addresses live.
                return self.remake_video(medium, error.reason, Text.gettext(
                    "LinkedIn's upload addresses for the video had expired: it was uploaded again."))
        status = self.api.get(f"videos/{enc(video['urn'])}")
        state = status.get("status")
        if state == "AVAILABLE":
            return {"media": {"id": video["urn"]}}
        if state in PROCESSING:
            return Pending(VIDEO_CHECK_IN, Text.gettext("LinkedIn is processing the video."))
        reason = str(status.get("processingFailureReason") or state)
        return self.remake_video(medium, reason, Text.gettext(
            "LinkedIn could not process the video (%(reason)s): it was uploaded again.", reason=reason))

    def start_video(self, medium: MediaFile) -> dict[str, Any]:
        size = medium.size or medium.path.stat().st_size
        init = self.initialize("videos", {"owner": self.owner, "fileSizeBytes": size, "uploadCaptions": False,
                                          "uploadThumbnail": False})
        parts = [[part["uploadUrl"], part["firstByte"], part["lastByte"]] for part in init["uploadInstructions"]]
        video = {"urn": init["video"], "token": init.get("uploadToken", ""), "parts": parts, "finalized": False}
        self.record(video=video)
        return video

    def finish_video(self, medium: MediaFile, video: dict[str, Any]) -> dict[str, Any]:
        data = medium.path.read_bytes()
        etags = []
        for url, first, last in video["parts"]:
            answer = self.api.send("PUT", url, content=data[first:last + 1],
                                   headers={"Content-Type": "application/octet-stream"})
            etags.append(answer.headers.get("ETag", ""))
        self.api.rest("POST", "videos", params={"action": "finalizeUpload"},
                      json={"finalizeUploadRequest": {"video": video["urn"], "uploadToken": video["token"],
                                                      "uploadedPartIds": etags}})
        video = {"urn": video["urn"], "finalized": True}
        self.record(video=video)
        return video

    def remake_video(self, medium: MediaFile, reason: str | Text, note: Text) -> Pending:
        """Upload the video again, once; the note says so in the publication's history."""
        if self.progress.get("remade"):
            raise NetworkError(Text.gettext("LinkedIn could not take the video, twice (%(reason)s).",
                                            reason=reason), ErrorKind.PERMANENT, field="media")
        self.progress.pop("video", None)
        self.record(remade=True)
        video = self.start_video(medium)
        self.finish_video(medium, video)
        return Pending(VIDEO_CHECK_IN, note)


def image_content(urns: list[str], media: Sequence[MediaFile]) -> dict[str, Any]:
    described = [{"id": urn, **({"altText": m.alt_text} if m.alt_text else {})}
                 for urn, m in zip(urns, media, strict=True)]
    if len(described) == 1:
        return {"media": described[0]}
    return {"multiImage": {"images": described}}


def recorded_media(progress: dict[str, Any]) -> list[str]:
    """The media URNs earlier attempts put on LinkedIn (to recognise the post by)."""
    video = progress.get("video")
    return [video["urn"]] if video else list(progress.get("images", []))

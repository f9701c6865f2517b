"""A connector that never reaches a network: enough for the composer's checks. It states
only what differs from `BaseConnector`'s defaults, as a new network's package would."""

from __future__ import annotations

from typing import ClassVar

from parvis.networks.base import (
    BaseConnector,
    Draft,
    ErrorKind,
    Identity,
    Limits,
    NetworkError,
    Problem,
    PublishRequest,
    RemotePost,
)

LIMITS = Limits(max_chars=200, max_media=2, image_mime_types=frozenset({"image/png"}), max_image_bytes=1_000_000)


class KestrelConnector(BaseConnector):
    network: ClassVar[str] = "kestrel"

    def identity(self) -> Identity:
        return Identity(remote_id=self.account.remote_id, handle=self.account.handle, display_name="Brand", url="")

    def limits(self) -> Limits:
        return LIMITS

    def publish(self, request: PublishRequest) -> RemotePost:
        raise NetworkError("Kestrel exists only in tests.", ErrorKind.PERMANENT)

    def delete(self, remote_id: str) -> None:
        raise NetworkError("Kestrel exists only in tests.", ErrorKind.PERMANENT)

    def checks(self, draft: Draft) -> list[Problem]:
        # Like Instagram, Kestrel takes no post without an image (test-only words: no gettext).
        return [] if draft.media else [Problem("media", "An image is needed.", self.network)]

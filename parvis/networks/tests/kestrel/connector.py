"""A connector that never reaches a network: enough for the composer's checks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from parvis.networks.base import ErrorKind, Identity, Limits, NetworkError, PublishRequest, RemotePost
from parvis.networks.tests.kestrel.info import INFO

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

LIMITS = Limits(max_chars=200, max_media=2, image_mime_types=frozenset({"image/png"}), max_image_bytes=1_000_000)


class KestrelConnector:
    network: ClassVar[str] = "kestrel"

    def __init__(self, account: SocialAccount) -> None:
        self.account = account

    def identity(self) -> Identity:
        return Identity(remote_id=self.account.remote_id, handle=self.account.handle, display_name="Brand", url="")

    def limits(self) -> Limits:
        return LIMITS

    def count(self, text: str) -> int:
        return INFO.count(text, self.limits())

    def publish(self, request: PublishRequest) -> RemotePost:
        raise NetworkError("Kestrel exists only in tests.", ErrorKind.PERMANENT)

    def find_published(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        return None

    def delete(self, remote_id: str) -> None:
        raise NetworkError("Kestrel exists only in tests.", ErrorKind.PERMANENT)

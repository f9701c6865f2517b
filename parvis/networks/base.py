"""The one contract every network package implements.

A connector wraps one connected account. It speaks the network's API through the
network's maintained client library, and translates that library's errors into
`NetworkError`, which tells the engine what to do next: give up (permanent), try again
later (transient, maybe after `retry_after` seconds), or ask a person to reconnect.

Later issues add inbox work (replies, mentions, messages, moderation) and metrics; their
shapes are declared here as `InboxConnector` and `MetricsConnector` so that every network
package grows the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol


class ErrorKind(enum.StrEnum):
    PERMANENT = "permanent"  # the same request will never succeed: invalid content, gone
    TRANSIENT = "transient"  # try again: timeouts, 5xx, rate limits
    RECONNECT = "reconnect"  # credentials revoked or expired: a person must reconnect


class NetworkError(Exception):
    """A failure talking to a network, with what to do about it.

    `uncertain` means the request may have reached the network and been applied (a
    timeout after sending, a dropped connection): the engine must reconcile before any
    retry instead of sending again blindly.
    """

    def __init__(
        self, message: str, kind: ErrorKind, *, retry_after: float | None = None,
        uncertain: bool = False, field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_after = retry_after
        self.uncertain = uncertain
        self.field = field

    def __repr__(self) -> str:
        return f"NetworkError({self.kind}: {self.message!r}, retry_after={self.retry_after})"


@dataclass(frozen=True)
class Limits:
    """What one account's server accepts in a post."""

    max_chars: int
    max_media: int
    image_mime_types: frozenset[str]
    max_image_bytes: int
    url_length: int | None = None  # every URL counts as this many characters (Mastodon)
    max_alt_chars: int = 1500
    # Empty: the network (or this server) takes no video. A video is always alone in a post.
    video_mime_types: frozenset[str] = frozenset()
    max_video_bytes: int = 0


@dataclass(frozen=True)
class MediaFile:
    path: Path
    mime_type: str
    alt_text: str = ""
    size: int = 0
    width: int | None = None
    height: int | None = None

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")


@dataclass(frozen=True)
class PublishRequest:
    """One post to put on one account.

    `idempotency_key` is stable across every attempt of the same publication: networks
    that support it use it to refuse duplicates; the others use it to derive a
    deterministic identifier or to reconcile.
    """

    text: str
    idempotency_key: str
    media: Sequence[MediaFile] = ()
    language: str | None = None
    created_at: datetime | None = None  # when the publication was created (stable)


@dataclass(frozen=True)
class RemotePost:
    remote_id: str
    url: str
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """Why a text or its media cannot be published on one network, before trying."""

    field: str  # "text" or "media"
    message: str


@dataclass(frozen=True)
class Identity:
    """Who an account is on its network, as read back after connecting."""

    remote_id: str
    handle: str
    display_name: str
    url: str
    avatar_url: str = ""


class Connector(Protocol):
    """One connected account on one network."""

    network: ClassVar[str]

    def identity(self) -> Identity:
        """Check the credentials and say who this account is."""
        ...

    def limits(self) -> Limits: ...

    def count(self, text: str) -> int:
        """The length of `text` as this network counts it."""
        ...

    def publish(self, request: PublishRequest) -> RemotePost: ...

    def find_published(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        """Look on the network for a post that an earlier, uncertain attempt of the same
        request may have created. Returns it, or None if the network has no such post."""
        ...

    def delete(self, remote_id: str) -> None: ...


class InboxConnector(Protocol):
    """What the unified inbox (a later issue) asks of a network."""

    def fetch_inbox(self, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]: ...

    def reply(self, in_reply_to: str, request: PublishRequest) -> RemotePost: ...

    def moderate(self, action: str, target_id: str) -> None: ...


class MetricsConnector(Protocol):
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]: ...

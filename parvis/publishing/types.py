"""The plain values publishing code passes around: a post being written (`PostInput`), a
medium as checked (`MediaInfo`), a new file (`Upload`), and the errors that name a field.

This module imports no other publishing module, so that every one of them can import it
at the top: checks (`validation`), the library, the charter and UTM tagging build on these
types and on each other in one direction only (`validation` on the others, never back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from parvis.accounts.models import Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Campaign, Label


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"


class PostValidationError(Exception):
    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out


@dataclass
class MediaInfo:
    """An image as checked: what it really is, not what its name or browser claims."""

    name: str
    mime_type: str
    size: int
    width: int | None = None
    height: int | None = None
    alt_text: str = ""
    # From the media library: which asset, image or video, until when it may be used.
    asset_id: int | None = None
    kind: str = "image"
    rights_expire_on: date | None = None
    sha256: str = ""


@dataclass
class PostInput:
    text: str
    accounts: list[SocialAccount]
    mode: str  # "draft", "now", "schedule" or "queue" (next free slot of each account)
    scheduled_at: datetime | None = None  # aware, UTC or any zone
    timezone_name: str = ""
    variants: dict[str, str] = field(default_factory=dict)
    media: list[MediaInfo] = field(default_factory=list)
    language: str = ""
    # The workspace's charter, campaign (for UTM) and labels; None/empty where unknown.
    workspace: Workspace | None = None
    campaign: Campaign | None = None
    labels: list[Label] = field(default_factory=list)
    # Per-network post options ({"wordpress": {"title": …}}), cleaned by `check_post`.
    options: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Upload:
    """A new image or video for a post: a file-like object, its name and size, its alt text."""

    name: str
    stream: IO[bytes]
    size: int
    alt_text: str = ""

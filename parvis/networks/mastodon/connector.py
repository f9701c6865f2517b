"""Mastodon (and compatible servers) behind the parvis network contract."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import grapheme
from django.utils import timezone

from parvis.networks.base import Identity, Limits, PublishRequest, RemotePost
from parvis.networks.mastodon.client import call, make_client
from parvis.networks.text import mastodon_countable_text

if TYPE_CHECKING:
    from mastodon import Mastodon

    from parvis.networks.models import SocialAccount

# Mastodon's own defaults, used only until the instance has told us its real limits.
DEFAULT_LIMITS: dict[str, Any] = {
    "max_chars": 500, "max_media": 4, "url_length": 23,
    "image_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
    "max_image_bytes": 16 * 1024 * 1024, "max_alt_chars": 1500,
    "video_mime_types": ["video/mp4", "video/quicktime", "video/webm"], "max_video_bytes": 99 * 1024 * 1024,
}
LIMITS_TTL = timedelta(hours=12)


def limits_from_instance(info: dict[str, Any]) -> dict[str, Any]:
    """Read the posting limits from /api/v2/instance (or v1, or Pleroma's fields)."""
    config: dict[str, Any] = info.get("configuration") or {}
    statuses: dict[str, Any] = config.get("statuses") or {}
    media: dict[str, Any] = config.get("media_attachments") or {}
    mimes = [m for m in media.get("supported_mime_types") or [] if str(m).startswith("image/")]
    videos = [m for m in media.get("supported_mime_types") or [] if str(m).startswith("video/")]
    return {
        "max_chars": int(statuses.get("max_characters") or info.get("max_toot_chars") or 500),
        "max_media": int(statuses.get("max_media_attachments") or 4),
        "url_length": int(statuses.get("characters_reserved_per_url") or 23),
        "image_mime_types": mimes or DEFAULT_LIMITS["image_mime_types"],
        "max_image_bytes": int(media.get("image_size_limit") or DEFAULT_LIMITS["max_image_bytes"]),
        "max_alt_chars": int(media.get("description_limit") or 1500),
        "video_mime_types": videos or DEFAULT_LIMITS["video_mime_types"],
        "max_video_bytes": int(media.get("video_size_limit") or DEFAULT_LIMITS["max_video_bytes"]),
    }


def fetch_instance_limits(client: Mastodon) -> dict[str, Any]:
    try:
        info = call(client, client.instance_v2)
    except Exception:  # noqa: BLE001 - old servers lack v2: fall back to v1
        info = call(client, client.instance_v1)
    return limits_from_instance(dict(info))


_TAG_RE = re.compile(r"<[^>]+>")


def plain_text(content_html: str) -> str:
    """Mastodon gives status content as HTML; turn it back into the text we sent."""
    text = re.sub(r"<br\s*/?>", "\n", content_html or "")
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return html.unescape(_TAG_RE.sub("", text)).strip()


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


class MastodonConnector:
    network: ClassVar[str] = "mastodon"

    def __init__(self, account: SocialAccount) -> None:
        self.account = account
        self.client = make_client(account.server_url, account.credentials.get("access_token"))

    # -- identity and limits -------------------------------------------------------
    def identity(self) -> Identity:
        me = call(self.client, self.client.account_verify_credentials)
        return identity_from(me, self.account.server_url)

    def limits(self) -> Limits:
        """The instance's limits as last read (never a network call: the composer asks
        on every keystroke). `refresh_limits` reads them again."""
        return limits_object(self.account.config.get("limits") or DEFAULT_LIMITS)

    def refresh_limits(self, max_age: timedelta = LIMITS_TTL) -> Limits:
        checked = self.account.config.get("limits_checked_at")
        if checked and timezone.now() - datetime.fromisoformat(checked) < max_age:
            return self.limits()
        raw = fetch_instance_limits(self.client)
        self.account.update_config(limits=raw, limits_checked_at=timezone.now().isoformat())
        return limits_object(raw)

    def count(self, text: str) -> int:
        limits = self.limits()
        return grapheme.length(mastodon_countable_text(text, limits.url_length or 23))

    # -- publishing ----------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost:
        media_ids = []
        for media in request.media:
            uploaded = call(
                self.client, self.client.media_post, str(media.path), mime_type=media.mime_type,
                description=media.alt_text or None, synchronous=True, write=True,
            )
            media_ids.append(uploaded["id"])
        status = call(
            self.client, self.client.status_post, request.text, media_ids=media_ids or None,
            idempotency_key=request.idempotency_key, language=request.language, write=True,
        )
        return remote_post(status)

    def find_published(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        """Mastodon keeps idempotency keys for an hour only: past that, or on servers that
        ignore the header, look through the account's latest statuses for our text."""
        statuses = call(
            self.client, self.client.account_statuses, self.account.remote_id,
            exclude_reblogs=True, limit=40,
        )
        for status in statuses:
            created = status.get("created_at")
            if created and created < since - timedelta(minutes=2):
                break
            same_media = len(status.get("media_attachments") or []) == len(request.media)
            if same_media and _same_text(plain_text(status.get("content", "")), request.text):
                return remote_post(status)
        return None

    def delete(self, remote_id: str) -> None:
        call(self.client, self.client.status_delete, remote_id, write=True)


def limits_object(raw: dict[str, Any]) -> Limits:
    return Limits(
        max_chars=raw["max_chars"], max_media=raw["max_media"], url_length=raw["url_length"],
        image_mime_types=frozenset(raw["image_mime_types"]),
        max_image_bytes=raw["max_image_bytes"], max_alt_chars=raw.get("max_alt_chars", 1500),
        # Limits stored before video support have no video keys: Mastodon's defaults.
        video_mime_types=frozenset(raw.get("video_mime_types", DEFAULT_LIMITS["video_mime_types"])),
        max_video_bytes=raw.get("max_video_bytes", DEFAULT_LIMITS["max_video_bytes"]),
    )


def remote_post(status: Any) -> RemotePost:
    return RemotePost(
        remote_id=str(status["id"]), url=status.get("url") or status.get("uri") or "",
        created_at=status.get("created_at"),
    )


def identity_from(me: Any, server_url: str) -> Identity:
    host = server_url.split("://", 1)[-1]
    return Identity(
        remote_id=str(me["id"]), handle=f"@{me['acct']}@{host}" if "@" not in me["acct"] else f"@{me['acct']}",
        display_name=me.get("display_name") or me["acct"], url=me.get("url") or "",
        avatar_url=me.get("avatar_static") or me.get("avatar") or "",
    )

"""Mastodon (and compatible servers) behind the parvis network contract."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from django.utils import timezone

from parvis.core.texts import Text
from parvis.networks.base import (
    BaseConnector,
    Identity,
    InboundItem,
    InboxPage,
    Limits,
    Lookup,
    Moderation,
    ParticipantPage,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
    ReplyTarget,
    counters,
)
from parvis.networks.mastodon import mentions
from parvis.networks.mastodon.client import call, make_client
from parvis.networks.mastodon.content import html_to_text
from parvis.networks.mastodon.contest import WAYS, MastodonContest
from parvis.networks.mastodon.inbox import (
    STREAMS,
    MastodonInbox,
    fetch_local_domain,
    reply_visibility,
)
from parvis.networks.mastodon.info import INFO
from parvis.networks.mastodon.moderation import MODERATIONS, MastodonModeration

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
# Reconciliation reads one page of the account's statuses (Mastodon's largest).
FIND_PAGE = 40
# The counters analytics reads (INFO.metric_names says what parvis calls them).
POST_COUNTERS = ("favourites_count", "reblogs_count", "replies_count")
ACCOUNT_COUNTERS = ("followers_count", "following_count", "statuses_count")


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


def plain_text(content_html: str) -> str:
    """Mastodon gives status content as HTML; turn it back into the text we sent."""
    return html_to_text(content_html)


# Mastodon shows a remote mention as `@user`, without the `@domain` that was written.
# The domain ends with a letter or digit: a full stop after it ends the sentence.
_REMOTE_MENTION_RE = re.compile(r"(?<![\w@])(@[\w.-]+)@[\w-]+(?:\.[\w-]+)*(?::\d+)?")


def _same_text(a: str, b: str) -> bool:
    def comparable(text: str) -> str:
        return " ".join(_REMOTE_MENTION_RE.sub(r"\1", text).split())

    return comparable(a) == comparable(b)


class MastodonConnector(BaseConnector):
    network: ClassVar[str] = "mastodon"

    def __init__(self, account: SocialAccount) -> None:
        super().__init__(account)
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
        return INFO.count(text, self.limits())

    # -- publishing ----------------------------------------------------------------
    def reply_text(self, text: str, target: ReplyTarget | None) -> str:
        """The text a reply will really carry (with the @mentions Mastodon needs), so that
        the inbox counts what is sent."""
        return mentions.complete(text, target, self.own_domains())

    def reply_prefill(self, target: ReplyTarget) -> str:
        """What the inbox's reply box starts with: the mentions the reply will carry."""
        return mentions.prefill(target)

    def own_domains(self) -> frozenset[str]:
        """The names of the account's server in addresses: its local domain (once read
        from the instance) and its web host, with and without a port. No network call."""
        parts = urlsplit(self.account.server_url)
        local = str(self.account.config.get("local_domain") or "")
        return frozenset(d.lower() for d in (parts.hostname or "", parts.netloc, local) if d)

    def publish(self, request: PublishRequest) -> RemotePost:
        media_ids = []
        for media in request.media:
            uploaded = call(
                self.client, self.client.media_post, str(media.path), mime_type=media.mime_type,
                description=media.alt_text or None, synchronous=True, write=True,
            )
            media_ids.append(uploaded["id"])
        reply_to = request.reply_to
        status = call(
            self.client, self.client.status_post, self.reply_text(request.text, reply_to),
            media_ids=media_ids or None, idempotency_key=request.idempotency_key,
            language=request.language, write=True,
            in_reply_to_id=reply_to.remote_id if reply_to else None,
            visibility=reply_visibility(reply_to),
        )
        return remote_post(status)

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        """Mastodon keeps idempotency keys for an hour only: past that, or on servers that
        ignore the header, look through the account's latest statuses for our text (and,
        for a reply, the post it answers: the same words may answer two people). The
        answer is sure only if the page reaches back to `since`: a busier account may
        hold our post further down."""
        statuses = call(
            self.client, self.client.account_statuses, self.account.remote_id,
            exclude_reblogs=True, limit=FIND_PAGE,
        )
        text = self.reply_text(request.text, request.reply_to)
        parent = request.reply_to.remote_id if request.reply_to else None
        for status in statuses:
            created = status.get("created_at")
            if created and created < since - timedelta(minutes=2):
                return Lookup.absent()
            in_reply_to = status.get("in_reply_to_id")
            if (str(in_reply_to) if in_reply_to is not None else None) != parent:
                continue
            same_media = len(status.get("media_attachments") or []) == len(request.media)
            if same_media and _same_text(plain_text(status.get("content", "")), text):
                return Lookup.found(remote_post(status))
        if len(statuses) < FIND_PAGE:
            return Lookup.absent()  # the account's whole history was read
        return Lookup.unknown(Text.gettext(
            "The account posted more than %(n)d times since the first attempt; parvis could not "
            "tell whether this post is among them.", n=FIND_PAGE))

    def delete(self, remote_id: str) -> None:
        call(self.client, self.client.status_delete, remote_id, write=True)

    # -- inbox (the work is in inbox.py and moderation.py) ---------------------------
    @cached_property
    def inbox(self) -> MastodonInbox:
        return MastodonInbox(self.client, str(self.account.remote_id), self.local_domain)

    def local_domain(self) -> str:
        """The domain of local accounts' addresses, read once from the instance."""
        domain = self.account.config.get("local_domain")
        if not domain:
            domain = fetch_local_domain(self.client, self.account.server_url)
            self.account.update_config(local_domain=domain)
        return str(domain)

    def inbox_streams(self) -> Sequence[str]:
        return STREAMS

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        return self.inbox.fetch(stream, cursor)

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        return self.inbox.refresh(remote_ids)

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        return self.inbox.ancestors(remote_id)

    def moderations(self) -> frozenset[Moderation]:
        return MODERATIONS

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        MastodonModeration(self.client).moderate(action, item, author, reason)

    # -- contests (the work is in contest.py) ----------------------------------------
    @cached_property
    def contest(self) -> MastodonContest:
        return MastodonContest(self.client, str(self.account.remote_id), self.local_domain(), self.own_domains())

    def contest_ways(self) -> frozenset[str]:
        return WAYS

    def participants(self, remote_id: str, way: str, cursor: str | None) -> ParticipantPage:
        return self.contest.participants(remote_id, way, cursor)

    def followers_among(self, stable_ids: Sequence[str]) -> dict[str, bool]:
        return self.contest.followers_among(stable_ids)

    def send_direct(self, stable_id: str, handle: str, text: str) -> str | None:
        return self.contest.send_direct(stable_id, handle, text)

    # -- figures (analytics) ---------------------------------------------------------
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Each status's counters as the server gives them now; a status gone (404/410)
        is absent. The inbox's reader batches (GET /api/v1/statuses?id[]=, Mastodon
        4.3+) and falls back to one GET per status on older servers."""
        wanted = list(dict.fromkeys(str(r) for r in remote_ids))
        found = self.inbox.get_many(wanted)  # the same reads as refresh_items
        return {str(status["id"]): counters(status, POST_COUNTERS) for status in found
                if str(status["id"]) in wanted}

    def fetch_account_metrics(self) -> dict[str, int]:
        me = call(self.client, self.client.account_verify_credentials)
        return counters(me, ACCOUNT_COUNTERS)


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

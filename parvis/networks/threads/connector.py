"""Threads behind the parvis network contract (Threads API v1.0, graph.threads.net).

Publishing is in steps (`publishing.py`), the inbox is the replies under the account's
posts and its mentions (`inbox.py`), metrics are the posts' insights (`metrics.py`).
Credentials are `{"access_token", "user_id"}`: a long-lived token (60 days), refreshed
with `th_refresh_token`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.core.texts import Text
from parvis.networks.base import (
    BaseConnector,
    Credentials,
    Draft,
    ErrorKind,
    Identity,
    InboundItem,
    InboxPage,
    Limits,
    Lookup,
    Moderation,
    NetworkError,
    Pending,
    Problem,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
)
from parvis.networks.threads import metrics
from parvis.networks.threads.client import ThreadsClient
from parvis.networks.threads.inbox import MODERATIONS, STREAMS, ThreadsInbox
from parvis.networks.threads.info import INFO
from parvis.networks.threads.publishing import Steps

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

PROFILE = "https://www.threads.com"
PROFILE_FIELDS = "id,username,name,threads_profile_picture_url"
CAROUSEL_MIN, CAROUSEL_MAX = 2, 20
LIMITS = Limits(
    max_chars=500, max_media=CAROUSEL_MAX,
    image_mime_types=frozenset({"image/jpeg", "image/png"}), max_image_bytes=8 * 1024 * 1024,
    max_alt_chars=1000,
    video_mime_types=frozenset({"video/mp4", "video/quicktime"}), max_video_bytes=1024 * 1024 * 1024,
)


def identity_from(me: dict[str, Any]) -> Identity:
    username = str(me.get("username") or me.get("id") or "")
    return Identity(remote_id=str(me["id"]), handle=f"@{username}", display_name=str(me.get("name") or username),
                    url=f"{PROFILE}/@{username}", avatar_url=str(me.get("threads_profile_picture_url") or ""))


def read_identity(api: ThreadsClient) -> Identity:
    return identity_from(api.get("me", fields=PROFILE_FIELDS))


def token_credentials(answer: dict[str, Any], now: datetime | None = None) -> Credentials:
    """A token answer (`{"access_token", "token_type", "expires_in"}`) as Credentials."""
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise NetworkError(Text.gettext("Threads answered without an access token."), ErrorKind.TRANSIENT)
    expires_in = answer.get("expires_in")
    expires = ((now or timezone.now()) + timedelta(seconds=int(expires_in))
               if isinstance(expires_in, int | float) and expires_in > 0 else None)
    return Credentials({"access_token": token}, expires)


class ThreadsConnector(BaseConnector):
    network: ClassVar[str] = "threads"

    def __init__(self, account: SocialAccount) -> None:
        super().__init__(account)
        self.api = ThreadsClient(str(account.credentials.get("access_token") or ""))

    @property
    def user_id(self) -> str:
        return str(self.account.remote_id)

    @cached_property
    def steps(self) -> Steps:
        return Steps(self.api, self.user_id)

    # -- identity, limits, checks ------------------------------------------------------
    def identity(self) -> Identity:
        return read_identity(self.api)

    def limits(self) -> Limits:
        return LIMITS

    def count(self, text: str) -> int:
        return INFO.count(text)

    def checks(self, draft: Draft) -> list[Problem]:
        problems = []
        if len(draft.media) > 1 and not CAROUSEL_MIN <= len(draft.media) <= CAROUSEL_MAX:
            problems.append(Problem("media", _("A Threads carousel takes %(min)d to %(max)d images or videos.")
                                    % {"min": CAROUSEL_MIN, "max": CAROUSEL_MAX}, INFO.key))
        if not draft.text.strip() and not draft.media:
            problems.append(Problem("text", _("A Threads post without an image or a video needs text."), INFO.key))
        tag = str(draft.options.get("topic_tag") or "")
        if tag and any(char in tag for char in ".&"):
            problems.append(Problem("options.topic_tag", _("A Threads topic cannot contain “.” or “&”."),
                                    INFO.key))
        return problems

    # -- publishing ----------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        return self.steps.publish(request)

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        return self.steps.find_published(request, since)

    def delete(self, remote_id: str) -> None:
        self.api.delete(remote_id)

    def refresh_credentials(self) -> Credentials:
        answer = self.api.call("GET", "refresh_access_token", params={"grant_type": "th_refresh_token"},
                               versioned=False)
        return token_credentials(answer)

    # -- inbox ---------------------------------------------------------------------------
    @cached_property
    def inbox(self) -> ThreadsInbox:
        return ThreadsInbox(self.api, self.user_id, self.account.handle)

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
        self.inbox.moderate(action, item)

    # -- metrics -------------------------------------------------------------------------
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        return metrics.fetch(self.api, remote_ids)

    def fetch_account_metrics(self) -> dict[str, int]:
        return metrics.account(self.api, self.user_id)

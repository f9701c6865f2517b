"""Instagram professional accounts behind the parvis network contract, on Meta's Graph
API (`parvis.networks.graph`), connected either way Meta offers:

* Facebook Login: the account is reached through its Facebook Page, with the Page's
  token (graph.facebook.com); that token does not expire.
* Instagram Login: the account's own long-lived token (graph.instagram.com), valid 60
  days and refreshed once at least a day old.

`credentials`: {"access_token", "login": "facebook" | "instagram", "page_id" (Facebook
Login)}. Publishing is in `publishing.py`, the inbox in `inbox.py` (and `mentions.py`
for what Meta's webhook brings), metrics in `metrics.py`, the checks in `checks.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.utils import timezone

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
from parvis.networks.facebook import hosts
from parvis.networks.graph import GraphClient, graph_base
from parvis.networks.graph_messages import MESSAGES, Mailbox, is_message_id, is_private
from parvis.networks.instagram import checks, mentions, messages, metrics
from parvis.networks.instagram.inbox import MODERATIONS, STREAMS, InstagramInbox
from parvis.networks.instagram.publishing import Publisher

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

# Instagram Login's own Graph host; the setting may point elsewhere (tests: the fake).
INSTAGRAM_GRAPH = "https://graph.instagram.com"
FACEBOOK_LOGIN, INSTAGRAM_LOGIN = "facebook", "instagram"
SERVER_URL = "https://www.instagram.com"  # the one "server" of every Instagram account

LIMITS = Limits(
    max_chars=checks.MAX_CAPTION, max_media=checks.CAROUSEL[1],
    # JPEG only: "MPO and JPS extended JPEG formats are not supported" (meta.md, 3.2).
    image_mime_types=frozenset({"image/jpeg"}), max_image_bytes=8 * 1024 * 1024, max_alt_chars=1000,
    video_mime_types=frozenset({"video/mp4", "video/quicktime"}), max_video_bytes=300 * 1024 * 1024,
)


def graph_url(login: str) -> str:
    if login == INSTAGRAM_LOGIN:
        return graph_base("PARVIS_INSTAGRAM_GRAPH_URL", INSTAGRAM_GRAPH)
    return hosts.graph_url()


def identity_from(me: dict[str, object]) -> Identity:
    username = str(me.get("username") or "")
    return Identity(remote_id=str(me.get("user_id") or me["id"]),
                    handle=f"@{username}", display_name=str(me.get("name") or username),
                    url=f"https://www.instagram.com/{username}/",
                    avatar_url=str(me.get("profile_picture_url") or ""))


class InstagramConnector(BaseConnector):
    network: ClassVar[str] = "instagram"

    def __init__(self, account: SocialAccount) -> None:
        super().__init__(account)
        self.login = str(account.credentials.get("login") or FACEBOOK_LOGIN)
        self.client = GraphClient(graph_url(self.login), str(account.credentials.get("access_token") or ""),
                                  account_key=str(account.remote_id))

    @cached_property
    def publisher(self) -> Publisher:
        return Publisher(self.client, str(self.account.remote_id), self.account.handle)

    # -- identity, limits, checks -----------------------------------------------------------
    def identity(self) -> Identity:
        me = self.client.get(str(self.account.remote_id), fields="id,username,name,profile_picture_url")
        return identity_from(me)

    def limits(self) -> Limits:
        return LIMITS

    def checks(self, draft: Draft) -> list[Problem]:
        return checks.check(draft)

    # -- publishing ------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        if is_private(request.reply_to):
            return self.messages.send(request)
        return self.publisher.publish(request)

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        if is_private(request.reply_to):
            return self.messages.find_sent(request, since)
        return self.publisher.find_published(request, since)

    def delete(self, remote_id: str) -> None:
        try:
            self.client.delete(remote_id)
        except NetworkError as error:
            if self.login == INSTAGRAM_LOGIN and error.kind is ErrorKind.PERMANENT:
                raise NetworkError(Text.gettext(
                    "Instagram refused to delete it. Through Instagram Login its API deletes comments only; "
                    "Instagram allows deleting posts only for accounts connected with Facebook Login."),
                    ErrorKind.PERMANENT) from error
            raise

    def after_connect(self) -> list[str | Text]:
        """Turn on Meta's webhooks for this account, without which its @mentions never
        come (meta.md, 5.4): the Page's subscription to the app (Facebook Login: any Page
        field will do) or the account's own (Instagram Login). Only where the webhook is
        set up here: otherwise nothing would listen."""
        if not getattr(settings, "PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN", ""):
            return []
        page_id = str(self.account.credentials.get("page_id") or "")
        node, field = (page_id, "feed") if self.login == FACEBOOK_LOGIN and page_id else (
            str(self.account.remote_id), "comments")
        try:
            self.client.post(f"{node}/subscribed_apps", subscribed_fields=field)
        except NetworkError as exc:
            return [Text.gettext("Instagram will not send parvis the @mentions of %(handle)s: Meta refused to "
                                 "turn on its notifications (%(error)s). Connect the account again and grant "
                                 "every permission asked.", handle=self.account.handle, error=exc.reason)]
        return []

    def refresh_credentials(self) -> Credentials:
        if self.login != INSTAGRAM_LOGIN:
            # A Page token obtained from a long-lived user token does not expire.
            return Credentials({"access_token": self.account.credentials.get("access_token")}, None)
        answer = self.client.get("refresh_access_token", versioned=False, grant_type="ig_refresh_token")
        token, lifetime = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token:
            raise NetworkError(Text.gettext("Instagram answered the token refresh without a token."),
                               ErrorKind.TRANSIENT)
        expires = timezone.now() + timedelta(seconds=lifetime) if isinstance(lifetime, int) else None
        return Credentials({"access_token": token}, expires)

    # -- inbox -----------------------------------------------------------------------------
    @cached_property
    def inbox(self) -> InstagramInbox:
        return InstagramInbox(self.client, str(self.account.remote_id), self.account.handle)

    @cached_property
    def messages(self) -> Mailbox:
        page = self.account.credentials.get("page_id") if self.login == FACEBOOK_LOGIN else None
        return messages.mailbox(self.client, str(self.account.remote_id), self.account.handle,
                                str(page) if page else None)

    @cached_property
    def mention_stream(self) -> mentions.Mentions:
        return mentions.Mentions(self.client, self.account)

    def inbox_streams(self) -> Sequence[str]:
        return (*STREAMS, MESSAGES, mentions.STREAM)

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        if stream == MESSAGES:
            return self.messages.fetch(cursor)
        if stream == mentions.STREAM:
            return self.mention_stream.fetch(cursor)
        return self.inbox.fetch(stream, cursor)

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        private = [r for r in remote_ids if is_message_id(r)]
        mentioned, others = self.mention_stream.refresh([r for r in remote_ids if not is_message_id(r)])
        return {**self.inbox.refresh(others), **self.messages.refresh(private), **mentioned}

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        return [] if is_message_id(remote_id) else self.inbox.context(remote_id)

    def moderations(self) -> frozenset[Moderation]:
        return MODERATIONS

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        if item is not None and item.private:
            raise NetworkError(Text.gettext("Instagram offers no moderation of private messages."),
                               ErrorKind.PERMANENT)
        self.inbox.moderate(action, item)

    # -- metrics ---------------------------------------------------------------------------
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        return metrics.fetch(self.client, remote_ids)

    def fetch_account_metrics(self) -> dict[str, int]:
        return metrics.account_counts(self.client, str(self.account.remote_id))

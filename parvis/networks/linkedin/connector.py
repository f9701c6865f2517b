"""One LinkedIn page (`urn:li:organization:…`) or personal profile (`urn:li:person:…`),
through the versioned REST API as the member who connected it.

Exactly once: LinkedIn has no idempotency key. A post whose answer was lost is looked
for with the author finder (newest first, by last change) and recognised by its escaped
commentary and the media recorded for it; when the list reaches back before the first
attempt without it, it is absent for sure. A 422 DUPLICATE_POST ("Content is a duplicate
of urn:…") means an earlier attempt got through: the post is looked for, never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.dateparse import parse_datetime
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
from parvis.networks.linkedin import metrics, oauth, version
from parvis.networks.linkedin.client import LinkedInClient, LinkedInError, api_url, enc, more_after
from parvis.networks.linkedin.inbox import Comments, comment_parts
from parvis.networks.linkedin.little_text import escape, unescape
from parvis.networks.linkedin.media import Uploads, recorded_media
from parvis.networks.linkedin.options import CONNECTIONS, PUBLIC

log = logging.getLogger(__name__)

KEY = "linkedin"
LIMITS = Limits(
    max_chars=3000, max_media=20, image_mime_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
    # The image byte limit is not documented (5 or 8 MB in third-party pages): the lower one.
    max_image_bytes=5 * 1024 * 1024,
    max_alt_chars=4086,  # the Posts API's altText (MS posts-api schema; not in the facts doc)
    video_mime_types=frozenset({"video/mp4"}), max_video_bytes=200 * 1024 * 1024,  # 500 MB said, 200 MB safe
)
FINDER_PAGE = 50
FINDER_PAGES = 4  # how far back the author finder is read before saying "unknown"
CLOCK_MARGIN = timedelta(minutes=10)  # LinkedIn's clock against ours
DUPLICATE_WINDOW = timedelta(days=1)


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedInConnector(BaseConnector):
    network: ClassVar[str] = KEY

    # -- who -------------------------------------------------------------------------
    @property
    def author(self) -> str:
        return self.account.remote_id

    @property
    def is_page(self) -> bool:
        return self.author.startswith("urn:li:organization:")

    def api(self) -> LinkedInClient:
        return LinkedInClient(str(self.account.credentials.get("access_token", "")))

    def identity(self) -> Identity:
        with self.api() as api:
            return identity_of(api, self.author)

    def limits(self) -> Limits:
        return LIMITS

    def warnings(self) -> list[str | Text]:
        """What the account page should say about this account beyond its status: the
        API version parvis speaks ending soon (see `version.py`)."""
        warning = version.sunset_warning()
        return [warning] if warning is not None else []

    def checks(self, draft: Draft) -> list[Problem]:
        problems = []
        if not draft.text.strip() and not draft.media:
            problems.append(Problem("text", _("A LinkedIn post needs a text or media."), KEY))
        visibility = draft.options.get("visibility") or PUBLIC
        if visibility not in (PUBLIC, CONNECTIONS):
            problems.append(Problem("options.visibility", _("Unknown visibility."), KEY))
        elif visibility == CONNECTIONS and self.is_page:
            problems.append(Problem("options.visibility",
                                    _("A page has no connections: its posts are public."), KEY))
        return problems

    # -- publishing ------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        with self.api() as api:
            if request.reply_to is not None:
                return self.comments(api).reply(request)
            content = Uploads(api, self.author, request).content()
            if isinstance(content, Pending):
                return content
            try:
                answer = api.rest("POST", "posts", write=True, json=self.post_body(request, content))
            except LinkedInError as error:
                if error.duplicate_of is None:
                    raise
                return self.already_there(api, request, error)
        urn = answer.headers.get("x-restli-id", "")
        if not urn:
            raise NetworkError(Text.gettext("LinkedIn created the post but did not say its id."),
                               ErrorKind.TRANSIENT, uncertain=True)
        return RemotePost(remote_id=urn, url=post_url(urn), created_at=timezone.now())

    def post_body(self, request: PublishRequest, content: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "author": self.author, "commentary": escape(request.text),
            "visibility": request.options.get("visibility") or PUBLIC,
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False,
        }
        if content:
            body["content"] = content
        return body

    def already_there(self, api: LinkedInClient, request: PublishRequest, error: LinkedInError) -> RemotePost:
        """LinkedIn refused the post as a duplicate of one it has: an earlier attempt
        got through. That post is the publication's; none is sent again."""
        lookup = self.lookup(api, request, timezone.now() - DUPLICATE_WINDOW)
        if lookup.post is not None:
            return lookup.post
        raise NetworkError(Text.gettext("LinkedIn refuses this post as a duplicate of %(urn)s, which parvis "
                                        "cannot find among the account's posts (deleted within the last day?). "
                                        "It was not sent again.", urn=error.duplicate_of or "?"),
                           ErrorKind.PERMANENT) from error

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        with self.api() as api:
            try:
                if request.reply_to is not None:
                    return self.comments(api).find_reply(request)
                return self.lookup(api, request, since)
            except NetworkError as error:
                if isinstance(error, LinkedInError) and error.status == 403:
                    # A person's posts are listed only with r_member_social, which LinkedIn rarely grants.
                    return Lookup.unknown(Text.gettext("LinkedIn does not let parvis list this account's posts: "
                                                       "%(error)s", error=error.reason))
                if error.kind is ErrorKind.TRANSIENT:  # ask again later, still unsure
                    raise NetworkError(error.reason, ErrorKind.TRANSIENT, retry_after=error.retry_after,
                                       uncertain=True) from error
                if error.kind is ErrorKind.RECONNECT:
                    raise
                return Lookup.unknown(Text.gettext("LinkedIn did not list the account's posts: %(error)s",
                                                   error=error.reason))

    def lookup(self, api: LinkedInClient, request: PublishRequest, since: datetime) -> Lookup:
        """The author finder, newest change first, read back to `since`."""
        wanted, media = escape(request.text), recorded_media(dict(request.progress))
        oldest = (since - CLOCK_MARGIN).timestamp() * 1000
        start = 0
        for _page in range(FINDER_PAGES):
            answer = api.get("posts", params={"q": "author", "author": self.author, "sortBy": "LAST_MODIFIED",
                                              "count": str(FINDER_PAGE), "start": str(start)})
            elements = answer.get("elements") or []
            for post in elements:
                if same_post(post, wanted, media):
                    return Lookup.found(remote_post(post))
                if int(post.get("lastModifiedAt") or 0) < oldest:
                    return Lookup.absent()
            start += len(elements)
            if not elements or not more_after(answer, start, FINDER_PAGE):
                return Lookup.absent()
        return Lookup.unknown(Text.gettext("More than %(count)s LinkedIn posts changed since the first attempt: "
                                           "parvis did not look further.", count=FINDER_PAGE * FINDER_PAGES))

    def delete(self, remote_id: str) -> None:
        """A post, or a comment (ours, or anyone's under the account's posts)."""
        with self.api() as api:
            try:
                parts = comment_parts(remote_id)
                if parts is not None:
                    api.rest("DELETE", f"socialActions/{enc(parts[0])}/comments/{parts[1]}",
                             params={"actor": self.author})
                else:
                    api.rest("DELETE", f"posts/{enc(remote_id)}")
            except LinkedInError as error:
                if error.status != 404:  # already gone is what was asked
                    raise

    # -- credentials -----------------------------------------------------------------
    def refresh_credentials(self) -> Credentials:
        """A new access token from the refresh token. The refresh token itself ends a year
        after the member's consent: once the access token already reaches that end, the
        expiry reported is the refresh token's, so the owners are warned in time."""
        config = self.account.config
        ends = parse_datetime(str(config.get("refresh_expires_at") or ""))
        current = self.account.credentials_expire_at
        refresh_token = str(self.account.credentials.get("refresh_token") or "")
        if not refresh_token or (ends is not None and current is not None and current >= ends):
            # Nothing left to renew: report when access really ends (the sooner of the two).
            return Credentials({}, min(when for when in (current, ends) if when is not None) if current or ends
                               else None)
        tokens = oauth.refresh(refresh_token)
        expires = min(tokens.expires_at, ends) if ends is not None else tokens.expires_at
        values: dict[str, Any] = {"access_token": tokens.access_token}
        if tokens.refresh_token:
            values["refresh_token"] = tokens.refresh_token
        return Credentials(values, expires)

    # -- inbox -----------------------------------------------------------------------
    def comments(self, api: LinkedInClient) -> Comments:
        return Comments(api, self.author)

    def inbox_streams(self) -> Sequence[str]:
        """Comments under a page's recent posts. LinkedIn offers no pull endpoint for
        mentions or page notifications (webhooks only), nor messages to pages; and a
        person's posts cannot be listed without r_member_social: no inbox for profiles."""
        return ("comments",) if self.is_page else ()

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        if stream != "comments":
            raise NetworkError(Text.gettext("LinkedIn has no inbox stream %(name)s.", name=stream),
                               ErrorKind.PERMANENT)
        with self.api() as api:
            return self.comments(api).fetch(cursor)

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        with self.api() as api:
            return self.comments(api).refresh(remote_ids)

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        with self.api() as api:
            return self.comments(api).context(remote_id)

    def moderations(self) -> frozenset[Moderation]:
        """None: LinkedIn's API cannot hide a comment, nor mute, block or report anyone.
        A comment under the account's posts can only be deleted (`delete`)."""
        return frozenset()

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        raise NetworkError(Text.gettext("LinkedIn does not offer this action; a comment can only be deleted."),
                           ErrorKind.PERMANENT)

    # -- metrics ---------------------------------------------------------------------
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        with self.api() as api:
            return metrics.post_metrics(api, self.author, remote_ids)

    def fetch_account_metrics(self) -> dict[str, int]:
        with self.api() as api:
            return metrics.account_metrics(api, self.author)


def same_post(post: dict[str, Any], wanted: str, media: list[str]) -> bool:
    commentary = str(post.get("commentary") or "")
    if commentary != wanted and unescape(commentary) != unescape(wanted):
        return False
    return not media or media_of(post) == media


def media_of(post: dict[str, Any]) -> list[str]:
    content = post.get("content") or {}
    if "media" in content:
        return [content["media"].get("id", "")]
    return [image.get("id", "") for image in (content.get("multiImage") or {}).get("images", [])]


def remote_post(post: dict[str, Any]) -> RemotePost:
    created = post.get("publishedAt") or post.get("createdAt")
    when = datetime.fromtimestamp(created / 1000, tz=timezone.get_current_timezone()) if created else None
    return RemotePost(remote_id=str(post["id"]), url=post_url(str(post["id"])), created_at=when)


def identity_of(api: LinkedInClient, author: str) -> Identity:
    if author.startswith("urn:li:organization:"):
        org = api.get(f"organizations/{author.rsplit(':', 1)[1]}")
        name = str(org.get("localizedName") or org.get("vanityName") or author)
        vanity = org.get("vanityName") or author.rsplit(":", 1)[1]
        return Identity(remote_id=author, handle=f"@[{name}]({author})", display_name=name,
                        url=f"https://www.linkedin.com/company/{vanity}/")
    me = api.send("GET", f"{api_url()}/v2/userinfo", headers={"Authorization": f"Bearer {api.token}"}).json()
    name = str(me.get("name") or author)
    return Identity(remote_id=author, handle=f"@[{name}]({author})", display_name=name, url="",
                    avatar_url=str(me.get("picture") or ""))

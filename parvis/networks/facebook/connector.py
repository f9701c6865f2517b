"""Facebook Pages behind the parvis network contract, on Meta's Graph API
(`parvis.networks.graph`), with the Page's own token (from Facebook Login; it does not
expire when read with a long-lived user token).

Publishing is one call for a text or a photo; several photos are uploaded unpublished
first (each recorded in the progress as soon as it exists), then attached to one post; a
video is uploaded by address and waits while Facebook processes it. Facebook has no
idempotency key: a lost answer is reconciled by reading the Page's published posts since
the first attempt (meta.md, 4.1).

`credentials`: {"access_token": the Page token}. `remote_id` is the Page id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

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
    MediaFile,
    Moderation,
    NetworkError,
    Pending,
    Problem,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
)
from parvis.networks.facebook import hosts, messages, metrics
from parvis.networks.facebook.inbox import MODERATIONS, STREAMS, FacebookInbox, graph_time
from parvis.networks.graph import GraphClient
from parvis.networks.graph_messages import MESSAGES, Mailbox, is_message_id, is_private

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

SERVER_URL = "https://www.facebook.com"
LIMITS = Limits(
    max_chars=63_206, max_media=10,
    image_mime_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}),
    max_image_bytes=4 * 1024 * 1024,  # Meta's recommendation for photos (meta.md, 3.1)
    video_mime_types=frozenset({"video/mp4", "video/quicktime"}), max_video_bytes=1024 * 1024 * 1024,
)
VIDEO_CHECK_IN = 30.0
CLOCK_SLACK = timedelta(minutes=2)
POST_FIELDS = "id,message,created_time,permalink_url"


def same_text(a: Any, b: str) -> bool:
    return " ".join(str(a or "").split()) == " ".join(b.split())


def identity_from(page: dict[str, Any]) -> Identity:
    name = str(page.get("name") or page["id"])
    return Identity(remote_id=str(page["id"]), handle=name, display_name=name,
                    url=str(page.get("link") or f"https://www.facebook.com/{page['id']}"))


def public_url(media: MediaFile) -> str:
    """Facebook downloads the media itself, from an address it can reach."""
    if not media.url:
        raise NetworkError(Text.gettext("Facebook downloads media from a public address, and this file has "
                                        "none: set PARVIS_BASE_URL to parvis's public address."),
                           ErrorKind.PERMANENT, field="media")
    return media.url


class FacebookConnector(BaseConnector):
    network: ClassVar[str] = "facebook"

    def __init__(self, account: SocialAccount) -> None:
        super().__init__(account)
        self.page_id = str(account.remote_id)
        self.client = GraphClient(hosts.graph_url(), str(account.credentials.get("access_token") or ""),
                                  account_key=self.page_id)

    # -- identity, limits, checks -----------------------------------------------------------
    def identity(self) -> Identity:
        return identity_from(self.client.get(self.page_id, fields="id,name,link"))

    def limits(self) -> Limits:
        return LIMITS

    def checks(self, draft: Draft) -> list[Problem]:
        if not draft.text.strip() and not draft.media and not draft.options.get("link"):
            return [Problem("text", _("Facebook needs a text, a link or media."), "facebook")]
        if draft.options.get("link") and draft.media:
            return [Problem("options.link", _("A link preview cannot go with images or a video on Facebook: put "
                                              "the link in the text."), "facebook")]
        return []

    # -- publishing ------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        if is_private(request.reply_to):
            return self.messages.send(request)
        if request.reply_to is not None:
            if request.reply_to.extra.get("tagged"):
                raise NetworkError(Text.gettext("Facebook lets apps comment only on Page posts, not on a post by "
                                                "someone else that tags the Page: answer it from Facebook."),
                                   ErrorKind.PERMANENT)
            answer = self.client.post(f"{request.reply_to.remote_id}/comments", message=request.text)
            return RemotePost(remote_id=str(answer["id"]), url="")
        media = list(request.media)
        if media and media[0].is_video:
            return self.publish_video(request, media[0])
        if len(media) == 1:
            answer = self.client.post(f"{self.page_id}/photos", url=public_url(media[0]), caption=request.text)
            return self.remote(str(answer.get("post_id") or answer["id"]))
        photos = self.upload_photos(request, media) if media else []
        data: dict[str, Any] = {"message": request.text or None, "link": request.options.get("link") or None}
        for index, photo in enumerate(photos):
            data[f"attached_media[{index}]"] = {"media_fbid": photo}
        answer = self.client.post(f"{self.page_id}/feed", fields=POST_FIELDS, **data)
        return RemotePost(remote_id=str(answer["id"]), url=str(answer.get("permalink_url") or ""),
                          created_at=graph_time(answer.get("created_time")))

    def upload_photos(self, request: PublishRequest, media: list[MediaFile]) -> list[str]:
        """Unpublished photos, each recorded as soon as Facebook has it, to attach to one
        post (an unattached photo stays invisible)."""
        photos = list(request.progress.get("photos") or [])
        for item in media[len(photos):]:
            answer = self.client.post(f"{self.page_id}/photos", url=public_url(item), published=False)
            photos.append(str(answer["id"]))
            request.record({**request.progress, "photos": list(photos)})
        return photos

    def publish_video(self, request: PublishRequest, media: MediaFile) -> RemotePost | Pending:
        video = request.progress.get("video")
        if not video:
            answer = self.client.post(f"{self.page_id}/videos", file_url=public_url(media),
                                      description=request.text or None)
            video = str(answer["id"])
            request.record({**request.progress, "video": video})
        state = self.client.get(str(video), fields="status,permalink_url")
        status = (state.get("status") or {}).get("video_status")
        if status == "error":
            raise NetworkError(Text.gettext("Facebook could not process the video."), ErrorKind.PERMANENT)
        if status in ("processing", "uploading"):
            return Pending(VIDEO_CHECK_IN, Text.gettext("Facebook is processing the video."))
        return RemotePost(remote_id=str(video), url=str(state.get("permalink_url") or ""))

    def remote(self, post_id: str) -> RemotePost:
        post = self.client.get(post_id, fields=POST_FIELDS)
        return RemotePost(remote_id=post_id, url=str(post.get("permalink_url") or ""),
                          created_at=graph_time(post.get("created_time")))

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        """The Page's published posts since the first attempt, newest first: ours is the
        one with our text. Reading back past `since` (or to the Page's first post)
        without it means it is not there."""
        if is_private(request.reply_to):
            return self.messages.find_sent(request, since)
        if request.reply_to is not None:
            if request.reply_to.extra.get("tagged"):
                return Lookup.absent()  # refused before sending: nothing went out
            return self.find_reply(request)
        if request.progress.get("video"):  # the upload answered: the video exists
            video = str(request.progress["video"])
            return Lookup.found(RemotePost(remote_id=video, url=""))
        recent = False  # a post since the first attempt (ours, if we have no text to tell it by)
        for post in self.client.pages(f"{self.page_id}/published_posts", fields=POST_FIELDS):
            created = graph_time(post.get("created_time"))
            if created is not None and created < since - CLOCK_SLACK:
                break
            recent = True
            if request.text.strip() and same_text(post.get("message"), request.text):
                return Lookup.found(RemotePost(remote_id=str(post["id"]), url=str(post.get("permalink_url") or ""),
                                               created_at=created))
        else:
            if not self.client.list_ended:
                return Lookup.unknown(Text.gettext("The Page posted too much since the first attempt for parvis to "
                                                   "tell whether this post is among its posts."))
        if recent and not request.text.strip():
            return Lookup.unknown(Text.gettext("A post without text cannot be told from the Page's other posts: "
                                               "check the Page."))
        return Lookup.absent()

    def find_reply(self, request: PublishRequest) -> Lookup:
        assert request.reply_to is not None
        for item in self.client.pages(f"{request.reply_to.remote_id}/comments", fields="id,message,from"):
            if (item.get("from") or {}).get("id") == self.page_id and same_text(item.get("message"), request.text):
                return Lookup.found(RemotePost(remote_id=str(item["id"]), url=""))
        return Lookup.absent() if self.client.list_ended else Lookup.unknown(
            Text.gettext("Too many replies to tell whether this one is among them."))

    def delete(self, remote_id: str) -> None:
        self.client.delete(remote_id)

    def refresh_credentials(self) -> Credentials:
        # A Page token read with a long-lived user token does not expire.
        return Credentials({"access_token": self.account.credentials.get("access_token")}, None)

    # -- inbox -----------------------------------------------------------------------------
    @cached_property
    def inbox(self) -> FacebookInbox:
        return FacebookInbox(self.client, self.page_id)

    @cached_property
    def messages(self) -> Mailbox:
        return messages.mailbox(self.client, self.page_id)

    def inbox_streams(self) -> Sequence[str]:
        return (*STREAMS, MESSAGES)

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        if stream == MESSAGES:
            return self.messages.fetch(cursor)
        return self.inbox.fetch(stream, cursor)

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        found = self.inbox.refresh([r for r in remote_ids if not is_message_id(r)])
        return {**found, **self.messages.refresh([r for r in remote_ids if is_message_id(r)])}

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        return [] if is_message_id(remote_id) else self.inbox.context(remote_id)

    def moderations(self) -> frozenset[Moderation]:
        return MODERATIONS

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        if item is not None and item.private:
            raise NetworkError(Text.gettext("Facebook offers no moderation of private messages."),
                               ErrorKind.PERMANENT)
        self.inbox.moderate(action, item)

    # -- metrics ---------------------------------------------------------------------------
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        return metrics.fetch(self.client, remote_ids)

    def fetch_account_metrics(self) -> dict[str, int]:
        return metrics.page_counts(self.client, self.page_id)

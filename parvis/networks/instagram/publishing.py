"""Publishing on Instagram in steps, exactly once: containers, their status, media_publish.

Each step that creates something on Instagram is recorded in the publication's progress
before the next one, so that an attempt that crashes or loses an answer resumes from it:

    {"children": [container ids, in order],   # carousel items, recorded one by one
     "container": "<id>",                      # the container to publish
     "remade": true,                           # it had expired once and was made again
     "media_id": "<id>",                       # media_publish answered
     "comment_sent": true, "comment_id": "<id>"}  # the first comment

A container's status answers whether it was published: PUBLISHED is Instagram's word
that media_publish went through even when its answer was lost (meta.md, 4.2). An
unpublished container is harmless (it expires after 24 hours), so a container whose
creation answer was lost costs nothing but a count in the 400-a-day cap.

Instagram counts API posts in a moving 24-hour window (`content_publishing_limit`, 50
today, 25 or 100 in older texts: read, never assumed); the quota is read before any
container is made, so that a full day fails early and says so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from parvis.core.texts import Text
from parvis.networks.base import (
    ErrorKind,
    Lookup,
    MediaFile,
    NetworkError,
    Pending,
    PublishRequest,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.graph import QUOTA_WAIT, GraphClient
from parvis.networks.instagram.checks import post_type
from parvis.networks.instagram.options import REEL, STORY

log = logging.getLogger(__name__)

IMAGE_CHECK_IN = 10.0  # seconds before asking again about an image container
VIDEO_CHECK_IN = 30.0  # Meta advises polling about once a minute; videos take that long
# How far back before the first attempt a post found on Instagram still counts as ours
# (clocks differ a little).
CLOCK_SLACK = timedelta(minutes=2)
MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type,media_product_type"


def graph_time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def same_caption(a: str | None, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join(b.split())


class Publisher:
    """One publication's steps on one Instagram account."""

    def __init__(self, client: GraphClient, ig_id: str, username: str) -> None:
        self.client = client
        self.ig_id = ig_id
        self.username = username.lstrip("@")

    # -- publishing ----------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        if request.reply_to is not None:
            if request.reply_to.extra.get("tagged"):
                raise NetworkError(Text.gettext("Instagram does not let apps comment on a post the account is only "
                                                "tagged in: answer it from Instagram."), ErrorKind.PERMANENT)
            if mention_of(request.reply_to):
                return self.reply_to_mention(request)
            answer = self.client.post(f"{request.reply_to.remote_id}/replies", message=request.text)
            return RemotePost(remote_id=str(answer["id"]), url="")
        progress = dict(request.progress)
        if progress.get("media_id"):
            return self.finish(request, progress)
        if not progress.get("container"):
            self.check_quota()
            made = self.make_containers(request, progress)
            if isinstance(made, Pending):
                return made
            progress = made
        state, status = self.status(progress["container"])
        if state == "IN_PROGRESS":
            return Pending(self.check_in(request), Text.gettext("Instagram is processing the media."))
        if state == "EXPIRED":
            return self.remake(request, progress)
        if state == "ERROR":
            raise NetworkError(Text.gettext("Instagram could not prepare the media: %(status)s", status=status),
                               ErrorKind.PERMANENT)
        if state == "PUBLISHED":  # an earlier media_publish went through; its answer was lost
            found = self.find_media(request.text, since=None)
            if found is None:
                raise NetworkError(Text.gettext("Instagram says the post was published, but parvis cannot find "
                                                "it among the account's posts."), ErrorKind.TRANSIENT,
                                   uncertain=True)
            progress["media_id"] = found.remote_id
            request.record(progress)
            return self.finish(request, progress)
        answer = self.client.post(f"{self.ig_id}/media_publish", creation_id=progress["container"])
        progress["media_id"] = str(answer["id"])
        request.record(progress)
        return self.finish(request, progress)

    def reply_to_mention(self, request: PublishRequest) -> RemotePost:
        """A comment under someone else's media that mentions the account, or under their
        comment that does: Instagram takes it through the account's `mentions` edge (the
        media is not the account's, so its `/replies` and `/comments` edges refuse)."""
        target = request.reply_to
        assert target is not None
        params = {"media_id": str(target.extra.get("media_id") or target.root_id), "message": request.text}
        if mention_of(target) == "comment":
            params["comment_id"] = target.remote_id
        answer = self.client.post(f"{self.ig_id}/mentions", **params)
        return RemotePost(remote_id=str(answer["id"]), url="")

    def check_in(self, request: PublishRequest) -> float:
        return VIDEO_CHECK_IN if any(m.is_video for m in request.media) else IMAGE_CHECK_IN

    def check_quota(self) -> None:
        answer = self.client.get(f"{self.ig_id}/content_publishing_limit", fields="quota_usage,config")
        data = (answer.get("data") or [{}])[0] if isinstance(answer, dict) else {}
        usage = data.get("quota_usage")
        total = (data.get("config") or {}).get("quota_total")
        if isinstance(usage, int) and isinstance(total, int) and usage >= total:
            raise NetworkError(Text.gettext("The account published %(usage)d posts through the API in the last 24 "
                                            "hours, Instagram's limit (%(total)d): parvis tries again later.",
                                            usage=usage, total=total), ErrorKind.TRANSIENT, retry_after=QUOTA_WAIT)

    def status(self, container_id: str) -> tuple[str, str]:
        answer = self.client.get(container_id, fields="status_code,status")
        return str(answer.get("status_code") or ""), str(answer.get("status") or "")

    def remake(self, request: PublishRequest, progress: dict[str, Any]) -> Pending:
        """A container expires 24 hours after it was made (the post was held back, or the
        video never finished): make it once more, visibly; twice is a failure."""
        if progress.get("remade"):
            raise NetworkError(Text.gettext("The Instagram container expired twice before it could be published."),
                               ErrorKind.PERMANENT)
        fresh: dict[str, Any] = {"remade": True}
        request.record(fresh)
        self.make_containers(request, fresh)
        return Pending(self.check_in(request), Text.gettext("The Instagram container had expired: parvis made it "
                                                            "again."))

    # -- containers ----------------------------------------------------------------------
    def make_containers(self, request: PublishRequest, progress: dict[str, Any]) -> dict[str, Any] | Pending:
        """Create what is missing, recording each container as soon as it exists."""
        kind = post_type(dict(request.options))
        media = list(request.media)
        if not media:
            raise NetworkError(Text.gettext("Instagram needs an image or a video."), ErrorKind.PERMANENT,
                               field="media")
        if len(media) == 1 or kind in (REEL, STORY):
            params = self.single_params(kind, media[0], request.text)
        else:
            children = list(progress.get("children") or [])
            for item in media[len(children):]:
                children.append(self.create(self.item_params(item)))
                progress = {**progress, "children": list(children)}
                request.record(progress)
            if any(m.is_video for m in media):
                waiting = [c for c in children if self.status(c)[0] == "IN_PROGRESS"]
                if waiting:  # a carousel is made of finished items
                    return Pending(VIDEO_CHECK_IN, Text.gettext("Instagram is processing the carousel's videos."))
            params = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": request.text}
        progress = {**progress, "container": self.create(params)}
        request.record(progress)
        return progress

    def create(self, params: dict[str, Any]) -> str:
        return str(self.client.post(f"{self.ig_id}/media", **params)["id"])

    def single_params(self, kind: str, media: MediaFile, caption: str) -> dict[str, Any]:
        url = public_url(media)
        if kind == STORY:
            return {"media_type": "STORIES", "video_url" if media.is_video else "image_url": url}
        if media.is_video:  # single feed videos are shared as reels since July 2023
            feed = {"share_to_feed": True} if kind != REEL else {}
            return {"media_type": "REELS", "video_url": url, "caption": caption, **feed}
        return {"image_url": url, "caption": caption, "alt_text": media.alt_text or None}

    def item_params(self, media: MediaFile) -> dict[str, Any]:
        if media.is_video:
            return {"media_type": "VIDEO", "video_url": public_url(media), "is_carousel_item": True}
        return {"image_url": public_url(media), "is_carousel_item": True, "alt_text": media.alt_text or None}

    # -- after media_publish ---------------------------------------------------------------
    def finish(self, request: PublishRequest, progress: dict[str, Any]) -> RemotePost:
        media_id = str(progress["media_id"])
        comment = str(request.options.get("first_comment") or "").strip()
        if comment and not progress.get("comment_id"):
            progress = self.first_comment(request, progress, media_id, comment)
        return self.remote(media_id)

    def first_comment(self, request: PublishRequest, progress: dict[str, Any], media_id: str,
                      comment: str) -> dict[str, Any]:
        """Post the first comment once: marked as sent before sending, so that an attempt
        after a lost answer looks for it before sending it again. A refusal (comments
        turned off) leaves the post published and is said in the log; a transient error
        is raised so that the next attempt posts the comment."""
        if progress.get("comment_sent"):
            existing = self.own_comment(media_id, comment)
            if existing:
                progress = {**progress, "comment_id": existing}
                request.record(progress)
                return progress
        progress = {**progress, "comment_sent": True}
        request.record(progress)
        try:
            answer = self.client.post(f"{media_id}/comments", message=comment)
        except NetworkError as error:
            if error.kind is not ErrorKind.PERMANENT:
                raise
            log.warning("instagram media %s: first comment refused: %s", media_id, error)
            progress = {**progress, "comment_id": "", "comment_error": str(error.reason)}
            request.record(progress)
            return progress
        progress = {**progress, "comment_id": str(answer["id"])}
        request.record(progress)
        return progress

    def own_comment(self, media_id: str, text: str) -> str | None:
        for item in self.client.pages(f"{media_id}/comments", fields="id,text,username"):
            if item.get("username") == self.username and same_caption(item.get("text"), text):
                return str(item["id"])
        return None

    def remote(self, media_id: str) -> RemotePost:
        media = self.client.get(media_id, fields="id,permalink,timestamp")
        return RemotePost(remote_id=media_id, url=str(media.get("permalink") or ""),
                          created_at=graph_time(media.get("timestamp")))

    # -- reconciling -----------------------------------------------------------------------
    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        if request.reply_to is not None:
            return self.find_reply(request)
        progress = request.progress
        if progress.get("media_id"):
            return Lookup.found(self.remote(str(progress["media_id"])))
        container = progress.get("container")
        if not container:
            # Nothing is published without a recorded container; a post with our caption
            # since the first attempt is ours all the same (progress kept elsewhere).
            found = self.find_media(request.text, since) if post_type(dict(request.options)) != STORY else None
            return Lookup.found(found) if found is not None else Lookup.absent()
        state, _status = self.status(str(container))
        if state != "PUBLISHED":
            return Lookup.absent()  # Instagram's own word: that container is not out
        if post_type(dict(request.options)) == STORY:
            return Lookup.unknown(Text.gettext("Instagram says the story was published, but stories cannot be "
                                               "matched to it: check the account."))
        found = self.find_media(request.text, since)
        if found is not None:
            return Lookup.found(found)
        return Lookup.unknown(Text.gettext("Instagram says the post was published, but parvis cannot find it "
                                           "among the account's recent posts."))

    def find_media(self, caption: str, since: datetime | None) -> RemotePost | None:
        """The account's post with this caption, since `since`; never a guess: a post
        without a caption cannot be told from another one."""
        if not caption.strip():
            return None
        for item in self.client.pages(f"{self.ig_id}/media", fields=MEDIA_FIELDS):
            created = graph_time(item.get("timestamp"))
            if since is not None and created is not None and created < since - CLOCK_SLACK:
                return None
            if same_caption(item.get("caption"), caption):
                return RemotePost(remote_id=str(item["id"]), url=str(item.get("permalink") or ""),
                                  created_at=created)
        return None

    def find_reply(self, request: PublishRequest) -> Lookup:
        assert request.reply_to is not None
        if mention_of(request.reply_to):
            # Someone else's media: its comments cannot be listed with the account's token.
            return Lookup.unknown(Text.gettext("Instagram does not let parvis read the comments under another "
                                               "account's post: check whether the reply is there."))
        for item in self.client.pages(f"{request.reply_to.remote_id}/replies", fields="id,text,username,timestamp"):
            if item.get("username") == self.username and same_caption(item.get("text"), request.text):
                return Lookup.found(RemotePost(remote_id=str(item["id"]), url=""))
        return Lookup.absent()


def mention_of(target: ReplyTarget | None) -> str:
    """"caption" or "comment" for a reply to a mention of the account (see mentions.py),
    "" otherwise."""
    return str(target.extra.get("mention") or "") if target is not None else ""


def public_url(media: MediaFile) -> str:
    """Instagram downloads the media itself, from an address it can reach."""
    if not media.url:
        raise NetworkError(Text.gettext("Instagram downloads media from a public address, and this file has "
                                        "none: set PARVIS_BASE_URL to parvis's public address."),
                           ErrorKind.PERMANENT, field="media")
    return media.url

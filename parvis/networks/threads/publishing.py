"""Publishing on Threads in steps, exactly once (Threads posts reference, troubleshooting).

A post is a media container (`POST /{user}/threads`), which Threads processes (its
`status`: IN_PROGRESS, FINISHED, ERROR, EXPIRED after 24 h unpublished, PUBLISHED once
`threads_publish` made the post), then published (`POST /{user}/threads_publish`). A
carousel is a container of 2 to 20 item containers, each FINISHED before the carousel's
own container is made.

The container is the unit of exactly-once: each one is recorded in the publication's
progress as soon as Threads gave its id, before the next step, as

    {"container": id, "children": [ids], "made_at": iso, "remade": bool, "publish_sent": bool}

and a container answers PUBLISHED once its post went out, even when the publish answer
was lost. So:

* `publish` resumes the recorded container (never makes a second one while it lives);
  IN_PROGRESS → `Pending`; EXPIRED → made again once, visibly (`remade`), a second
  expiry is PERMANENT; ERROR → PERMANENT with Threads's error_message; PUBLISHED → the
  post is already there: it is looked up, never published again.
* `find_published` reads the recorded container: PUBLISHED → the post is looked for in
  the account's posts (or replies) since the first attempt, by its text: found, or
  unknown; any other status → absent for sure; no container recorded → absent (nothing
  is published without a container), unless a post with the same text is there since
  (a request handed over without its recorded progress is never answered "absent"
  while its post is there).

Carousel items whose carousel container's answer was lost may already belong to that
(orphan) container, and Threads refuses them in another: `children_used` is recorded
before the carousel container is asked for, and a resumed attempt that finds it set
without a container makes fresh items.

Before `threads_publish`, the quota is read from `threads_publishing_limit` (posts, or
replies for a reply; a reading that left plenty is trusted for a few minutes, so that a
busy account does not pay one more call per post): a spent quota, or a publish Threads
refuses for it, is TRANSIENT with `retry_after` until the oldest post of the moving
window leaves it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from parvis.core.texts import Text
from parvis.networks.base import (
    ErrorKind,
    Lookup,
    MediaFile,
    NetworkError,
    Pending,
    Presence,
    PublishRequest,
    RemotePost,
)
from parvis.networks.threads.client import QUOTA_CODE, GraphError, ThreadsClient, api_url, as_dict, as_list

CHECK_IN = 10.0  # seconds: a text or an image is usually processed at once
CHECK_IN_VIDEO = 30.0  # Threads's own advice: about 30 s on average before publishing
CHECK_IN_MAX = 300.0
# A container still IN_PROGRESS this long after it was made is stuck (Threads advises
# polling for 5 minutes; a long video may take more): give up rather than poll for a day.
GIVE_UP_AFTER = timedelta(hours=1)
QUOTA_FALLBACK = 3600.0  # seconds, when the posts filling the window cannot be read
QUOTA_MEMORY = 300.0  # seconds a reading of the quota is trusted...
QUOTA_SLACK = 10  # ...while more posts than this were left
QUOTA_SPENT = Text.gettext("The account has published as many posts through the API as Threads allows in 24 hours: "
                           "parvis will try again when the window frees.")
# (API address, user id, reply?) -> (when read, posts left): readings this process trusts.
_quota_seen: dict[tuple[str, str, bool], tuple[float, int]] = {}
FIND_MARGIN = timedelta(minutes=10)  # clocks differ: look a little before the first attempt
FIND_PAGES = 3
POST_FIELDS = "id,text,timestamp,permalink,media_type,replied_to,is_reply"
MEDIA_TYPES = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def parse_time(value: Any) -> datetime | None:
    """Graph's "2026-11-30T00:53:20+0000", or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def media_kind(media: Sequence[MediaFile]) -> str:
    if not media:
        return "TEXT"
    if len(media) > 1:
        return "CAROUSEL"
    return "VIDEO" if media[0].is_video else "IMAGE"


def _media_params(media: MediaFile) -> dict[str, str]:
    if not media.url:
        raise NetworkError(Text.gettext("Threads downloads media from a public address, and parvis has none for "
                                        "this file: set up public media addresses."), ErrorKind.PERMANENT,
                           field="media")
    kind = "VIDEO" if media.is_video else "IMAGE"
    params = {"media_type": kind, f"{kind.lower()}_url": media.url}
    if media.alt_text:
        params["alt_text"] = media.alt_text
    return params


class Steps:
    """The steps of one publication on one account."""

    def __init__(self, api: ThreadsClient, user_id: str) -> None:
        self.api = api
        self.user_id = user_id

    # -- publish ---------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        progress = dict(request.progress)
        if not progress.get("container"):
            made = self._make(request, progress)
            if isinstance(made, Pending):
                return made
            progress = made
        status, message = self.status(progress["container"])
        if status == "FINISHED":
            return self._send(request, progress)
        if status == "IN_PROGRESS":
            return self._wait(request, progress)
        if status == "EXPIRED":
            return self._remake(request, progress)
        if status == "ERROR":
            raise self._processing_error(message)
        if status == "PUBLISHED":
            return self._already_published(request)
        raise NetworkError(Text.gettext("Threads gave the container an unknown status (%(status)s).",
                                        status=status or "?"), ErrorKind.TRANSIENT)

    def status(self, container_id: str) -> tuple[str, str]:
        answer = self.api.get(container_id, fields="status,error_message")
        return str(answer.get("status") or ""), str(answer.get("error_message") or "")

    def _make(self, request: PublishRequest, progress: dict[str, Any]) -> dict[str, Any] | Pending:
        """The containers of a post, each recorded as soon as Threads gave its id."""
        # Items made again (see `children_used`) start a new processing time.
        made_at = None if progress.get("children_used") else progress.get("made_at")
        base = {"made_at": made_at or _iso(timezone.now()), "remade": bool(progress.get("remade")),
                "publish_sent": False}
        params = self._post_params(request)
        kind = media_kind(request.media)
        if kind == "CAROUSEL":
            children = self._children(request, progress, base)
            if isinstance(children, Pending):
                return children
            request.record({**base, "children": children, "children_used": True})
            params |= {"media_type": "CAROUSEL", "children": ",".join(children)}
            base["children"] = children
        elif kind != "TEXT":
            params |= _media_params(request.media[0])
        else:
            params["media_type"] = "TEXT"
        container = self._created(self.api.post(f"{self.user_id}/threads", params))
        made = {**base, "container": container}
        request.record(made)
        return made

    @staticmethod
    def _created(answer: dict[str, Any]) -> str:
        """The id Threads gave what it made; without one, whether it made it is unknown."""
        if not answer.get("id"):
            raise NetworkError(Text.gettext("Threads answered without the id of what it made."),
                               ErrorKind.TRANSIENT, uncertain=True)
        return str(answer["id"])

    def _post_params(self, request: PublishRequest) -> dict[str, str]:
        params: dict[str, str] = {}
        if request.text:
            params["text"] = request.text
        if request.reply_to is not None:
            params["reply_to_id"] = request.reply_to.remote_id
        for option in ("reply_control", "topic_tag"):
            if request.options.get(option):
                params[option] = str(request.options[option])
        return params

    def _children(self, request: PublishRequest, progress: dict[str, Any],
                  base: dict[str, Any]) -> list[str] | Pending:
        """The carousel's items, made and recorded one by one, then all FINISHED."""
        children = [] if progress.get("children_used") else list(progress.get("children") or [])
        for media in request.media[len(children):]:
            child = self.api.post(f"{self.user_id}/threads", {**_media_params(media), "is_carousel_item": "true"})
            children.append(self._created(child))
            request.record({**base, "children": list(children)})
        statuses = [self.status(child_id) for child_id in children]  # all read in one poll
        for status, message in statuses:
            if status == "ERROR":
                raise self._processing_error(message)
            if status not in ("IN_PROGRESS", "EXPIRED", "FINISHED"):
                raise NetworkError(Text.gettext("A carousel item is not usable on Threads (%(status)s).",
                                                status=status or "?"), ErrorKind.PERMANENT, field="media")
        if any(status == "EXPIRED" for status, _message in statuses):
            return self._remake(request, {**base, "children": children})
        if any(status == "IN_PROGRESS" for status, _message in statuses):
            return self._wait(request, {**base, "children": children})
        return children

    def _wait(self, request: PublishRequest, progress: dict[str, Any]) -> Pending:
        made_at = datetime.fromisoformat(progress["made_at"])
        age = timezone.now() - made_at
        if age > GIVE_UP_AFTER:
            raise NetworkError(Text.gettext("Threads was still processing the post %(minutes)d minutes after it "
                                            "was sent: parvis gave up.", minutes=int(age.total_seconds() // 60)),
                               ErrorKind.PERMANENT)
        video = any(m.is_video for m in request.media)
        # Come back sooner at first, then less often: a long video takes minutes.
        check_in = min(max(CHECK_IN_VIDEO if video else CHECK_IN, age.total_seconds() / 4), CHECK_IN_MAX)
        note = (Text.gettext("Threads is processing the video.") if video
                else Text.gettext("Threads is processing the post."))
        return Pending(check_in=check_in, note=note)

    def _remake(self, request: PublishRequest, progress: dict[str, Any]) -> Pending:
        if progress.get("remade"):
            raise NetworkError(Text.gettext("The Threads container expired again before it could be published "
                                            "(24 h after it was made)."), ErrorKind.PERMANENT)
        made = self._make(request, {"remade": True})
        if isinstance(made, Pending):
            return Pending(check_in=made.check_in, note=Text.gettext(
                "The Threads container had expired (unpublished for 24 h): made again."))
        return Pending(check_in=CHECK_IN, note=Text.gettext(
            "The Threads container had expired (unpublished for 24 h): made again."))

    def _processing_error(self, message: str) -> NetworkError:
        return NetworkError(Text.gettext("Threads could not process the post (%(error)s).", error=message or "ERROR"),
                            ErrorKind.PERMANENT, field="media")

    def _send(self, request: PublishRequest, progress: dict[str, Any]) -> RemotePost:
        reply = request.reply_to is not None
        self.check_quota(reply)
        request.record({**progress, "publish_sent": True})
        try:
            answer = self.api.post(f"{self.user_id}/threads_publish", {"creation_id": progress["container"]})
        except GraphError as error:
            if error.code == QUOTA_CODE:
                raise self._spent(reply) from error
            raise
        return self.remote_post(self._created(answer))

    def _already_published(self, request: PublishRequest) -> RemotePost:
        found = self.find(request, since=None)
        if found.post is not None:
            return found.post
        raise NetworkError(Text.gettext("Threads says this post was already published, but parvis cannot find it "
                                        "among the account's posts."), ErrorKind.PERMANENT)

    def remote_post(self, media_id: str) -> RemotePost:
        """The published post with its address; the post is out whatever this read says."""
        try:
            media = self.api.get(media_id, fields="id,permalink,timestamp")
        except NetworkError:
            return RemotePost(remote_id=media_id, url="")
        return RemotePost(remote_id=media_id, url=str(media.get("permalink") or ""),
                          created_at=parse_time(media.get("timestamp")))

    # -- quota -----------------------------------------------------------------------
    def check_quota(self, reply: bool) -> None:
        """Refuse (TRANSIENT) before publishing when the quota is spent. A reading that
        left plenty is trusted for a while, counting down as this process publishes."""
        key = (api_url(), self.user_id, reply)
        seen = _quota_seen.get(key)
        if seen is not None and time.monotonic() - seen[0] < QUOTA_MEMORY and seen[1] > QUOTA_SLACK:
            _quota_seen[key] = (seen[0], seen[1] - 1)
            return
        used, total, duration = self._read_quota(reply)
        if total is None:
            return
        if used >= total:
            _quota_seen.pop(key, None)
            raise self._quota_error(reply, duration)
        _quota_seen[key] = (time.monotonic(), total - used - 1)

    def _read_quota(self, reply: bool) -> tuple[int, int | None, Any]:
        """(used, total or None when not said, the window's duration) from threads_publishing_limit."""
        usage, config = ("reply_quota_usage", "reply_config") if reply else ("quota_usage", "config")
        answer = self.api.get(f"{self.user_id}/threads_publishing_limit", fields=f"{usage},{config}")
        rows = as_list(answer.get("data"))
        row = as_dict(rows[0]) if rows else {}
        window = as_dict(row.get(config))
        used, total = row.get(usage), window.get("quota_total")
        if not isinstance(used, int) or not isinstance(total, int):
            return 0, None, None
        return used, total, window.get("quota_duration")

    def _spent(self, reply: bool) -> NetworkError:
        """Threads refused a publish for the quota: when its window frees, read now."""
        _quota_seen.pop((api_url(), self.user_id, reply), None)
        try:
            _used, _total, duration = self._read_quota(reply)
        except NetworkError:
            duration = None
        return self._quota_error(reply, duration)

    def _quota_error(self, reply: bool, duration: Any) -> NetworkError:
        if not isinstance(duration, int | float) or duration <= 0:
            return NetworkError(QUOTA_SPENT, ErrorKind.TRANSIENT, retry_after=QUOTA_FALLBACK)
        return NetworkError(QUOTA_SPENT, ErrorKind.TRANSIENT, retry_after=self._window_frees(reply, float(duration)))

    def _window_frees(self, reply: bool, duration: float) -> float:
        """Seconds until the oldest post counted in the moving window leaves it."""
        now = timezone.now()
        since = now - timedelta(seconds=duration)
        try:
            rows = self.api.pages(f"{self.user_id}/{'replies' if reply else 'threads'}", max_pages=FIND_PAGES,
                                  fields="id,timestamp", since=int(since.timestamp()), limit=100)
        except NetworkError:
            return QUOTA_FALLBACK
        times = [t for t in (parse_time(row.get("timestamp")) for row in rows) if t is not None and t >= since]
        if not times:
            return QUOTA_FALLBACK
        return max((min(times) + timedelta(seconds=duration) - now).total_seconds(), 60.0)

    # -- reconciling -----------------------------------------------------------------
    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        container = request.progress.get("container")
        if not container:
            # Nothing goes out on Threads without a container, so this is absent; unless
            # the request comes without its progress (a caller that did not keep it):
            # the account's posts since then are read, so as never to say "absent" of a
            # post that is there.
            found = self.find(request, since)
            return found if found.presence is Presence.FOUND else Lookup.absent()
        status, _message = self.status(str(container))
        if status != "PUBLISHED":
            return Lookup.absent()  # IN_PROGRESS, FINISHED, ERROR, EXPIRED: not published
        return self.find(request, since)

    def find(self, request: PublishRequest, since: datetime | None) -> Lookup:
        """The account's post (or reply) carrying the request's text, since `since`."""
        reply_to = request.reply_to.remote_id if request.reply_to else None
        params: dict[str, Any] = {"fields": POST_FIELDS, "limit": 100}
        if since is not None:
            params["since"] = int((since - FIND_MARGIN).timestamp())
        rows = self.api.pages(f"{self.user_id}/{'replies' if reply_to else 'threads'}", max_pages=FIND_PAGES,
                              **params)
        wanted = MEDIA_TYPES[media_kind(request.media)]
        for row in rows:  # newest first
            parent = as_dict(row.get("replied_to"))
            if reply_to and str(parent.get("id")) != reply_to:
                continue
            if row.get("media_type") == wanted and _same_text(str(row.get("text") or ""), request.text):
                return Lookup.found(RemotePost(remote_id=str(row["id"]), url=str(row.get("permalink") or ""),
                                               created_at=parse_time(row.get("timestamp"))))
        return Lookup.unknown(Text.gettext(
            "Threads says the post was published, but parvis could not find it among the account's recent posts."))

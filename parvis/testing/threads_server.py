"""A stateful loopback fake of Meta's Threads API, version v1.0 (graph.threads.net /
graph.threads.com), written from the official reference so that parvis's Threads
connector is tested at the HTTP level with real answer shapes.

Pages it follows (developers.facebook.com/docs/threads/...): get-started (code exchange),
get-started/long-lived-tokens, posts, reference/publishing, troubleshooting (container
statuses, threads_publishing_limit), reference/user, reference/media-retrieval,
reference/reply-management, reply-management, retrieve-and-manage-replies(/replies-and-
conversations), posts/delete-posts, insights; facts and confidence in docs/networks/meta.md.

    with LocalThreads() as threads:
        account = threads.add_user("brand")          # id, short_token, long_token
        threads.polls_until_finished = 2               # IN_PROGRESS for two status reads
        threads.lose_next(path="/v1.0/*/threads_publish")
        threads.sign_in(account)                       # /oauth/authorize consents as them

The container is the unit of exactly-once: a container id answers PUBLISHED once its
post went out, even when the publish answer was lost, and a second publish of it is
refused (and counted in `Container.publish_attempts`). Media is downloaded from
image_url/video_url when the container is created (loopback allowed); a download that
fails, or bytes that are not an image/video, put the container in ERROR.

Time is a fake clock, frozen unless a test calls `advance(seconds)`: token ages, the
24 h quota windows and container expiry all follow it.

Known differences from the real service (see meta.md for sources):
- Containers (text ones too) leave IN_PROGRESS after N status reads
  (`polls_until_finished`, default 1), not after processing time; publishing before
  that is refused, as the real API does when called too early. The download happens
  at creation, before the container id is answered; images must be PNG/JPEG ≤ 8 MB,
  videos MP4/MOV (an `ftyp` box) ≤ 1 GB; nothing else of the media specs is checked.
- Error bodies taken from captures of the real API (GitHub issues and client tests,
  meta.md): 24/4279009 "Media Not Found" when publishing a container that is not
  FINISHED, 100/4279004 for bad carousel children, "Param text must be at most 500
  characters long." (100), 190/463 for an expired token, the flat
  {"error_type","code","error_message"} of /oauth/access_token. Not documented anywhere,
  so chosen here: a too-young refresh (100), a spent quota (code 9, as Instagram's
  publishing limit), a second publish of a PUBLISHED container (24/4279009), an image
  that cannot be downloaded (ERROR with error_message UNKNOWN; the real API may instead
  refuse the container at creation).
- Only user tokens; no app tokens, debug_token, permissions or App Review: every token
  may do everything. No webhooks, keyword search, reposts, polls, GIFs, location
  search, auto_publish_text, allowlisted_country_codes, oEmbed, usage headers.
- `since`/`until` take Unix timestamps only (no strtotime forms). No thumbnail_url on
  videos; threads_profile_picture_url only when the test gave add_user a picture_url.
- A refresh answers a new token; the old one stays valid until its own expiry.
- Text length: characters outside the BMP (emoji) count their UTF-8 bytes, the rest one
  each (meta.md 3.3); the reference only says "UTF-8" and links a grapheme splitter.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from parvis.testing import threads_state as ts
from parvis.testing.fake_network import FakeNetwork, Handler, Request, Response
from parvis.testing.threads_state import Container, Download, Limits, Media, ThreadsAccount, Token, User

VERSION = "v1.0"
V = r"(?:/v1\.0)?"  # Graph serves unversioned calls too (with the app's default version)
NODE = r"(?P<node>me|\d+)"
START = 1_796_000_000.0  # 2026-11-30T00:53:20Z: a fixed start keeps timestamps reproducible
MEDIA_KINDS = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}
TOPIC = re.compile(r"#(?!\d+\b)([^\s.&@!?,;:#]{1,50})")
MENTION = re.compile(r"@([A-Za-z0-9._]+)")


class LocalThreads(FakeNetwork):
    name = "threads"

    def __init__(self, *, app_id: str = "990602627938098", app_secret: str = "fake-threads-app-secret",  # noqa: S107
                 limits: Limits | None = None) -> None:
        super().__init__()
        self.app_id, self.app_secret = app_id, app_secret
        self.limits = limits or Limits()
        self.polls_until_finished = 1
        self.now = START
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, tuple[str, str, float]] = {}  # code -> (user id, redirect_uri, expiry)
        self.signed_in: str | None = None  # the user id whose browser consents on /oauth/authorize
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}
        self.downloads: list[Download] = []
        self.blobs: dict[str, tuple[bytes, str]] = {}  # container id -> downloaded bytes, content type
        self.quota_events: dict[tuple[str, str], list[float]] = {}
        self.http = httpx.Client(timeout=10, follow_redirects=True, headers={
            "User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"})
        self._ids = itertools.count(18_000_000_000_000_001)
        self._user_ids = itertools.count(17_841_400_000_000_001)
        self._sequence = itertools.count(1)
        self._declare_routes()

    def _declare_routes(self) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("GET", r"/oauth/authorize", self.authorization_window),
            ("POST", rf"{V}/oauth/access_token", self.exchange_code),
            ("GET", rf"{V}/access_token", self.exchange_token),
            ("GET", rf"{V}/refresh_access_token", self.refresh_token),
            ("GET", r"/media/(?P<media_id>\d+)", self.serve_blob),
            ("GET", rf"{V}/{NODE}/threads", self.list_threads),
            ("POST", rf"{V}/{NODE}/threads_publish", self.publish),
            ("GET", rf"{V}/{NODE}/threads_publishing_limit", self.publishing_limit),
            ("GET", rf"{V}/{NODE}/threads_insights", self.user_insights),
            ("GET", rf"{V}/{NODE}/replies", self.replies),
            ("GET", rf"{V}/{NODE}/conversation", self.conversation),
            ("GET", rf"{V}/{NODE}/mentions", self.mentions),
            ("GET", rf"{V}/{NODE}/insights", self.media_insights),
            ("POST", rf"{V}/{NODE}/manage_reply", self.manage_reply),
            ("GET", rf"{V}/{NODE}", self.read_node),
            ("DELETE", rf"{V}/{NODE}", self.delete_media),
        ]
        for method, pattern, handler in routes:
            self.route(method, pattern, handler)
        self.route("POST", rf"{V}/{NODE}/threads", self.create_container, locked=False)

    # -- test helpers ----------------------------------------------------------------------
    def add_user(self, username: str, *, name: str = "", biography: str = "", followers_count: int = 0,
                 picture_url: str = "") -> ThreadsAccount:
        """A Threads profile that has authorised the app: a fresh short-lived (1 h) and a
        long-lived (60 d) token."""
        with self.lock:
            user = self._new_user(username, name=name or username.title(), biography=biography,
                                  followers_count=followers_count, picture_url=picture_url)
            short, long = self._issue(user.id, "short"), self._issue(user.id, "long")
            return ThreadsAccount(user.id, username, short.value, long.value)

    def issue_code(self, user_id: str, redirect_uri: str) -> str:
        """An authorization code, as the Authorization Window hands back (1 h, single use)."""
        code = "AQB" + secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = (user_id, redirect_uri, self.now + ts.SHORT_LIVED)
        return code

    def sign_in(self, account: ThreadsAccount | None) -> None:
        """The profile whose browser reaches the Authorization Window (/oauth/authorize,
        threads.net's page): it consents at once (None: nobody consents)."""
        self.signed_in = account.id if account else None

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds

    def expire_token(self, token: str) -> None:
        with self.lock:
            self.tokens[token].expires_at = min(self.tokens[token].expires_at, self.now)

    def stick_container(self, container_id: str) -> None:
        """The container stays IN_PROGRESS whatever the polls (until it expires)."""
        with self.lock:
            self.containers[container_id].stuck = True

    def expire_container(self, container_id: str) -> None:
        with self.lock:
            self._set_status(self.containers[container_id], "EXPIRED")

    def fail_container(self, container_id: str, error_message: str = "FAILED_PROCESSING_VIDEO") -> None:
        with self.lock:
            self._set_status(self.containers[container_id], "ERROR", error_message)

    def reply_as(self, author: str, *, to: str, text: str) -> str:
        """Someone else (`author`, a username) replies to a post or reply: the inbox side."""
        with self.lock:
            parent = self._live_media(to)
            user = self._user_named(author)
            media = self._new_media(user, "TEXT_POST", text)
            media.replied_to, media.root_post = parent.id, parent.root_post or parent.id
            return media.id

    def mention_as(self, author: str, text: str) -> str:
        """Someone else posts `text`; the @usernames in it that are users here are mentioned."""
        with self.lock:
            return self._new_media(self._user_named(author), "TEXT_POST", text).id

    def set_media_insights(self, media_id: str, **values: int) -> None:
        with self.lock:
            self.media[media_id].insights.update(values)

    def set_user_insights(self, user_id: str, **values: Any) -> None:
        """views=[daily values, oldest first], clicks={url: n}, follower_demographics=
        {breakdown: {key: n}}, any other metric=n."""
        with self.lock:
            self.users[user_id].insights.update(values)

    def set_followers(self, user_id: str, count: int) -> None:
        """The `followers_count` the user's insights report from now on (unless a test set
        that metric with `set_user_insights`, which wins)."""
        with self.lock:
            self.users[user_id].followers_count = count

    def use_quota(self, user_id: str, kind: str, count: int) -> None:
        """Spend `count` of a quota ("posts", "replies", "deletes") now, as earlier calls would."""
        with self.lock:
            self.quota_events.setdefault((user_id, kind), []).extend([self.now] * count)

    def throttle_next(self, code: int = 17, *, method: str = "*", path: str = "*", count: int = 1,
                      status: int = 400) -> None:
        """The next matching calls are throttled with Graph's body for `code` (4, 17, 32, 613)."""
        body = ts.graph_error(ts.THROTTLE_MESSAGES[code], code, kind="OAuthException", transient=True).response.body
        self.fail_next(status, body, method=method, path=path, count=count)

    def posts_of(self, user_id: str) -> list[Media]:
        """The user's live top-level posts, newest first."""
        with self.lock:
            return [m for m in self._by_recency() if m.owner_id == user_id and not m.is_reply
                    and not m.is_carousel_item]

    # -- harness hooks ---------------------------------------------------------------------
    def stop(self) -> None:
        super().stop()
        self.http.close()

    def error_body(self, status: int) -> Any:
        if status >= 500:
            return ts.graph_error("An unexpected error has occurred. Please retry your request later.", 2,
                                  kind="OAuthException", transient=True).response.body
        return ts.graph_error("An unknown error has occurred.", 1, kind="OAuthException", transient=True).response.body

    def not_found(self, request: Request) -> Response:
        return ts.graph_error(f"Unknown path components: {request.path}", 2500, kind="OAuthException").response

    # -- OAuth -----------------------------------------------------------------------------
    def authorization_window(self, request: Request) -> Response:
        """threads.net's consent page, answered for the profile `sign_in` chose: back to the
        redirect_uri with a code, or with Meta's refusal when nobody consents."""
        redirect_uri, state = request.query.get("redirect_uri", ""), request.query.get("state", "")
        if request.query.get("client_id") != self.app_id or not redirect_uri:
            return Response(400, b"Invalid App ID or redirect_uri", {"Content-Type": "text/plain"})
        if self.signed_in is None:
            query = {"error": "access_denied", "error_reason": "user_denied",
                     "error_description": "Permissions error", "state": state}
        else:
            query = {"code": self.issue_code(self.signed_in, redirect_uri), "state": state}
        return Response(302, b"", {"Location": f"{redirect_uri}?{urlencode(query)}"})

    def exchange_code(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_secret:
            raise ts.oauth_endpoint_error("Error validating client secret.", 101)
        if form.get("grant_type") != "authorization_code":
            raise ts.oauth_endpoint_error("Invalid grant_type: " + form.get("grant_type", ""))
        user_id, redirect_uri, expiry = self.codes.pop(form.get("code", ""), ("", "", 0.0))
        if not user_id or expiry <= self.now:
            raise ts.oauth_endpoint_error("Matching code was not found or was already used")
        if redirect_uri != form.get("redirect_uri"):
            raise ts.oauth_endpoint_error("Error validating verification code. Please make sure your redirect_uri "
                                          "is identical to the one you used in the OAuth dialog request")
        return Response(200, {"access_token": self._issue(user_id, "short").value, "user_id": int(user_id)})

    def exchange_token(self, request: Request) -> Response:
        if request.query.get("grant_type") != "th_exchange_token":
            raise ts.invalid_parameter("Unsupported grant_type")
        if request.query.get("client_secret") != self.app_secret:
            raise ts.graph_error("Error validating client secret.", 1, kind="OAuthException")
        token = self._authenticate(request)
        if token.kind != "short":
            # Captured when a long-lived token was exchanged again (meta.md, [L]).
            raise ts.graph_error("Session key invalid. This could be because the session key has an incorrect "
                                 "format, or because the user has revoked this session", 452,
                                 kind="OAuthException", subcode=4279019)
        return Response(200, self._token_answer(self._issue(token.user_id, "long")))

    def refresh_token(self, request: Request) -> Response:
        if request.query.get("grant_type") != "th_refresh_token":
            raise ts.invalid_parameter("Unsupported grant_type")
        token = self._authenticate(request)
        if token.kind != "long":
            raise ts.invalid_parameter("Only long-lived access tokens can be refreshed")
        if self.now - token.issued_at < ts.DAY:
            raise ts.graph_error("The access token cannot be refreshed before it is 24 hours old", 100,
                                 kind="OAuthException")
        return Response(200, self._token_answer(self._issue(token.user_id, "long")))

    def _token_answer(self, token: Token) -> dict[str, Any]:
        return {"access_token": token.value, "token_type": "bearer", "expires_in": int(token.expires_at - self.now)}

    # -- publishing ------------------------------------------------------------------------
    def create_container(self, request: Request, node: str) -> Response:
        # Unlocked route: the media download runs without holding up other requests.
        with self.lock:
            user = self._owner(request, node)
            params = request.form
            params.pop("access_token", None)
            kind = params.get("media_type", "").upper()
            if params.get("is_carousel_item", "").lower() == "true" and not kind:
                kind = "VIDEO" if params.get("video_url") else "IMAGE"
            self._validate_container(kind, params)
        url = params.get("image_url" if kind == "IMAGE" else "video_url", "")
        fetched = ts.fetch_media(self.http, url) if kind in ("IMAGE", "VIDEO") else None
        with self.lock:
            container = Container(str(next(self._ids)), user.id, kind, params, self.now,
                                  polls_left=self.polls_until_finished)
            if kind == "CAROUSEL":
                container.children = self._claim_children(user, params.get("children", ""))
            if fetched is not None:
                self._take_download(container, *fetched)
            self.containers[container.id] = container
            return Response(200, {"id": container.id})

    def _validate_container(self, kind: str, params: dict[str, str]) -> None:
        if kind not in MEDIA_KINDS:
            raise ts.invalid_parameter("Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}")
        text = params.get("text", "")
        if kind == "TEXT" and not text:
            raise ts.invalid_parameter("The parameter text is required")
        if ts.text_length(text) > ts.TEXT_LIMIT:
            raise ts.invalid_parameter(f"Param text must be at most {ts.TEXT_LIMIT} characters long.")
        if len(params.get("alt_text", "")) > ts.ALT_TEXT_LIMIT:
            raise ts.invalid_parameter(f"Param alt_text must be at most {ts.ALT_TEXT_LIMIT} characters long.")
        for name in ("image_url", "video_url"):
            if kind == name.split("_")[0].upper() and not params.get(name, "").startswith(("http://", "https://")):
                raise ts.invalid_parameter(f"Param {name} is not a valid URI.")
        if params.get("reply_to_id") and self._visible(params["reply_to_id"]) is None:
            raise ts.invalid_parameter("Param reply_to_id is not a valid threads_media ID")
        if params.get("quote_post_id") and self._visible(params["quote_post_id"]) is None:
            raise ts.invalid_parameter("Param quote_post_id is not a valid threads_media ID")

    def _claim_children(self, user: User, children: str) -> list[str]:
        ids = [child.strip() for child in children.split(",") if child.strip()]
        bad = [child for child in ids if not self._usable_child(user, child)]
        if bad or not ts.CAROUSEL_MIN <= len(ids) <= ts.CAROUSEL_MAX:
            raise ts.graph_error("Invalid parameter", 100, kind="OAuthException", subcode=4279004,
                                 user_title="Invalid Carousel Children",
                                 user_msg=f"The children with IDs {', '.join(bad or ids)} are invalid, nonexistent, "
                                          f"or expired. A carousel takes {ts.CAROUSEL_MIN} to {ts.CAROUSEL_MAX} items.")
        for child in ids:
            self.containers[child].used_in_carousel = True
        return ids

    def _usable_child(self, user: User, child_id: str) -> bool:
        child = self.containers.get(child_id)
        if child is None or child.owner_id != user.id or child.used_in_carousel:
            return False
        self._settle(child)
        return child.params.get("is_carousel_item", "").lower() == "true" and child.status == "FINISHED"

    def _take_download(self, container: Container, download: Download, content: bytes) -> None:
        """A failed download, or bytes that are not the announced kind, is the container's ERROR."""
        container.download = download
        self.downloads.append(download)
        video = container.media_type == "VIDEO"
        if download.status == 0 or download.status >= 400:
            self._set_status(container, "ERROR", "FAILED_DOWNLOADING_VIDEO" if video else "UNKNOWN")
        elif not ts.looks_like(container.media_type, content):
            self._set_status(container, "ERROR", "FAILED_PROCESSING_VIDEO" if video else "UNKNOWN")
        elif download.size > (ts.VIDEO_MAX_BYTES if video else ts.IMAGE_MAX_BYTES):
            self._set_status(container, "ERROR", "UNKNOWN")
        else:
            self.blobs[container.id] = (content, download.content_type)

    def publish(self, request: Request, node: str) -> Response:
        user = self._owner(request, node)
        creation_id = request.form.get("creation_id", "")
        container = self.containers.get(creation_id)
        if container is None or container.owner_id != user.id:
            raise ts.media_not_found(creation_id)
        container.publish_attempts += 1
        self._settle(container)
        carousel_item = container.params.get("is_carousel_item", "").lower() == "true"
        if container.status != "FINISHED" or carousel_item:  # an item goes out only inside its carousel
            raise ts.media_not_found(creation_id)
        kind = "replies" if container.is_reply else "posts"
        if self._usage(user.id, kind) >= getattr(self.limits, kind):
            raise ts.graph_error(f"The user has reached the limit of {getattr(self.limits, kind)} {kind} "
                                 "published through the API in 24 hours", 9, transient=False)
        media = self._media_from(user, container)
        self.quota_events.setdefault((user.id, kind), []).append(self.now)
        return Response(200, {"id": media.id})

    def _media_from(self, user: User, container: Container) -> Media:
        params = container.params
        media = self._new_media(user, MEDIA_KINDS[container.media_type], params.get("text", ""),
                                container=container)
        media.alt_text = params.get("alt_text", "")
        media.quoted_post = params.get("quote_post_id", "")
        media.reply_audience = params.get("reply_control", "everyone").upper()
        media.topic_tag = params.get("topic_tag", "") or media.topic_tag
        if container.media_type == "TEXT":
            media.link_attachment_url = params.get("link_attachment", "") or ts.first_url(media.text)
        if container.is_reply:
            parent = self.media[params["reply_to_id"]]
            media.replied_to, media.root_post = parent.id, parent.root_post or parent.id
        for child_id in container.children:
            child = self._media_from(user, self.containers[child_id])
            child.is_carousel_item = True
            media.children.append(child.id)
        return media

    def delete_media(self, request: Request, node: str) -> Response:
        token = self._authenticate(request)
        media = self.media.get(node)
        if media is None or media.deleted or media.owner_id != token.user_id or media.is_carousel_item:
            raise ts.missing_object(node, "delete")
        if self._usage(token.user_id, "deletes") >= self.limits.deletes:
            raise ts.graph_error(f"The user has reached the limit of {self.limits.deletes} deletes in 24 hours", 9,
                                 transient=False)
        for item in [media, *(self.media[child] for child in media.children)]:
            item.deleted = True
        self.quota_events.setdefault((token.user_id, "deletes"), []).append(self.now)
        return Response(200, {"success": True, "deleted_id": media.id})

    def publishing_limit(self, request: Request, node: str) -> Response:
        user = self._owner(request, node)
        names = [n.strip() for n in request.query.get("fields", "quota_usage").split(",") if n.strip()]
        row: dict[str, Any] = {}
        for name in names:
            if name in ts.LIMIT_FIELDS:
                row[name] = self._usage(user.id, ts.LIMIT_FIELDS[name])
            elif name in ts.CONFIG_FIELDS:
                row[name] = {"quota_total": getattr(self.limits, ts.CONFIG_FIELDS[name]), "quota_duration": ts.DAY}
            else:
                raise ts.invalid_parameter(f"Tried accessing nonexisting field ({name})")
        return Response(200, {"data": [row]})

    # -- reading ---------------------------------------------------------------------------
    def read_node(self, request: Request, node: str) -> Response:
        token = self._authenticate(request)
        fields = request.query.get("fields", "")
        if node == "me" or node in self.users:
            user = self._owner(request, node)
            names = ts.requested_fields(fields, ("id",), ts.PROFILE_FIELDS)
            return Response(200, {name: value for name, value in self._profile(user).items() if name in names})
        container = self.containers.get(node)
        if container is not None and container.owner_id == token.user_id:
            return Response(200, self._container_status(container, ts.requested_fields(
                fields, ("id", "status"), ts.CONTAINER_FIELDS)))
        media = self._visible(node)
        if media is None:
            raise ts.missing_object(node)
        names = ts.requested_fields(fields, ("id",), ts.MEDIA_FIELDS)
        return Response(200, self._view(media, token.user_id, names))

    def _container_status(self, container: Container, names: list[str]) -> dict[str, Any]:
        if "status" in names or "error_message" in names:
            self._settle(container)
            if container.status == "IN_PROGRESS" and container.polls_left > 0:
                container.polls_left -= 1
        values = {"id": container.id, "status": container.status}
        if container.error_message:
            values["error_message"] = container.error_message
        return {name: values[name] for name in ("status", "error_message", "id") if name in names and name in values}

    def list_threads(self, request: Request, node: str) -> Response:
        user = self._owner(request, node)
        items = ts.in_window(self.posts_of(user.id), request.query)
        return self._page(request, user.id, items, ts.MEDIA_FIELDS)

    def replies(self, request: Request, node: str) -> Response:
        token = self._authenticate(request)
        if node == "me" or node in self.users:
            user = self._owner(request, node)
            own = [m for m in self._by_recency() if m.owner_id == user.id and m.is_reply]
            return self._page(request, token.user_id, ts.in_window(own, request.query), ts.MEDIA_FIELDS)
        parent = self._live_media(node)
        items = self._replies_where(lambda m: m.replied_to == parent.id, request)
        return self._page(request, token.user_id, items, ts.MEDIA_FIELDS)

    def conversation(self, request: Request, node: str) -> Response:
        token = self._authenticate(request)
        root = self._live_media(node)
        items = self._replies_where(lambda m: m.root_post == root.id, request)
        return self._page(request, token.user_id, items, ts.MEDIA_FIELDS)

    def mentions(self, request: Request, node: str) -> Response:
        user = self._owner(request, node)
        items = ts.in_window([m for m in self._by_recency() if user.id in m.mentions], request.query)
        return self._page(request, user.id, items, ts.MEDIA_FIELDS)

    def manage_reply(self, request: Request, node: str) -> Response:
        token = self._authenticate(request)
        reply = self._live_media(node)
        if not reply.is_reply or self.media[reply.root_post].owner_id != token.user_id:
            raise ts.missing_object(node, "post")
        if reply.replied_to != reply.root_post:
            raise ts.invalid_parameter("Only top-level replies can be hidden or unhidden")
        hide = request.form.get("hide", "").lower()
        if hide not in ("true", "false"):
            raise ts.invalid_parameter("The parameter hide is required")
        status = "HIDDEN" if hide == "true" else "UNHUSHED"
        for item in [reply, *self._descendants(reply.id)]:
            item.hide_status = status
        return Response(200, {"success": True})

    # -- insights --------------------------------------------------------------------------
    def media_insights(self, request: Request, node: str) -> Response:
        token = self._authenticate(request)
        media = self._visible(node)
        if media is None or media.owner_id != token.user_id:
            raise ts.missing_object(node)
        names = ts.metric_names(request.query.get("metric", ""), ts.MEDIA_METRICS)
        # Unless a test set it: a root post counts every reply under it, a reply its direct ones.
        replies = self._descendants(media.id) if not media.is_reply else \
            [m for m in self.media.values() if m.replied_to == media.id and not m.deleted]
        counted = {"replies": len(replies)}
        values = {name: media.insights.get(name, counted.get(name, 0)) for name in names}
        return Response(200, {"data": [ts.media_metric(media.id, name, value) for name, value in values.items()]})

    def user_insights(self, request: Request, node: str) -> Response:
        user = self._owner(request, node)
        for bound in ("since", "until"):
            value = request.query.get(bound, "1712991600")
            if not value.isdigit() or int(value) < 1_712_991_600:
                raise ts.invalid_parameter(f"Param {bound} must be a Unix timestamp on or after 1712991600")
        names = ts.metric_names(request.query.get("metric", ""), ts.USER_METRICS)
        return Response(200, {"data": [ts.user_metric(user, name, self.now, request.query.get("breakdown", ""))
                                       for name in names]})

    def serve_blob(self, request: Request, media_id: str) -> Response:
        media = self.media.get(media_id)
        blob = self.blobs.get(media.container_id) if media is not None else None
        if blob is None:
            raise ts.missing_object(media_id)
        return Response(200, blob[0], {"Content-Type": blob[1] or "application/octet-stream"})

    # -- internals -------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Token:
        value = request.bearer() or request.form.get("access_token", "")
        token = self.tokens.get(value)
        if token is None:
            raise ts.graph_error("Invalid OAuth access token - Cannot parse access token", 190, kind="OAuthException")
        if token.expires_at <= self.now:
            expired, now = ts.session_date(token.expires_at), ts.session_date(self.now)
            raise ts.graph_error(f"Error validating access token: Session has expired on {expired}. "
                                 f"The current time is {now}.", 190, kind="OAuthException", subcode=463)
        return token

    def _owner(self, request: Request, node: str) -> User:
        """The token's user, when `node` names it ("me" or its id); else Graph's #100/33."""
        token = self._authenticate(request)
        if node not in ("me", token.user_id):
            raise ts.missing_object(node, request.method.lower())
        return self.users[token.user_id]

    def _issue(self, user_id: str, kind: str) -> Token:
        token = Token("THQ" + secrets.token_urlsafe(32), user_id, kind, self.now,
                      self.now + (ts.SHORT_LIVED if kind == "short" else ts.LONG_LIVED))
        self.tokens[token.value] = token
        return token

    def _new_user(self, username: str, **details: Any) -> User:
        user = User(str(next(self._user_ids)), username, **details)
        self.users[user.id] = user
        return user

    def _user_named(self, username: str) -> User:
        found = next((u for u in self.users.values() if u.username == username), None)
        return found or self._new_user(username, name=username.title())

    def _new_media(self, user: User, media_type: str, text: str, container: Container | None = None) -> Media:
        media_id = str(next(self._ids))
        shortcode = "D" + secrets.token_urlsafe(8).replace("-", "a").replace("_", "b")
        media = Media(media_id, user.id, user.username, media_type, text, self.now, next(self._sequence), shortcode)
        if container is not None:
            media.container_id = container.id
            container.media_id = media_id
            self._set_status(container, "PUBLISHED")
            if container.id in self.blobs:
                media.media_url = f"{self.url}/media/{media_id}"
        tag = TOPIC.search(text)
        media.topic_tag = tag.group(1) if tag else ""
        names = set(MENTION.findall(text))
        media.mentions = [u.id for u in self.users.values() if u.username in names and u.id != user.id]
        self.media[media_id] = media
        return media

    def _set_status(self, container: Container, status: str, error_message: str = "") -> None:
        container.status, container.error_message = status, error_message

    def _settle(self, container: Container) -> None:
        """Bring a container's status up to the fake clock and its poll count."""
        if container.status in ("IN_PROGRESS", "FINISHED") and self.now - container.created_at >= ts.CONTAINER_LIFETIME:
            self._set_status(container, "EXPIRED")
        elif container.status == "IN_PROGRESS" and not container.stuck and container.polls_left <= 0:
            self._set_status(container, "FINISHED")

    def _usage(self, user_id: str, kind: str) -> int:
        events = self.quota_events.get((user_id, kind), [])
        return sum(1 for moment in events if moment > self.now - ts.DAY)

    def _visible(self, media_id: str) -> Media | None:
        media = self.media.get(media_id)
        return media if media is not None and not media.deleted else None

    def _live_media(self, media_id: str) -> Media:
        media = self._visible(media_id)
        if media is None:
            raise ts.missing_object(media_id)
        return media

    def _by_recency(self) -> list[Media]:
        return sorted((m for m in self.media.values() if not m.deleted), key=lambda m: m.sequence, reverse=True)

    def _descendants(self, media_id: str) -> list[Media]:
        found, frontier = [], [media_id]
        while frontier:
            children = [m for m in self.media.values() if m.replied_to in frontier and not m.deleted]
            found.extend(children)
            frontier = [m.id for m in children]
        return found

    def _replies_where(self, keep: Callable[[Media], bool], request: Request) -> list[Media]:
        items = [m for m in self._by_recency() if keep(m)]
        return items if request.query.get("reverse", "true").lower() != "false" else items[::-1]

    def _view(self, media: Media, viewer_id: str, names: list[str]) -> dict[str, Any]:
        has_replies = any(m.replied_to == media.id and not m.deleted for m in self.media.values())
        return ts.media_view(media, viewer_id, names, has_replies)

    def _page(self, request: Request, viewer_id: str, items: list[Media], allowed: frozenset[str]) -> Response:
        names = ts.requested_fields(request.query.get("fields", ""), ("id",), allowed)
        rows = [self._view(media, viewer_id, names) for media in items]
        return Response(200, ts.page(rows, request.query, f"{self.url}{request.path}"))

    def _profile(self, user: User) -> dict[str, Any]:
        profile = {"id": user.id, "username": user.username, "name": user.name, "threads_biography": user.biography,
                   "is_verified": False, "is_eligible_for_geo_gating": False}
        return profile | ({"threads_profile_picture_url": user.picture_url} if user.picture_url else {})


__all__ = ["VERSION", "Container", "Download", "Limits", "LocalThreads", "Media", "ThreadsAccount"]

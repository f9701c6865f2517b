"""The state and shared machinery of `LocalMeta` (see `meta_server` for what it follows):
the objects a test creates or the fake publishes, Graph's error shape, the fake clock,
tokens, field selection (`?fields=a,b{c}`), cursor paging, and the usage headers."""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from parvis.testing.fake_network import FakeNetwork, Refusal, Request, Response

LONG_LIVED = 5_183_944  # seconds, the value Meta's long-lived token examples show (~60 days)
SHORT_LIVED = 3_600
CONTAINER_LIFETIME = 24 * 3600
OBJECT_MISSING = ("Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to "
                  "missing permissions, or does not support this operation. Please read the Graph API "
                  "documentation at https://developers.facebook.com/docs/graph-api")

INVALIDATED = {  # 190's subcodes and their messages (meta.md 7.1 and 7.2)
    458: "The user has not authorized application.",
    460: "The session has been invalidated because the user changed their password or Facebook has changed the "
         "session for security reasons.",
    467: "The session is invalid because the user logged out.",
    492: "The session is invalid because the user does not have access to this Page.",
    493: "The access token is invalid since the user hasn't engaged the app in longer than 90 days.",
}


def graph_error(message: str, code: int, subcode: int | None = None, *, kind: str = "OAuthException",
                status: int = 400, title: str | None = None, user_msg: str | None = None,
                transient: bool | None = None, headers: dict[str, str] | None = None) -> Refusal:
    """Graph's error answer: `{"error": {message, type, code, error_subcode, ..., fbtrace_id}}`."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    if title is not None:
        error["error_user_title"] = title
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = secrets.token_urlsafe(17)[:23]
    return Refusal(status, {"error": error}, headers)


def missing(object_id: str, verb: str = "get") -> Refusal:
    """The same answer for an object that does not exist and one the token may not see."""
    return graph_error(OBJECT_MISSING.format(verb=verb, id=object_id), 100, 33, kind="GraphMethodException")


def graph_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


# -- state -------------------------------------------------------------------------------
@dataclass
class Token:
    value: str
    kind: str  # "user", "page", "instagram" (Instagram Login), "app"
    subject: str  # the user, page or Instagram account id it speaks for
    issued_at: float
    expires_at: float | None  # None: never (Page tokens from a long-lived user token)
    scopes: list[str] = field(default_factory=list)
    invalid_subcode: int | None = None  # 460 password changed, 466 invalidated, ...


@dataclass
class User:
    id: str
    name: str
    token: str  # a long-lived user token
    pages: list[str] = field(default_factory=list)


@dataclass
class Page:
    id: str
    name: str
    token: str  # its Page token (no expiry)
    user_id: str
    category: str = "Brand"
    instagram_id: str | None = None
    followers_count: int = 0
    fan_count: int | None = None  # people who like the Page; None: as many as its followers


@dataclass
class InstagramAccount:
    id: str
    username: str
    name: str
    page_id: str | None  # None: an Instagram-Login account
    token: str | None  # the long-lived Instagram-Login token (None for a Page-linked one)
    profile_picture_url: str = ""
    followers_count: int = 0
    follows_count: int = 0
    media_count: int | None = None  # None: the media published on the fake (not stories)
    biography: str = ""
    quota_total: int = 50  # the current reference's value (meta.md 3.2); older copies said 25 or 100
    publishes: list[float] = field(default_factory=list)  # times of media_publish, for the 24 h window


@dataclass
class Download:
    """What the fake fetched from an `image_url`, `video_url`, `url` or `file_url`."""
    url: str
    status: int | None  # None: no answer (refused, timed out)
    size: int = 0
    content_type: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


@dataclass
class Container:
    id: str
    owner: str  # Instagram account id
    media_type: str  # IMAGE, VIDEO, REELS, STORIES, CAROUSEL
    created_at: float
    params: dict[str, str]
    polls_left: int  # status reads still answered IN_PROGRESS
    children: list[str] = field(default_factory=list)
    download: Download | None = None
    stuck: bool = False
    expired: bool = False
    error_subcode: int | None = None
    error_message: str = ""
    media_id: str | None = None  # set by media_publish

    @property
    def is_carousel_item(self) -> bool:
        return truthy(self.params.get("is_carousel_item"))


@dataclass
class Comment:
    id: str
    on: str  # the post or media it is under
    author_id: str
    author_name: str  # FB name or IG username
    text: str
    created: float
    parent: str | None = None
    hidden: bool = False
    like_count: int = 0
    network: str = "instagram"  # or "facebook"


@dataclass
class InstagramMedia:
    id: str
    owner: str
    caption: str
    media_type: str  # IMAGE, VIDEO, CAROUSEL_ALBUM
    product_type: str  # FEED, REELS, STORY
    created: float
    shortcode: str
    container_id: str | None = None
    children: list[str] = field(default_factory=list)
    media_url: str = ""
    alt_text: str = ""
    comment_enabled: bool = True
    like_count: int = 0
    tagged: list[str] = field(default_factory=list)  # Instagram account ids tagged in it
    mentioned: list[str] = field(default_factory=list)  # Instagram account ids @mentioned in its caption


@dataclass
class PagePost:
    id: str  # "{page-id}_{post-id}"
    page_id: str
    message: str
    created: float
    link: str = ""
    published: bool = True
    scheduled_at: float | None = None
    photos: list[str] = field(default_factory=list)
    video_id: str | None = None


@dataclass
class OthersPost:
    """A public post by someone else (a Facebook user) that tags Pages (`/{page-id}/tagged`)."""
    id: str  # "{user-id}_{post-id}"
    author_id: str
    author_name: str
    message: str
    created: float
    tagged: list[str] = field(default_factory=list)  # the Page ids it tags
    from_visible: bool = False  # Graph gives `from` of a user's post only to its author


@dataclass
class PageMedia:
    """A photo or video uploaded to a Page (published alone, or attached to a post later)."""
    id: str
    page_id: str
    kind: str  # "photo" or "video"
    url: str
    text: str  # caption or description
    published: bool
    created: float
    post_id: str | None = None
    title: str = ""
    polls_left: int = 0
    download: Download | None = None


# -- fields and paging ---------------------------------------------------------------------
def parse_fields(spec: str) -> dict[str, str]:
    """`id,caption,children{id,media_type}` -> {"id": "", "caption": "", "children": "id,media_type"};
    a field with a modifier (`mentioned_media.media_id(1){caption}`) keeps its whole name."""
    fields: dict[str, str] = {}
    depth, start, name_end = 0, 0, -1
    for index, char in enumerate(spec + ","):
        if char == "{":
            depth += 1
            if depth == 1:
                name_end = index
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            item = spec[start:index].strip()
            if item:
                if name_end > start:
                    fields[spec[start:name_end].strip()] = spec[name_end + 1:index - 1]
                else:
                    fields[item] = ""
            start, name_end = index + 1, -1
    return fields


def encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(raw.removeprefix("i:"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise graph_error("(#100) The after/before cursor is invalid", 100) from exc


class MetaBase(FakeNetwork):
    """State, clock, tokens, ids and the rendering helpers the routes share."""

    name = "meta"
    version = "v27.0"
    V = r"(?:/v\d+\.\d+)?"  # the version prefix: optional, any version (Meta serves expired ones too)

    def __init__(self) -> None:
        super().__init__()
        self.now = float(int(datetime.now(UTC).timestamp()))
        self.app_id, self.app_secret = "1234567890", "app-secret"
        self.ig_app_id, self.ig_app_secret = "9876543210", "ig-app-secret"
        self.tokens: dict[str, Token] = {}
        self.users: dict[str, User] = {}
        self.pages: dict[str, Page] = {}
        self.instagram_accounts: dict[str, InstagramAccount] = {}
        self.containers: dict[str, Container] = {}
        self.media: dict[str, InstagramMedia] = {}
        self.posts: dict[str, PagePost] = {}
        self.page_media: dict[str, PageMedia] = {}
        self.comments: dict[str, Comment] = {}
        self.insights: dict[str, dict[str, Any]] = {}
        self.downloads: list[Download] = []
        self.tagged_media: dict[str, InstagramMedia] = {}  # other accounts' media our accounts are tagged in
        self.tagged_by: dict[str, str] = {}
        self.tagged_posts: dict[str, OthersPost] = {}  # other users' posts that tag our Pages
        self.codes: dict[str, dict[str, Any]] = {}
        self.usage = {"call_count": 0, "total_cputime": 0, "total_time": 0, "estimated_time_to_regain_access": 0}
        self.image_polls = 0  # status reads an image container stays IN_PROGRESS
        self.video_polls = 2  # the same for video, reels and stories with video
        self.download_timeout = 5.0
        self.max_image_bytes = 8 * 1024 * 1024
        self._counter = 0
        self._fetcher: httpx.Client | None = None

    def stop(self) -> None:
        super().stop()
        if self._fetcher is not None:
            self._fetcher.close()

    # -- ids, clock, tokens --------------------------------------------------------------
    def new_id(self, base: int) -> str:
        self._counter += 1
        return str(base + self._counter)

    def advance(self, seconds: float) -> None:
        """Move the fake clock (token ages, container expiry, the publishing window)."""
        with self.lock:
            self.now += seconds

    def issue_token(self, kind: str, subject: str, lifetime: float | None, scopes: list[str] | None = None) -> str:
        prefix = "IGAA" if kind == "instagram" else "EAAB"
        value = prefix + secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")
        self.tokens[value] = Token(value, kind, subject, self.now,
                                   None if lifetime is None else self.now + lifetime, list(scopes or []))
        return value

    def expire_token(self, token: str) -> None:
        """Later calls with `token` answer 190 / 463 (session expired)."""
        with self.lock:
            self.tokens[token].expires_at = self.now - 1

    def invalidate_token(self, token: str, subcode: int = 460) -> None:
        """Later calls answer 190 with `subcode` (460 password changed, 466 revoked, 492 lost the Page role)."""
        with self.lock:
            self.tokens[token].invalid_subcode = subcode

    def token_error(self, token: Token) -> Refusal | None:
        if token.invalid_subcode is not None:
            reason = INVALIDATED.get(token.invalid_subcode, INVALIDATED[460])
            return graph_error(f"Error validating access token: {reason}", 190, token.invalid_subcode)
        if token.expires_at is not None and self.now >= token.expires_at:
            expired = datetime.fromtimestamp(token.expires_at, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
            current = datetime.fromtimestamp(self.now, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
            return graph_error(f"Error validating access token: Session has expired on {expired}. "
                               f"The current time is {current}.", 190, 463)
        return None

    @staticmethod
    def token_value(request: Request) -> str:
        """The token of a request: `Authorization: Bearer|OAuth`, the query or the form body."""
        header = request.header("Authorization")
        if header.lower().startswith("oauth "):
            return header[6:].strip()
        try:
            return request.bearer() or request.form.get("access_token", "")
        except ValueError:  # a body that is not the JSON it says
            return ""

    def auth(self, request: Request) -> Token:
        value = self.token_value(request)
        if not value:
            if "/me" in request.path:
                raise graph_error("An active access token must be used to query information about the current "
                                  "user.", 2500)
            raise graph_error("(#104) An access token is required to request this resource.", 104)
        token = self.tokens.get(value)
        if token is None:
            raise graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        error = self.token_error(token)
        if error is not None:
            raise error
        return token

    def reach(self, token: Token) -> set[str]:
        """The pages and Instagram accounts a token may act for."""
        if token.kind == "instagram":
            return {token.subject}
        pages = self.users[token.subject].pages if token.kind == "user" else [token.subject]
        linked = [self.pages[p].instagram_id for p in pages if self.pages[p].instagram_id]
        return set(pages) | {i for i in linked if i}

    def me(self, node: str, token: Token) -> str:
        return token.subject if node == "me" else node

    def owner_of(self, object_id: str) -> str | None:
        """The page or Instagram account an object belongs to."""
        for table, attr in ((self.containers, "owner"), (self.media, "owner"), (self.posts, "page_id"),
                            (self.page_media, "page_id")):
            found = table.get(object_id)
            if found is not None:
                return str(getattr(found, attr))
        comment = self.comments.get(object_id)
        return self.owner_of(comment.on) if comment is not None else None

    def check_reach(self, object_id: str, token: Token, verb: str = "get") -> None:
        owner = object_id if object_id in self.pages or object_id in self.instagram_accounts \
            else self.owner_of(object_id)
        if owner is None or owner not in self.reach(token):
            raise missing(object_id, verb)

    # -- rendering -----------------------------------------------------------------------
    def select(self, values: dict[str, Any], request: Request, default: str) -> dict[str, Any]:
        """Keep the asked `fields` (Graph always adds `id`); unknown fields are refused as Graph does."""
        return self.pick(values, request.query.get("fields") or default, request.query.get("fields", ""))

    def pick(self, values: dict[str, Any], spec: str, asked: str = "x") -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for name, sub in parse_fields(spec).items():
            if name not in values:
                if asked:
                    raise graph_error(f"(#100) Tried accessing nonexisting field ({name}) on node type "
                                      f"({values.get('__type__', 'Node')})", 100)
                continue
            value = values[name]
            if callable(value):
                value = value(sub)
            elif sub and isinstance(value, dict):
                value = self.pick(value, sub)
            if value is not None:
                chosen[name] = value
        if "id" in values and "id" not in chosen:
            chosen["id"] = values["id"]
        return chosen

    def paged(self, request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Graph's list shape: {"data": [...], "paging": {"cursors": {...}, "next", "previous"}}."""
        raw = request.query.get("limit", "25")
        if not raw.isdigit():
            raise graph_error("(#100) Param limit must be an integer", 100)
        limit = max(1, min(int(raw), 100))
        start = decode_cursor(request.query["after"]) + 1 if "after" in request.query else 0
        if "before" in request.query:
            start = max(0, decode_cursor(request.query["before"]) - limit)
        chunk = items[start:start + limit]
        result: dict[str, Any] = {"data": chunk}
        if not chunk:
            return result
        paging: dict[str, Any] = {"cursors": {"before": encode_cursor(start),
                                              "after": encode_cursor(start + len(chunk) - 1)}}
        query = {k: v for k, v in request.query.items() if k not in ("after", "before")}
        if start + len(chunk) < len(items):
            paging["next"] = f"{self.url}{request.path}?" + urlencode({**query, "after": paging["cursors"]["after"]})
        if start > 0:
            paging["previous"] = f"{self.url}{request.path}?" + urlencode(
                {**query, "before": paging["cursors"]["before"]})
        result["paging"] = paging
        return result

    # -- usage headers and errors ----------------------------------------------------------
    def set_usage(self, call_count: int = 0, total_cputime: int = 0, total_time: int = 0,
                  estimated_time_to_regain_access: int = 0) -> None:
        """The percentages the usage headers report from now on (minutes for the last one)."""
        with self.lock:
            self.usage = {"call_count": call_count, "total_cputime": total_cputime, "total_time": total_time,
                          "estimated_time_to_regain_access": estimated_time_to_regain_access}

    def usage_headers(self, token: Token | None, usage: dict[str, int]) -> dict[str, str]:
        app = {k: usage[k] for k in ("call_count", "total_cputime", "total_time")}
        headers = {"X-App-Usage": json.dumps(app)}
        if token is not None and token.kind in ("page", "instagram"):
            kind = "pages" if token.kind == "page" else "instagram"
            headers["X-Business-Use-Case-Usage"] = json.dumps({token.subject: [{"type": kind, **usage}]})
        return headers

    def common_headers(self, request: Request) -> dict[str, str]:
        value = self.token_value(request)
        with self.lock:
            token = self.tokens.get(value) if value else None
            return self.usage_headers(token, self.usage)

    def error_body(self, status: int) -> Any:
        if status >= 500:
            code, text = (2, "An unexpected error has occurred. Please retry your request later.") if status == 503 \
                else (1, "An unknown error has occurred.")
            return graph_error(text, code, transient=True).response.body
        return graph_error("(#100) Invalid parameter", 100).response.body

    def not_found(self, request: Request) -> Response:
        node = request.path.strip("/").split("/")[-1]
        return missing(node, request.method.lower()).response if node else Response(400, None)

    # -- media downloads -----------------------------------------------------------------
    def fetch(self, url: str) -> Download:
        """GET the media as Meta's crawler would (redirects followed, loopback allowed)."""
        if self._fetcher is None:  # one client: building its TLS context costs ~50 ms
            self._fetcher = httpx.Client(follow_redirects=True, trust_env=False,
                                         headers={"User-Agent": "facebookexternalhit/1.1"})
        try:
            answer = self._fetcher.get(url, timeout=self.download_timeout)
            download = Download(url, answer.status_code, len(answer.content),
                                answer.headers.get("Content-Type", "").split(";")[0].strip())
        except httpx.TimeoutException:
            download = Download(url, None, error="timeout")
        except httpx.HTTPError as exc:
            download = Download(url, None, error=type(exc).__name__)
        self.downloads.append(download)
        return download


def hashtags_and_mentions(text: str) -> tuple[int, int]:
    return len(re.findall(r"(?<!\w)#\w+", text)), len(re.findall(r"(?<!\w)@[\w.]+", text))

"""The state of `LocalThreads` (parvis.testing.threads_server) as plain objects, and the
Threads API v1.0 answer shapes built from them: error bodies, media fields, insights,
Graph pagination. Kept apart from the routes so that each file reads in one sitting."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from parvis.testing.fake_network import Refusal

DAY = 86_400
SHORT_LIVED = 3_600  # seconds: a short-lived token and an authorization code
LONG_LIVED = 60 * DAY
CONTAINER_LIFETIME = DAY  # an unpublished container expires after 24 h
TEXT_LIMIT = 500
ALT_TEXT_LIMIT = 1_000
CAROUSEL_MIN, CAROUSEL_MAX = 2, 20
IMAGE_MAX_BYTES = 8 * 1024 * 1024
VIDEO_MAX_BYTES = 1024 * 1024 * 1024

MEDIA_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
USER_METRICS = ("views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count",
                "follower_demographics")

# Fields GET /{threads-media-id} accepts (Media Retrieval reference); anything else is #100.
MEDIA_FIELDS = frozenset((
    "id", "media_product_type", "media_type", "media_url", "permalink", "owner", "username", "text",
    "timestamp", "shortcode", "thumbnail_url", "children", "is_quote_post", "alt_text", "link_attachment_url",
    "has_replies", "is_reply", "is_reply_owned_by_me", "root_post", "replied_to", "hide_status",
    "reply_audience", "quoted_post", "reposted_post", "gif_url", "poll_attachment", "topic_tag"))
PROFILE_FIELDS = frozenset(("id", "username", "name", "threads_profile_picture_url", "threads_biography",
                            "is_verified", "is_eligible_for_geo_gating"))
CONTAINER_FIELDS = frozenset(("id", "status", "error_message"))
LIMIT_FIELDS = {"quota_usage": "posts", "reply_quota_usage": "replies", "delete_quota_usage": "deletes",
                "location_search_quota_usage": "location_searches"}
CONFIG_FIELDS = {"config": "posts", "reply_config": "replies", "delete_config": "deletes",
                 "location_search_config": "location_searches"}

# Graph's throttling codes and their messages (error-handling guide).
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


# -- errors ----------------------------------------------------------------------------------
def graph_error(message: str, code: int, *, kind: str = "THApiException", subcode: int | None = None,
                status: int = 400, transient: bool | None = None, user_title: str = "",
                user_msg: str = "") -> Refusal:
    """A refusal in Graph's shape: {"error": {"message", "type", "code", "error_subcode", ...}}."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
    return Refusal(status, {"error": error})


def missing_object(node: str, operation: str = "get") -> Refusal:
    # Graph answers a missing, foreign or deleted object the same way: #100, subcode 33.
    return graph_error(
        f"Unsupported {operation} request. Object with ID '{node}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation", 100, subcode=33)


def media_not_found(container_id: str) -> Refusal:
    # Observed on threads_publish for a container that is not ready (fbsamples/threads_api#70).
    return graph_error("The requested resource does not exist", 24, kind="OAuthException", subcode=4279009,
                       transient=False, user_title="Media Not Found",
                       user_msg=f"The media with id {container_id} cannot be found.")


def invalid_parameter(message: str) -> Refusal:
    return graph_error(message, 100)


def nonexisting_field(name: str) -> Refusal:
    return graph_error(f"Tried accessing nonexisting field ({name})", 100)


def oauth_endpoint_error(message: str, code: int = 400) -> Refusal:
    """POST /oauth/access_token has its own flat shape (Get Access Tokens guide)."""
    return Refusal(400, {"error_type": "OAuthException", "code": code, "error_message": message})


def graph_date(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def session_date(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")


# -- state -----------------------------------------------------------------------------------
@dataclass
class Token:
    value: str
    user_id: str
    kind: str  # "short" or "long"
    issued_at: float
    expires_at: float


@dataclass
class User:
    id: str
    username: str
    name: str = ""
    biography: str = ""
    picture_url: str = ""
    followers_count: int = 0
    insights: dict[str, Any] = field(default_factory=dict)


@dataclass
class ThreadsAccount:
    """What `LocalThreads.add_user` hands a test: the ids and tokens a connector needs."""
    id: str
    username: str
    short_token: str
    long_token: str


@dataclass
class Download:
    """How the fake fetched a container's image_url/video_url."""
    url: str
    status: int  # 0: no HTTP answer at all
    size: int = 0
    content_type: str = ""
    error: str = ""


@dataclass
class Container:
    id: str
    owner_id: str
    media_type: str  # TEXT, IMAGE, VIDEO, CAROUSEL
    params: dict[str, str]
    created_at: float
    status: str = "IN_PROGRESS"
    error_message: str = ""
    polls_left: int = 0  # status reads still answering IN_PROGRESS
    stuck: bool = False
    children: list[str] = field(default_factory=list)
    download: Download | None = None
    media_id: str = ""
    publish_attempts: int = 0
    used_in_carousel: bool = False

    @property
    def is_reply(self) -> bool:
        return bool(self.params.get("reply_to_id"))


@dataclass
class Media:
    id: str
    owner_id: str
    username: str
    media_type: str  # TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM
    text: str
    timestamp: float
    sequence: int
    shortcode: str
    container_id: str = ""
    media_url: str = ""
    alt_text: str = ""
    link_attachment_url: str = ""
    quoted_post: str = ""
    topic_tag: str = ""
    reply_audience: str = "EVERYONE"
    replied_to: str = ""
    root_post: str = ""
    hide_status: str = "NOT_HUSHED"
    children: list[str] = field(default_factory=list)
    is_carousel_item: bool = False
    mentions: list[str] = field(default_factory=list)  # user ids mentioned in the text
    deleted: bool = False
    insights: dict[str, int] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return bool(self.replied_to)


@dataclass
class Limits:
    """Per-user publishing quotas over a moving 24 h window (Threads Overview, Troubleshooting)."""
    posts: int = 250
    replies: int = 1_000
    deletes: int = 100
    location_searches: int = 500


# -- rendering -------------------------------------------------------------------------------
def requested_fields(request_fields: str, default: tuple[str, ...], allowed: frozenset[str]) -> list[str]:
    names = [name.strip() for name in request_fields.split(",") if name.strip()] or list(default)
    for name in names:
        if name not in allowed:
            raise nonexisting_field(name)
    return names if "id" in names else [*names, "id"]  # Graph always answers a node's id


def media_view(media: Media, viewer_id: str, names: list[str], has_replies: bool) -> dict[str, Any]:
    """The fields asked for, leaving out the ones Threads omits for this kind of media."""
    values: dict[str, Any] = {
        "id": media.id, "media_product_type": "THREADS", "media_type": media.media_type,
        "permalink": f"https://www.threads.com/@{media.username}/post/{media.shortcode}",
        "owner": {"id": media.owner_id}, "username": media.username, "timestamp": graph_date(media.timestamp),
        "shortcode": media.shortcode, "is_quote_post": bool(media.quoted_post), "has_replies": has_replies,
        "is_reply": media.is_reply,
    }
    optional = {
        "text": media.text, "media_url": media.media_url, "alt_text": media.alt_text,
        "link_attachment_url": media.link_attachment_url, "topic_tag": media.topic_tag,
        "quoted_post": {"id": media.quoted_post} if media.quoted_post else None,
        "children": {"data": [{"id": child} for child in media.children]} if media.children else None,
    }
    values.update({key: value for key, value in optional.items() if value})
    if media.is_reply:
        values.update(root_post={"id": media.root_post}, replied_to={"id": media.replied_to},
                      is_reply_owned_by_me=media.owner_id == viewer_id, hide_status=media.hide_status)
    if media.owner_id == viewer_id:
        values["reply_audience"] = media.reply_audience
    return {name: values[name] for name in names if name in values}


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"fake-threads:{index}".encode()).decode().rstrip("=")


def _index(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise invalid_parameter("Invalid pagination cursor") from error


def page(items: list[dict[str, Any]], query: dict[str, str], url: str) -> dict[str, Any]:
    """Graph's cursor pagination: {"data": [...], "paging": {"cursors": {...}, "next", "previous"}}."""
    try:
        limit = min(max(int(query.get("limit", "25")), 1), 100)
    except ValueError as error:
        raise invalid_parameter("(#100) Param limit must be a non-negative integer") from error
    if query.get("after") and query.get("before"):
        raise invalid_parameter("Cannot specify both before and after cursors")
    start = _index(query["after"]) + 1 if query.get("after") else 0
    if query.get("before"):
        start = max(_index(query["before"]) - limit, 0)
    chunk = items[start:start + limit]
    if not chunk:
        return {"data": []}
    first, last = start, start + len(chunk) - 1
    paging: dict[str, Any] = {"cursors": {"before": _cursor(first), "after": _cursor(last)}}
    base = {key: value for key, value in query.items() if key not in ("after", "before")}
    if last + 1 < len(items):
        paging["next"] = f"{url}?{urlencode({**base, 'after': _cursor(last)})}"
    if first > 0:
        paging["previous"] = f"{url}?{urlencode({**base, 'before': _cursor(first)})}"
    return {"data": chunk, "paging": paging}


def text_length(text: str) -> int:
    """Threads counts text in UTF-8 terms for emoji (meta.md 3.3): a character outside the
    Basic Multilingual Plane counts its UTF-8 bytes, every other character counts one."""
    return sum(len(char.encode()) if ord(char) > 0xFFFF else 1 for char in text)


MEDIA_TITLES = {"views": "Views", "likes": "Likes", "replies": "Replies", "reposts": "Reposts",
                "quotes": "Quotes", "shares": "Shares"}


def media_metric(media_id: str, name: str, value: int) -> dict[str, Any]:
    return {"name": name, "period": "lifetime", "values": [{"value": value}], "title": MEDIA_TITLES[name],
            "description": f"The number of {name} of your post.", "id": f"{media_id}/insights/{name}/lifetime"}


def user_metric(user: User, name: str, now: float, breakdown: str) -> dict[str, Any]:
    """One user metric in the shape the Insights guide gives for its kind: a daily time
    series (views), link totals (clicks), or a total value (the rest)."""
    metric: dict[str, Any] = {"name": name, "period": "day", "title": name,
                              "description": f"The {name.replace('_', ' ')} of your profile.",
                              "id": f"{user.id}/insights/{name}/day"}
    stored = user.insights.get(name)
    if name == "views":
        series = list(stored or [])
        metric["values"] = [{"value": value, "end_time": graph_date(now - (len(series) - 1 - i) * DAY)}
                            for i, value in enumerate(series)]
    elif name == "clicks":
        metric["link_total_values"] = [{"value": value, "link_url": link}
                                       for link, value in dict(stored or {}).items()]
    elif name == "follower_demographics":
        if breakdown not in ("country", "city", "age", "gender"):
            raise invalid_parameter("(#100) The breakdown parameter must be one of country, city, age, gender "
                                    "for the follower_demographics metric")
        results = [{"dimension_values": [key], "value": value}
                   for key, value in dict((stored or {}).get(breakdown, {})).items()]
        metric["total_value"] = {"breakdowns": [{"dimension_keys": [breakdown], "results": results}]}
    elif name == "followers_count":
        metric["total_value"] = {"value": user.followers_count if stored is None else stored}
    else:
        metric["total_value"] = {"value": int(stored or 0)}
    return metric


def fetch_media(client: httpx.Client, url: str) -> tuple[Download, bytes]:
    """Fetch the media as Meta's crawler would (its documented user agent)."""
    try:
        answer = client.get(url)
    except httpx.HTTPError as error:
        return Download(url, 0, error=type(error).__name__), b""
    content_type = answer.headers.get("Content-Type", "")
    return Download(url, answer.status_code, len(answer.content), content_type), answer.content


def looks_like(kind: str, content: bytes) -> bool:
    """Meta detects the format from the bytes, not the name: JPEG/PNG, or MP4/MOV."""
    if kind == "IMAGE":
        return content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))
    return content[4:8] == b"ftyp"


def first_url(text: str) -> str:
    found = re.search(r"https?://\S+", text)
    return found.group(0) if found else ""


def metric_names(requested: str, allowed: tuple[str, ...]) -> list[str]:
    names = [name.strip() for name in requested.split(",") if name.strip()]
    if not names:
        raise invalid_parameter("(#100) The parameter metric is required")
    for index, name in enumerate(names):
        if name not in allowed:
            choices = ", ".join(allowed)
            raise invalid_parameter(f"(#100) metric[{index}] must be one of the following values: {choices}")
    return names


def in_window(items: list[Media], query: dict[str, str]) -> list[Media]:
    """since/until as Unix timestamps (the reference also takes strtotime forms)."""
    try:
        since, until = float(query.get("since") or 0), float(query.get("until") or float("inf"))
    except ValueError as error:
        raise invalid_parameter("Param since/until must be a Unix timestamp") from error
    return [m for m in items if since <= m.timestamp <= until]

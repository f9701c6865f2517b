"""Another Instagram business or creator account, followed by la veille through Meta's
business discovery (`parvis.networks.public.ProfileReader`): one of the workspace's
connected accounts asks Graph about the other by its username,

    GET /{ig-user-id}?fields=business_discovery.username(<name>){profile, media.limit(n){...}}

and gets its public profile and latest posts in one answer.

* Meta offers business discovery through Facebook Login only: an account connected with
  Instagram Login cannot read another account (its host has no such field), and the
  reader says so without calling.
* Personal accounts are not shown: Meta answers them as it answers an unknown username
  (code 110 / 2207013, or 100), which the reader words for the person who typed it.
* Calls count against the connected account's rate limits: the reader uses the same
  usage hold as its connector, and says when Meta asks to slow down.
* A post whose owner hides its likes comes without `like_count`: its counts leave
  `likes` out rather than saying 0.
"""

from __future__ import annotations

import re
from typing import Any, cast

import httpx

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.graph import DEFAULT_WAIT, SLOW_DOWN_AT, GraphClient, GraphFault
from parvis.networks.instagram.connector import FACEBOOK_LOGIN, SERVER_URL, graph_url
from parvis.networks.public import PublicPost, PublicProfile, ReadError, Timeline, aware_utc, count, counts
from parvis.networks.text import clean_text

NETWORK = "instagram"
USERNAME_RE = re.compile(r"[a-z0-9._]{1,30}")
PROFILE_URL_RE = re.compile(r"(?:https?://)?(?:www\.|m\.)?instagram\.com/([A-Za-z0-9._]{1,30})/?(?:[?#].*)?",
                            re.IGNORECASE)
# Addresses under instagram.com that are not profiles.
NOT_PROFILES = frozenset({"p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct", "about",
                          "developer", "legal"})
MAX_LIMIT = 50  # the most posts one read asks of the nested media edge
PROFILE_FIELDS = "id,username,name,profile_picture_url,followers_count,follows_count,media_count"
MEDIA_FIELDS = "id,caption,comments_count,like_count,media_type,media_product_type,permalink,timestamp"
# Business discovery's answer for a username it cannot show (unknown, or a personal account).
NOT_FOUND_SUBCODE = 2207013


class _RecordingHttp:
    """The guarded client, keeping its last answer: business discovery's refusals are
    told apart by Graph's code, which `graph.translate` words for a developer."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.response: httpx.Response | None = None

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:
        self.response = self.http.request(*args, **kwargs)
        return self.response


class _DiscoveryClient(GraphClient):
    recording: _RecordingHttp | None = None

    @property
    def http(self) -> httpx.Client:
        self.recording = _RecordingHttp(super().http)
        return cast(httpx.Client, self.recording)

    def last_fault(self) -> GraphFault | None:
        response = self.recording.response if self.recording else None
        return GraphFault.of(response) if response is not None and not response.is_success else None


class ProfileReader:
    needs_account = True

    def normalise(self, typed: str) -> str | None:
        text = (typed or "").strip()
        match = PROFILE_URL_RE.fullmatch(text)
        if match:
            text = match.group(1)
            if text.lower() in NOT_PROFILES:
                return None
        name = text.removeprefix("@").lower()
        return f"@{name}" if USERNAME_RE.fullmatch(name) else None

    def read(self, handle: str, *, account: Any = None, limit: int = 40) -> Timeline:
        username = (self.normalise(handle) or "").removeprefix("@")
        if not username:
            raise ReadError(Text.gettext("%(handle)s is not an Instagram username.", handle=handle),
                            transient=False)
        if account is None or getattr(account, "network", "") != NETWORK:
            raise ReadError(Text.gettext("Following an Instagram account needs one of the workspace's Instagram "
                                         "accounts, connected through Facebook Login."), transient=False)
        credentials = account.credentials or {}
        if str(credentials.get("login") or FACEBOOK_LOGIN) != FACEBOOK_LOGIN:
            raise ReadError(Text.gettext("Meta lets an Instagram account read other accounts only when it is "
                                         "connected through Facebook Login; %(account)s was connected with "
                                         "Instagram Login. Connect it again through Facebook Login.",
                                         account=account.handle), transient=False)
        client = _DiscoveryClient(graph_url(FACEBOOK_LOGIN), str(credentials.get("access_token") or ""),
                                  account_key=str(account.remote_id))
        size = max(1, min(int(limit), MAX_LIMIT))
        fields = f"business_discovery.username({username}){{{PROFILE_FIELDS},media.limit({size}){{{MEDIA_FIELDS}}}}}"
        try:
            answer = client.get(str(account.remote_id), fields=fields)
        except NetworkError as error:
            raise _read_error(error, client.last_fault(), username, account.handle) from error
        found = answer.get("business_discovery") if isinstance(answer, dict) else None
        if not isinstance(found, dict) or not found.get("id"):
            raise ReadError(Text.gettext("Meta's answer about @%(username)s holds no account.", username=username),
                            transient=True)
        usage = client.last_usage
        wait = (usage.regain_seconds or DEFAULT_WAIT) if usage.percent >= SLOW_DOWN_AT else None
        profile = _profile(found, username)
        return Timeline(profile, _posts(found, profile), retry_after=wait)


def _read_error(error: NetworkError, fault: GraphFault | None, username: str, through: str) -> ReadError:
    if fault is not None and (fault.subcode == NOT_FOUND_SUBCODE or fault.code in (100, 110)):
        return ReadError(Text.gettext("Instagram shows no business or creator account named @%(username)s: the "
                                      "name may be misspelt, or the account is personal or age-restricted, and "
                                      "Meta lets parvis follow business and creator accounts only.",
                                      username=username), transient=False)
    reason = Text.gettext("Instagram could not be read through %(account)s: %(reason)s", account=through,
                          reason=error.reason)
    return ReadError(reason, transient=error.kind is ErrorKind.TRANSIENT, retry_after=error.retry_after,
                     reconnect=error.kind is ErrorKind.RECONNECT)


def _profile(found: dict[str, Any], username: str) -> PublicProfile:
    name = clean_text(found.get("username")) or username
    return PublicProfile(network=NETWORK, remote_id=str(found["id"]), handle=f"@{name}",
                         name=clean_text(found.get("name")) or name, url=f"{SERVER_URL}/{name}/",
                         followers=count(found.get("followers_count")), following=count(found.get("follows_count")),
                         posts=count(found.get("media_count")))


def _posts(found: dict[str, Any], profile: PublicProfile) -> list[PublicPost]:
    media = found.get("media")
    items = media.get("data") if isinstance(media, dict) else None
    posts = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("id") or (created := aware_utc(item.get("timestamp"))) is None:
            continue
        permalink = item.get("permalink")
        posts.append(PublicPost(
            network=NETWORK, remote_id=str(item["id"]),
            url=permalink if isinstance(permalink, str) and permalink.startswith("https://") else profile.url,
            author_handle=profile.handle, author_name=profile.name, author_id=profile.remote_id,
            text=clean_text(item.get("caption")), created_at=created,
            counts=counts(replies=item.get("comments_count"), likes=item.get("like_count"))))
    return sorted(posts, key=lambda post: post.created_at, reverse=True)


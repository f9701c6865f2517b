"""Public posts read from Bluesky for the keyword monitors: post search, and Jetstream
for high volume.

Search is `app.bsky.feed.searchPosts`, asked of the account's PDS with its access token
(the PDS answers it through the AppView; the public AppView no longer serves search
without a login). The PDS is an address a person typed: the guarded HTTP layer, no
redirects. Its rate limits are said in `RateLimit-*` headers (`RateLimit-Reset` in unix
seconds): a 429 becomes a transient `ReadError` with `retry_after`, a spent window on a
successful answer `Page.retry_after`. A session the PDS no longer accepts (`ExpiredToken`,
which the PDS answers with HTTP 400, or a 401) is a `ReadError` with `reconnect`.

Jetstream is a websocket of the network's commits as JSON, on its `/subscribe` endpoint
(the v1 wire, which Jetstream v2 keeps frozen for existing consumers). parvis asks for
no compression, filters on `wantedCollections` (and `wantedDids` if given), and resumes
with `cursor` (unix microseconds, the `time_us` of the last event read). After a dropped
connection it reconnects a few seconds before that cursor, and the posts met again over
the overlap are not yielded twice. The admin types its address: it is checked by the
address policy, and each connection goes to an address checked at that moment.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.sync.client import ClientConnection, connect

from parvis.core.http import USER_AGENT, GuardError, check_url, client, default_policy, normalise_base_url
from parvis.core.http.guard import resolve_checked
from parvis.core.texts import Text
from parvis.networks.public import (
    Page,
    PublicPost,
    PublicProfile,
    ReadError,
    StreamCursor,
    Timeline,
    aware_utc,
    count,
    counts,
    seconds_until,
)
from parvis.networks.text import clean_text

NETWORK = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
MAX_LIMIT = 100  # the lexicon's maximum
RATE_WINDOW = 60.0  # the wait when a rate-limited answer says none
# Errors the PDS gives for a session it no longer accepts, whatever the HTTP status.
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired",
                            "AccountTakedown"})
_DID = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}[A-Za-z0-9]$")

# Jetstream
REWIND_US = 3_000_000  # a reconnection starts this far before the last event read
CURSOR_EVERY = 5.0  # seconds between two resume cursors while events flow
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # then give up: the caller schedules a retry
MAX_EVENT_BYTES = 1_000_000  # larger events are skipped by the server (maxMessageSizeBytes)
SEEN_KEEP = 20_000  # posts remembered for de-duplication: far more than a rewind brings back
_POLL = 1.0  # seconds between two looks at `stop` while the stream is quiet


def search_posts(service_url: str, access_jwt: str, query: str, *, cursor: str = "",
                 since: datetime | None = None, lang: str = "", limit: int = 25,
                 http: httpx.Client | None = None) -> Page:
    """Posts matching `query`, newest first (`sort=latest`), from `since` on. The page's
    cursor continues to older results; "" when there are no more."""
    if not query.strip():
        raise ReadError(Text.gettext("Enter words to search for."), transient=False)
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be an aware datetime")
    params: dict[str, Any] = {"q": query, "sort": "latest", "limit": max(1, min(MAX_LIMIT, int(limit)))}
    if since is not None:
        params["since"] = since.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if lang:
        params["lang"] = lang
    if cursor:
        params["cursor"] = cursor
    try:
        base = normalise_base_url(service_url)
    except GuardError as exc:
        raise ReadError(exc.reason, transient=False) from exc
    host = urlsplit(base).netloc
    response = _xrpc_get(base, "app.bsky.feed.searchPosts", params, http, token=access_jwt)
    data = _json(response)
    _raise_for_error(response, data, host)
    views = data.get("posts") if isinstance(data, dict) else None
    if not isinstance(views, list):
        raise ReadError(Text.gettext("The server %(host)s did not answer the search as a Bluesky server does.",
                                     host=host), transient=False)
    posts = [post for view in views if (post := _from_view(view)) is not None]
    spent = response.headers.get("ratelimit-remaining", "").strip() == "0"
    return Page(posts, clean_text(data.get("cursor")), retry_after=_wait(response) if spent else None)


def _xrpc_get(base: str, method: str, params: dict[str, Any], http: httpx.Client | None, *,
              token: str = "") -> httpx.Response:
    """GET an XRPC method through the guarded layer, no redirects; ReadError when the
    server cannot be reached."""
    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    session = http or client(redirects="refuse")
    try:
        return session.get(f"{base}/xrpc/{method}", params=params, headers=headers)
    except GuardError as exc:
        raise ReadError(exc.reason, transient=exc.transient) from exc
    except httpx.HTTPError as exc:
        raise ReadError(Text.gettext("The server %(host)s could not be reached or did not answer in time.",
                                     host=urlsplit(base).netloc), transient=True) from exc
    finally:
        if http is None:
            session.close()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _wait(response: httpx.Response) -> float:
    for header in ("ratelimit-reset", "retry-after"):
        seconds = seconds_until(response.headers.get(header))
        if seconds is not None:
            return seconds
    return RATE_WINDOW


def _raise_for_error(response: httpx.Response, data: Any, host: str) -> None:
    status = response.status_code
    if status == 200:
        return
    error = clean_text(data.get("error")) if isinstance(data, dict) else ""
    message = clean_text(data.get("message")) if isinstance(data, dict) else ""
    detail = (f"{error}: {message}" if error and message else error or message or f"HTTP {status}")[:200]
    if status == 429:
        raise ReadError(Text.gettext("Bluesky asks parvis to slow down (rate limit reached)."),
                        transient=True, retry_after=_wait(response))
    if status == 401 or error in SESSION_ERRORS:
        raise ReadError(Text.gettext("Bluesky no longer accepts the account's session (%(detail)s). Reconnect the "
                                     "account.", detail=detail), transient=False, reconnect=True)
    if status >= 500 or status == 408:
        raise ReadError(Text.gettext("The server %(host)s had an error (HTTP %(status)s).", host=host,
                                     status=status), transient=True)
    raise ReadError(Text.gettext("Bluesky refused the search (%(detail)s).", detail=detail), transient=False)


class SearchReader:
    """La veille's watch of a Bluesky search: asked of the PDS of one of the workspaces'
    accounts, with its session (any account will do: every PDS answers through the same
    AppView, so `account_on_instance` is False). The cursor is the time of the newest
    post read; the next search asks for posts from then on (`since` compares the post's
    sort time, which is never later than when it was indexed), the overlap deduplicated
    by the store."""

    kinds = ("search",)
    account_kinds = ("search",)
    account_on_instance = False

    def page_url(self, instance_url: str, kind: str, term: str) -> str:
        return f"https://bsky.app/search?q={quote(term, safe='')}"

    def read(self, instance_url: str, kind: str, term: str, cursor: str, *, account: Any = None) -> Page:
        if account is None:
            raise ReadError(Text.gettext("Connect an account of this network to search it."), transient=False)
        try:
            return self._search(account, term, cursor, fresh=False)
        except ReadError as exc:
            if not exc.reconnect:
                raise
        return self._search(account, term, cursor, fresh=True)  # one new login with the app password

    def _search(self, account: Any, term: str, cursor: str, *, fresh: bool) -> Page:
        from parvis.networks.base import ErrorKind, NetworkError
        from parvis.networks.bluesky.connector import BlueskyConnector

        try:
            service_url, access_jwt = BlueskyConnector(account).access(fresh=fresh)
        except NetworkError as exc:
            raise ReadError(exc.reason, transient=exc.kind is ErrorKind.TRANSIENT, retry_after=exc.retry_after,
                            reconnect=exc.kind is ErrorKind.RECONNECT) from exc
        since = aware_utc(cursor)
        page = search_posts(service_url, access_jwt, term, since=since, limit=MAX_LIMIT)
        newest = max((post.created_at for post in page.posts), default=since)
        if newest is not None:
            newest = min(newest, datetime.now(UTC))  # a post dated in the future must not hide the next ones
        return Page(page.posts, newest.isoformat() if newest else cursor, retry_after=page.retry_after)


def _from_view(view: Any) -> PublicPost | None:
    """A PostView (app.bsky.feed.defs#postView) as a PublicPost; None if it is not one."""
    if not isinstance(view, dict) or not isinstance(view.get("author"), dict):
        return None
    author, uri = view["author"], clean_text(view.get("uri"))
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or parts[1] != POST_COLLECTION:
        return None
    did, rkey = clean_text(author.get("did")), parts[2]
    created_at = aware_utc(_record(view).get("createdAt")) or aware_utc(view.get("indexedAt"))
    if parts[0] != did or created_at is None:
        return None
    return _post(did, rkey, _record(view), created_at, handle=clean_text(author.get("handle")),
                 name=clean_text(author.get("displayName")),
                 counts=counts(replies=view.get("replyCount"), reposts=view.get("repostCount"),
                               likes=view.get("likeCount"), quotes=view.get("quoteCount")))


def _record(view: dict[str, Any]) -> dict[str, Any]:
    record = view.get("record")
    return record if isinstance(record, dict) else {}


def _post(did: str, rkey: str, record: dict[str, Any], created_at: datetime, *, handle: str = "", name: str = "",
          counts: dict[str, int] | None = None) -> PublicPost | None:
    if not _DID.match(did) or not _RKEY.match(rkey):
        return None  # both go into addresses: nothing but what the specs allow
    # "handle.invalid" is what the AppView shows when a handle no longer resolves.
    handle = handle if _HANDLE.match(handle) and handle != "handle.invalid" else ""
    langs = record.get("langs")
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    return PublicPost(
        network=NETWORK, remote_id=f"at://{did}/{POST_COLLECTION}/{rkey}",
        url=f"https://bsky.app/profile/{handle or did}/post/{rkey}",
        author_handle=handle, author_name=name, author_id=did, text=clean_text(record.get("text")),
        created_at=created_at, language=clean_text(langs[0]) if isinstance(langs, list) and langs else "",
        in_reply_to=clean_text(parent.get("uri")) if isinstance(parent, dict) else "", counts=counts or {},
    )


Cursor = StreamCursor  # where to resume the stream: the `time_us` of the last event read


@dataclass(frozen=True)
class _Endpoint:
    uri: str  # ws(s)://host[:port]/subscribe
    host: str
    port: int


@dataclass
class _Stream:
    """What one `read_jetstream` call knows across its connections."""

    last_us: int | None
    received: int = 0
    reported_us: int | None = None
    reported_at: float = field(default_factory=time.monotonic)
    seen: dict[str, None] = field(default_factory=dict)  # insertion-ordered: the oldest go first

    def first_time(self, remote_id: str) -> bool:
        if remote_id in self.seen:
            return False
        self.seen[remote_id] = None
        if len(self.seen) > SEEN_KEEP:
            del self.seen[next(iter(self.seen))]
        return True

    def cursor(self, *, force: bool) -> Cursor | None:
        """The resume cursor if it moved since the last one given, and one is due."""
        if self.last_us is None or self.last_us == self.reported_us:
            return None
        if not force and time.monotonic() - self.reported_at < CURSOR_EVERY:
            return None
        self.reported_us, self.reported_at = self.last_us, time.monotonic()
        return Cursor(self.last_us)


def read_jetstream(url: str, *, collections: Sequence[str] = (POST_COLLECTION,), dids: Sequence[str] = (),
                   cursor_us: int | None = None, max_events: int | None = None, timeout: float = 30,
                   stop: threading.Event | None = None) -> Iterator[PublicPost | Cursor]:
    """New posts from a Jetstream server, and from time to time a `Cursor` to save.

    Runs until `stop` is set or `max_events` messages were received (all kinds: they
    all move the cursor), reconnecting after a drop. A server silent for `timeout`
    seconds counts as a drop. Raises `ReadError` when the address is refused, the server
    refuses the subscription, or it cannot be reached after several attempts."""
    endpoint = _endpoint(url)
    stream = _Stream(cursor_us, reported_us=cursor_us)
    resume, failures = cursor_us, 0
    while not _finished(stream, max_events, stop):
        query = _query(collections, dids, resume)
        received = stream.received
        failure: Exception | None = None
        try:
            connection = _connect(endpoint, query, timeout)
        # ValueError: websockets' refusal to follow a redirect with the socket parvis opened.
        except (OSError, WebSocketException, GuardError, ValueError) as exc:
            _raise_if_permanent(exc, endpoint)
            failure = exc
        else:
            with connection:  # a drop ends _read quietly: the cursor says where to resume
                yield from _read(connection, stream, max_events, timeout, stop)
        if (cursor := stream.cursor(force=True)) is not None:
            yield cursor
        if stream.last_us is not None:
            resume = stream.last_us - REWIND_US
        failures = 0 if stream.received > received else failures + 1
        if failures > len(RECONNECT_DELAYS):
            raise ReadError(Text.gettext("The Jetstream server %(host)s could not be reached or kept closing the "
                                         "connection.", host=endpoint.host), transient=True) from failure
        if failures and not _finished(stream, max_events, stop):
            _pause(RECONNECT_DELAYS[failures - 1], stop)


def _endpoint(url: str) -> _Endpoint:
    parts = urlsplit((url or "").strip())
    scheme = {"wss": "https", "ws": "http", "https": "https", "http": "http"}.get(parts.scheme.lower(), "")
    try:
        port = parts.port
    except ValueError:
        scheme = ""
    if not scheme or not parts.hostname:
        raise ReadError(Text.gettext("Enter the Jetstream server's wss:// address."), transient=False)
    try:
        check_url(f"{scheme}://{parts.netloc}")  # the address policy's verdict, said before connecting
    except GuardError as exc:
        raise ReadError(exc.reason, transient=exc.transient) from exc
    secure = scheme == "https"
    port = port or (443 if secure else 80)
    path = parts.path.rstrip("/").removesuffix("/subscribe")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return _Endpoint(f"{'wss' if secure else 'ws'}://{host}:{port}{path}/subscribe", parts.hostname, port)


def _query(collections: Sequence[str], dids: Sequence[str], resume: int | None) -> str:
    pairs = [("wantedCollections", name) for name in collections] + [("wantedDids", did) for did in dids]
    pairs.append(("maxMessageSizeBytes", str(MAX_EVENT_BYTES)))
    if resume is not None:
        pairs.append(("cursor", str(max(0, resume))))
    return urlencode(pairs)


def _connect(endpoint: _Endpoint, query: str, timeout: float) -> ClientConnection:
    """A websocket to an address of the host checked now (not only when it was typed):
    the socket is opened here, to that very address, and handed to the client."""
    error: OSError | None = None
    for address in resolve_checked(endpoint.host, endpoint.port, default_policy()):
        try:
            sock = socket.create_connection((address, endpoint.port), timeout=timeout)
        except OSError as exc:
            error = exc
            continue
        sock.settimeout(None)  # the client's own deadlines apply from here
        # No compression asked (Jetstream's zstd needs its dictionary; deflate costs the
        # server most), and larger messages than the server was told to send are refused.
        return connect(f"{endpoint.uri}?{query}", sock=sock, open_timeout=timeout, compression=None,
                       max_size=2 * MAX_EVENT_BYTES, user_agent_header=USER_AGENT)
    assert error is not None
    raise error


def _raise_if_permanent(exc: Exception, endpoint: _Endpoint) -> None:
    """A failure that reconnecting cannot mend, as a ReadError; others return."""
    if isinstance(exc, GuardError):
        if not exc.transient:
            raise ReadError(exc.reason, transient=False) from exc
        return
    if isinstance(exc, InvalidURI):
        raise ReadError(Text.gettext("Enter the Jetstream server's wss:// address."), transient=False) from exc
    if isinstance(exc, ValueError):  # a redirect: the address typed is not where the stream is
        raise ReadError(Text.gettext("The Jetstream server %(host)s answered with a redirect: parvis does not "
                                     "follow it. If the server has moved, enter its new address.",
                                     host=endpoint.host), transient=False) from exc
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        if 400 <= status < 500 and status not in (408, 429):
            raise ReadError(Text.gettext("The Jetstream server %(host)s refused the subscription (HTTP %(status)s).",
                                         host=endpoint.host, status=status), transient=False) from exc


def _read(connection: ClientConnection, stream: _Stream, max_events: int | None, timeout: float,
          stop: threading.Event | None) -> Iterator[PublicPost | Cursor]:
    quiet_since = time.monotonic()
    while not _finished(stream, max_events, stop):
        try:
            message = connection.recv(timeout=min(_POLL, timeout))
        except TimeoutError:
            if time.monotonic() - quiet_since >= timeout:
                return  # a server this silent has lost us: reconnect
            continue
        except ConnectionClosed:
            return
        quiet_since = time.monotonic()
        stream.received += 1
        event = _event(message)
        time_us = event.get("time_us")
        if isinstance(time_us, int) and not isinstance(time_us, bool) and time_us > (stream.last_us or 0):
            stream.last_us = time_us
        post = _from_event(event)
        if post is not None and stream.first_time(post.remote_id):
            yield post
        if (cursor := stream.cursor(force=False)) is not None:
            yield cursor


def _event(message: str | bytes) -> dict[str, Any]:
    """One message as a JSON object; {} for anything else (a broken line is skipped)."""
    try:
        data = json.loads(message)
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _from_event(event: dict[str, Any]) -> PublicPost | None:
    """A new post in a commit event; None for other commits, identity and account events."""
    commit, did = event.get("commit"), event.get("did")
    if event.get("kind") != "commit" or not isinstance(commit, dict) or not isinstance(did, str):
        return None
    if commit.get("operation") != "create" or commit.get("collection") != POST_COLLECTION:
        return None
    record, rkey = commit.get("record"), commit.get("rkey")
    if not isinstance(record, dict) or not isinstance(rkey, str):
        return None
    # createdAt is the author's claim; the event's own time stands in when it is unreadable.
    created_at = aware_utc(record.get("createdAt")) or _from_us(event.get("time_us"))
    return _post(did, rkey, record, created_at) if created_at is not None else None


def _from_us(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _finished(stream: _Stream, max_events: int | None, stop: threading.Event | None) -> bool:
    return (stop is not None and stop.is_set()) or (max_events is not None and stream.received >= max_events)


def _pause(seconds: float, stop: threading.Event | None) -> None:
    if stop is not None:
        stop.wait(seconds)
    else:
        time.sleep(seconds)


# A competitor's account, as la veille follows it: read from the AppView
# (PARVIS_BLUESKY_APPVIEW), which serves profiles and author feeds without a login.
_PROFILE_ADDRESS = re.compile(r"https://bsky\.app/profile/([^/?#\s]+)/?")
# A handle is a domain name whose last label does not start with a digit (atproto's spec).
_TYPED_HANDLE = re.compile(r"@?((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]"
                           r"(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)")
# Errors the AppView gives for an account that is not there to be read.
GONE_ERRORS = frozenset({"ActorNotFound", "AccountTakedown", "AccountDeactivated"})


def actor_of(typed: str) -> str | None:
    """The account as stored: "@handle" (lowercased) or its DID, from a handle, a DID or
    the address of its profile on bsky.app; None for anything else."""
    typed = typed.strip()
    if match := _PROFILE_ADDRESS.fullmatch(typed):
        typed = match[1]
    if _DID.match(typed):
        return typed
    if (match := _TYPED_HANDLE.fullmatch(typed)) and len(match[1]) <= 253 and match[1] != "handle.invalid":
        return f"@{match[1].lower()}"
    return None


def author_timeline(actor: str, *, limit: int = 40, http: httpx.Client | None = None) -> Timeline:
    """The public profile of `actor` (a handle without "@", or a DID) and its latest own
    posts, newest first: neither reposts nor replies to others (a reply to itself, a
    thread, is its own words), each with its counts as the AppView says them now."""
    base = _appview()
    host = urlsplit(base).netloc
    response, found = _appview_get(base, "app.bsky.actor.getProfile", {"actor": actor}, actor, http)
    did = clean_text(found.get("did")) if isinstance(found, dict) else ""
    if not isinstance(found, dict) or not _DID.match(did):
        raise _not_appview(host)
    handle = clean_text(found.get("handle"))
    handle = handle if _HANDLE.match(handle) and handle != "handle.invalid" else ""
    profile = PublicProfile(
        network=NETWORK, remote_id=did, handle=f"@{handle}" if handle else "",
        name=clean_text(found.get("displayName")) or handle, url=f"https://bsky.app/profile/{handle or did}",
        followers=count(found.get("followersCount")), following=count(found.get("followsCount")),
        posts=count(found.get("postsCount")),
    )
    params = {"actor": did, "filter": "posts_no_replies", "limit": max(1, min(MAX_LIMIT, int(limit)))}
    response, data = _appview_get(base, "app.bsky.feed.getAuthorFeed", params, actor, http)
    items = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise _not_appview(host)
    posts = [post for item in items
             if _own_words(item, did) and (post := _from_view(item["post"])) is not None]
    posts.sort(key=lambda post: post.created_at, reverse=True)
    spent = response.headers.get("ratelimit-remaining", "").strip() == "0"
    return Timeline(profile, posts, retry_after=_wait(response) if spent else None)


def _appview() -> str:
    try:
        return normalise_base_url(settings.PARVIS_BLUESKY_APPVIEW)
    except GuardError as exc:
        raise ReadError(exc.reason, transient=False) from exc


def _own_words(item: Any, did: str) -> bool:
    """Whether a feed item (app.bsky.feed.defs#feedViewPost) is a post of the account's
    own: not a repost or a pin (a `reason`), not a reply to someone else."""
    if not isinstance(item, dict) or item.get("reason") or not isinstance(item.get("post"), dict):
        return False
    view = item["post"]
    author = view.get("author")
    if not isinstance(author, dict) or author.get("did") != did:
        return False
    reply = _record(view).get("reply")
    if reply is None:
        return True
    parent = reply.get("parent") if isinstance(reply, dict) else None
    parent_uri = clean_text(parent.get("uri")) if isinstance(parent, dict) else ""
    return parent_uri.startswith(f"at://{did}/")


def _appview_get(base: str, method: str, params: dict[str, Any], actor: str,
                 http: httpx.Client | None) -> tuple[httpx.Response, Any]:
    host = urlsplit(base).netloc
    response = _xrpc_get(base, method, params, http)
    data = _json(response)
    status = response.status_code
    if status == 200:
        return response, data
    error = clean_text(data.get("error")) if isinstance(data, dict) else ""
    message = clean_text(data.get("message")) if isinstance(data, dict) else ""
    detail = (f"{error}: {message}" if error and message else error or message or f"HTTP {status}")[:200]
    name = actor if actor.startswith("did:") else f"@{actor}"
    if status == 429:
        raise ReadError(Text.gettext("Bluesky asks parvis to slow down (rate limit reached)."),
                        transient=True, retry_after=_wait(response))
    if status >= 500 or status == 408:
        raise ReadError(Text.gettext("The server %(host)s had an error (HTTP %(status)s).", host=host,
                                     status=status), transient=True)
    if error == "ActorNotFound" or message == "Profile not found":
        raise ReadError(Text.gettext("No Bluesky account has the name %(name)s. Check the spelling: the account "
                                     "may also have been deleted, or have changed its name.", name=name),
                        transient=False)
    if error in GONE_ERRORS:
        raise ReadError(Text.gettext("The Bluesky account %(name)s is suspended or deactivated (%(detail)s).",
                                     name=name, detail=detail), transient=False)
    raise ReadError(Text.gettext("Bluesky refused to show the account %(name)s (%(detail)s).", name=name,
                                 detail=detail), transient=False)


def _not_appview(host: str) -> ReadError:
    return ReadError(Text.gettext("The server %(host)s did not answer as a Bluesky AppView does.", host=host),
                     transient=False)


class ProfileReader:
    """La veille's follow of a competitor's public account (no account needed)."""

    needs_account = False

    def normalise(self, typed: str) -> str | None:
        return actor_of(typed)

    def read(self, handle: str, *, account: Any = None, limit: int = 40) -> Timeline:
        stored = actor_of(handle)
        if stored is None:
            raise ReadError(Text.gettext("Enter the account as @name.bsky.social, its DID, or the address of its "
                                         "profile on bsky.app."), transient=False)
        return author_timeline(stored.lstrip("@"), limit=limit)

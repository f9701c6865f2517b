"""Meta's Graph API, shared by the network packages that speak it (Facebook Pages,
Instagram professional accounts): one client over the guarded HTTP layer, Graph's errors
translated into `NetworkError`, list paging, and the usage headers.

* Every call names the one API version parvis follows (`GRAPH_VERSION`): Meta serves an
  expired version silently with the oldest live one, so a version left behind changes
  behaviour without a word. Moving to a new version is changing this constant.
* Errors: Graph answers `{"error": {"message", "type", "code", "error_subcode",
  "error_user_msg", "is_transient"}}`, mostly with HTTP 400: the code says what to do, not
  the status (docs/networks/meta.md, 7.1–7.3). A write whose answer was lost, or that met
  a 5xx or code 1/2, is *uncertain*: Meta may have applied it.
* Usage: Graph reports how much of the rate limits an app and a Page or Instagram
  account have used (`X-App-Usage`, `X-Business-Use-Case-Usage`, in per cent) and, once
  throttled, how long until access comes back. A client that sees one of them past
  `SLOW_DOWN_AT` stops calling for that account for a while (in this process) and says
  so with a transient error, instead of running into code 4/32/80001 and prolonging the
  block.

The hosts are the packages' business (graph.facebook.com, graph.instagram.com, each
overridable by a setting so that tests point them at the loopback fake); the Meta app's
credentials come from the settings (`app_credentials`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from parvis.core.http import GuardError, client
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, InboundItem, InboxPage, NetworkError
from parvis.networks.guarded import network_error
from parvis.networks.info import gettext_noop

GRAPH_VERSION = "v27.0"  # released 2026-11-04 (meta.md, 1); the one version every call names

# Past this share of any usage figure (per cent), stop calling for that account a while.
SLOW_DOWN_AT = 90
# How long to hold off when Meta does not say (its windows roll over an hour).
DEFAULT_WAIT = 300.0
# The most pages of a list one call reads (25 items each by default).
MAX_PAGES = 20
# A daily publishing quota used up: try again in an hour (the window moves continuously).
QUOTA_WAIT = 3600.0

THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80000, 80001, 80002, 80004, 80005, 80006})
PERMISSION_RE = re.compile(
    r"\b(pages_[a-z_]+|instagram_[a-z_]+|publish_video|read_insights|business_management|ads_[a-z_]+)\b")
PARAM_RE = re.compile(r"\bparam(?:eter)?\s+([\w\[\].]+)", re.IGNORECASE)

# Subcodes of code 190 (and 102): why the token no longer works (meta.md, 7.2).
TOKEN_SUBCODES: dict[int, str] = {
    458: gettext_noop("parvis's Meta app was removed from the account."),
    459: gettext_noop("the account must log in on Meta's site to clear a security checkpoint."),
    460: gettext_noop("the password was changed, or Meta ended the session for security reasons."),
    463: gettext_noop("the access expired."),
    464: gettext_noop("the account is not confirmed on Meta."),
    467: gettext_noop("the access is no longer valid (logged out)."),
    492: gettext_noop("the person who connected the account no longer has a role on the Page."),
    493: gettext_noop("the access lapsed after 90 days without use."),
}
# Publishing subcodes of the professional accounts' API (meta.md, 7.3): what each means,
# and whether the same request may work later.
MEDIA_SUBCODES: dict[int, tuple[str, bool]] = {
    2207001: (gettext_noop("Meta had a server error."), True),
    2207003: (gettext_noop("Meta took too long to download the media."), True),
    2207004: (gettext_noop("The image is larger than 8 MiB."), False),
    2207005: (gettext_noop("This image format is not accepted (JPEG only)."), False),
    2207006: (gettext_noop("Meta could not find the uploaded media."), True),
    2207008: (gettext_noop("The media container was not found or has expired."), False),
    2207009: (gettext_noop("The image's aspect ratio is outside 4:5 to 1.91:1."), False),
    2207010: (gettext_noop("The caption is over the limits (2,200 characters, 30 hashtags, 20 @ mentions)."),
              False),
    2207020: (gettext_noop("The media container has expired."), False),
    2207023: (gettext_noop("Meta does not know this media type."), False),
    2207026: (gettext_noop("This video format is not accepted."), False),
    2207027: (gettext_noop("The media is not ready to publish yet."), True),
    2207028: (gettext_noop("A carousel needs 2 to 10 items."), False),
    2207032: (gettext_noop("Meta could not create the media."), True),
    2207042: (gettext_noop("The account reached its daily number of posts through the API."), True),
    2207050: (gettext_noop("The account is restricted."), False),
    2207051: (gettext_noop("Meta restricted this activity, suspecting spam."), False),
    2207052: (gettext_noop("Meta could not download the media from its address."), False),
    2207053: (gettext_noop("Meta had an unknown error with the video upload."), False),
    2207057: (gettext_noop("The cover's time is outside the video."), False),
}


# The Send API's refusal of a message outside the standard messaging window (meta.md, 5.5).
OUTSIDE_WINDOW_SUBCODE = 2018278


class MissingPermission(NetworkError):
    """A permission the account never granted (or took back): `permissions` names them.
    A feature that only some connections grant (private messages) catches it to say so
    without asking to reconnect the whole account."""

    def __init__(self, message: str | Text, permissions: list[str]) -> None:
        super().__init__(message, ErrorKind.RECONNECT)
        self.permissions = permissions


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str


def app_credentials(id_setting: str, secret_setting: str) -> AppCredentials | None:
    """The organisation's own Meta app (a self-hosted tool cannot share one): None when
    either setting is empty, so that the connect page can say which to set."""
    client_id = str(getattr(settings, id_setting, "") or "")
    secret = str(getattr(settings, secret_setting, "") or "")
    return AppCredentials(client_id, secret) if client_id and secret else None


def graph_base(setting: str, default: str) -> str:
    """A Graph host from its setting (read at call time: tests point it at the fake)."""
    return str(getattr(settings, setting, "") or default).rstrip("/")


# -- usage ------------------------------------------------------------------------------
_clients = threading.local()  # one guarded httpx client per thread (see GraphClient.http)
_held: dict[str, float] = {}  # account key -> time.monotonic() until which no call is made
_held_lock = threading.Lock()


@dataclass(frozen=True)
class Usage:
    percent: int  # the highest figure in the headers
    regain_seconds: float  # how long Meta says until access comes back (0: not said)


def read_usage(headers: Mapping[str, str]) -> Usage:
    """The highest usage figure of `X-App-Usage`, `X-Page-Usage` and
    `X-Business-Use-Case-Usage`, and the longest `estimated_time_to_regain_access` (minutes)."""
    percent, regain = 0, 0.0
    for name in ("x-app-usage", "x-page-usage"):
        figures = _json(headers.get(name))
        if isinstance(figures, dict):
            percent = max(percent, *(_int(figures.get(k)) for k in ("call_count", "total_cputime", "total_time")))
    buc = _json(headers.get("x-business-use-case-usage"))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    percent = max(percent, *(_int(entry.get(k)) for k in ("call_count", "total_cputime",
                                                                           "total_time")))
                    regain = max(regain, _int(entry.get("estimated_time_to_regain_access")) * 60.0)
    return Usage(percent, regain)


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def hold(key: str, seconds: float) -> None:
    with _held_lock:
        _held[key] = max(_held.get(key, 0.0), time.monotonic() + seconds)


def held_for(key: str) -> float:
    """Seconds this account must still wait before the next call (0: none)."""
    with _held_lock:
        until = _held.get(key, 0.0)
        if until <= time.monotonic():
            _held.pop(key, None)
            return 0.0
        return until - time.monotonic()


# -- errors -----------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphFault:
    """Graph's error body, read defensively (a proxy may answer anything)."""

    status: int
    code: int
    subcode: int
    message: str
    user_message: str
    transient: bool | None

    @classmethod
    def of(cls, response: httpx.Response) -> GraphFault:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(body, dict) and "error_message" in body:  # the OAuth code exchange: flat keys
            return cls(response.status_code, 0, 0, str(body["error_message"]), "", None)
        if not isinstance(error, dict):
            return cls(response.status_code, 0, 0, response.reason_phrase or "", "", None)
        transient = error.get("is_transient")
        return cls(response.status_code, _int(error.get("code")), _int(error.get("error_subcode")),
                   str(error.get("message") or ""), str(error.get("error_user_msg") or ""),
                   transient if isinstance(transient, bool) else None)

    @property
    def words(self) -> str:
        """Meta's own message, with the user-facing one when it adds something."""
        if self.user_message and self.user_message not in self.message:
            return f"{self.message} — {self.user_message}"
        return self.message or f"HTTP {self.status}"


def translate(fault: GraphFault, *, write: bool, usage: Usage | None = None,
              retry_after: float | None = None) -> NetworkError:
    """What the engine should do about one Graph error (meta.md, 7.2–7.3). `retry_after`:
    the answer's Retry-After header, for a throttling answer that carries one."""
    code, subcode = fault.code, fault.subcode
    if code in (190, 102):
        reason: str | Text = Text.gettext(TOKEN_SUBCODES[subcode]) if subcode in TOKEN_SUBCODES else fault.message
        return NetworkError(Text.gettext("Meta no longer accepts parvis's access to this account: %(reason)s "
                                         "Reconnect the account.", reason=reason), ErrorKind.RECONNECT)
    if subcode == OUTSIDE_WINDOW_SUBCODE:
        return NetworkError(Text.gettext("Meta refused the message: a reply is allowed only within 24 hours of the "
                                         "person's last message, and that time has passed. It can be sent once "
                                         "they write again. (Meta: %(message)s)", message=fault.words),
                            ErrorKind.PERMANENT)
    if code == 551:
        return NetworkError(Text.gettext("This person cannot receive the account's messages right now (they may "
                                         "have blocked it or turned its messages off). (Meta: %(message)s)",
                                         message=fault.words), ErrorKind.PERMANENT)
    if subcode in MEDIA_SUBCODES:
        meaning, transient = MEDIA_SUBCODES[subcode]
        return NetworkError(Text.gettext("%(meaning)s (Meta: %(message)s)", meaning=Text.gettext(meaning),
                                         message=fault.words),
                            ErrorKind.TRANSIENT if transient else ErrorKind.PERMANENT,
                            retry_after=QUOTA_WAIT if subcode == 2207042 else None,
                            uncertain=write and subcode == 2207001)
    if code in THROTTLE_CODES or fault.status == 429:
        wait = usage.regain_seconds if usage and usage.regain_seconds else retry_after or DEFAULT_WAIT
        return NetworkError(Text.gettext("Meta's rate limit was reached (code %(code)s): parvis tries again in "
                                         "%(seconds)s s.", code=code, seconds=int(wait)),
                            ErrorKind.TRANSIENT, retry_after=wait)
    if code in (1, 2) or fault.status >= 500 or (fault.transient and code not in (10, 100, 200)):
        return NetworkError(Text.gettext("Meta had a temporary error (HTTP %(status)s, code %(code)s): "
                                         "%(message)s", status=fault.status, code=code, message=fault.words),
                            ErrorKind.TRANSIENT, uncertain=write)
    if code == 10 or code == 3 or 200 <= code <= 299:
        return _permission(fault)
    if code == 100:
        match = PARAM_RE.search(fault.message)
        return NetworkError(Text.gettext("Meta refused the request's parameter %(param)s: %(message)s",
                                         param=match.group(1) if match else "?", message=fault.words),
                            ErrorKind.PERMANENT)
    if code == 368:
        return NetworkError(Text.gettext("Meta blocked this action under its policies: %(message)s",
                                         message=fault.words), ErrorKind.PERMANENT)
    if code == 506:
        return NetworkError(Text.gettext("Meta refused a duplicate of the previous post: %(message)s",
                                         message=fault.words), ErrorKind.PERMANENT)
    return NetworkError(Text.gettext("Meta refused the request (code %(code)s): %(message)s", code=code,
                                     message=fault.words), ErrorKind.PERMANENT)


def _permission(fault: GraphFault) -> NetworkError:
    """A permission the account never granted (or took back) is fixed by connecting it
    again and granting it; a refusal naming none is not a matter of reconnecting."""
    missing = sorted(set(PERMISSION_RE.findall(fault.message + " " + fault.user_message)))
    if missing:
        return MissingPermission(Text.gettext("Meta says parvis lacks the permission %(permissions)s for this "
                                              "account: reconnect it and grant that permission.",
                                              permissions=", ".join(missing)), missing)
    return NetworkError(Text.gettext("Meta does not allow this (code %(code)s): %(message)s", code=fault.code,
                                     message=fault.words), ErrorKind.PERMANENT)


# -- the client -------------------------------------------------------------------------
class GraphClient:
    """Calls to one Graph host with one token, for one account (`account_key` names it
    for the usage hold: a Page or Instagram account id).

    The token goes in the Authorization header, never in a URL (URLs end up in logs).
    `versioned=False` is for Instagram's token endpoints, which take no version."""

    def __init__(self, base_url: str, token: str = "", *, account_key: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.account_key = f"{urlsplit(self.base_url).netloc}/{account_key}" if account_key else ""
        self.last_usage = Usage(0, 0.0)
        # Whether the last `pages` loop read the list to its end (False: it stopped at
        # `max_pages`, or was not read to the end).
        self.list_ended = False

    @property
    def http(self) -> httpx.Client:
        """The guarded client of this thread: connections to Meta are kept alive from one
        call to the next, and from one connector to the next (a worker thread publishes
        for many accounts; tokens travel per request, not per connection)."""
        held: httpx.Client | None = getattr(_clients, "http", None)
        if held is None or held.is_closed:
            held = _clients.http = client(redirects="refuse")
        return held

    def url(self, path: str, versioned: bool = True) -> str:
        return f"{self.base_url}/{GRAPH_VERSION}/{path.lstrip('/')}" if versioned \
            else f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, versioned: bool = True, **params: Any) -> Any:
        return self.request("GET", self.url(path, versioned), params=params)

    def post(self, path: str, fields: str = "", **data: Any) -> Any:
        """A write; `fields` asks Graph to answer with those fields of what it made (a
        post's permalink, without a second request)."""
        return self.request("POST", self.url(path), params={"fields": fields} if fields else None, data=data,
                            write=True)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", self.url(path), write=True)

    def pages(self, path: str, max_pages: int = MAX_PAGES, **params: Any) -> Iterator[dict[str, Any]]:
        """The items of a Graph list, page after page (`paging.next`), newest first for
        most edges; a `next` link to another host is not followed."""
        url: str | None = self.url(path)
        query: dict[str, Any] | None = params
        self.list_ended = False
        for _page in range(max_pages):
            if url is None:
                break
            answer = self.request("GET", url, params=query)
            data = answer.get("data") if isinstance(answer, dict) else None
            yield from (item for item in data or [] if isinstance(item, dict))
            following = (answer.get("paging") or {}).get("next") if isinstance(answer, dict) else None
            url = following if isinstance(following, str) and self._same_host(following) and data else None
            query = None  # the next link carries the query
        self.list_ended = url is None

    def _same_host(self, url: str) -> bool:
        ours, theirs = urlsplit(self.base_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | None = None, write: bool = False) -> Any:
        if self.account_key and (wait := held_for(self.account_key)) > 0:
            raise NetworkError(Text.gettext("Meta's rate limits for this account are nearly used up: parvis waits "
                                            "%(seconds)s s before calling again.", seconds=int(wait) + 1),
                               ErrorKind.TRANSIENT, retry_after=wait)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.http.request(method, url, params=_plain(params), data=_plain(data), headers=headers)
            response.read()
        except GuardError as exc:
            raise network_error(exc, write=write) from exc
        except httpx.TimeoutException as exc:
            raise _lost(write, "timeout") from exc
        except httpx.ConnectError as exc:
            # Nothing was sent: never uncertain.
            raise NetworkError(Text.gettext("Meta could not be reached (%(error)s).", error=str(exc) or "?"),
                               ErrorKind.TRANSIENT) from exc
        except httpx.TransportError as exc:
            raise _lost(write, exc.__class__.__name__) from exc
        self.last_usage = read_usage(response.headers)
        self._slow_down(self.last_usage)
        if response.is_success:
            try:
                return response.json()
            except ValueError as exc:
                raise NetworkError(Text.gettext("Meta answered something that is not JSON (HTTP %(status)s).",
                                                status=response.status_code), ErrorKind.TRANSIENT,
                                   uncertain=write) from exc
        raise translate(GraphFault.of(response), write=write, usage=self.last_usage,
                        retry_after=_seconds(response.headers.get("retry-after")))

    def _slow_down(self, usage: Usage) -> None:
        if self.account_key and usage.percent >= SLOW_DOWN_AT:
            hold(self.account_key, usage.regain_seconds or DEFAULT_WAIT * usage.percent / 100)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: Meta does not send them; the default wait applies


def _plain(values: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Graph's form values: booleans as "true"/"false", lists and dicts as JSON."""
    if values is None:
        return None
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | dict):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


def _lost(write: bool, what: str) -> NetworkError:
    if write:
        return NetworkError(Text.gettext("Meta's answer was lost (%(error)s): the request may have been carried out.",
                                         error=what), ErrorKind.TRANSIENT, uncertain=True)
    return NetworkError(Text.gettext("Meta did not answer (%(error)s).", error=what), ErrorKind.TRANSIENT)


# -- Facebook Login: a code, a long-lived user token, the Pages it manages -----------------
@dataclass(frozen=True)
class UserToken:
    token: str
    expires_in: int | None


def user_token_from_code(base_url: str, app: AppCredentials, redirect_uri: str, code: str) -> UserToken:
    """The login dialog's code as a long-lived user token (~60 days): Page tokens read
    with a long-lived token do not expire (meta.md, 2.1)."""
    oauth = GraphClient(base_url)
    short = oauth.get("oauth/access_token", client_id=app.client_id, client_secret=app.client_secret,
                      redirect_uri=redirect_uri, code=code)
    long = oauth.get("oauth/access_token", grant_type="fb_exchange_token", client_id=app.client_id,
                     client_secret=app.client_secret, fb_exchange_token=_token_of(short))
    lifetime = long.get("expires_in") if isinstance(long, dict) else None
    return UserToken(_token_of(long), lifetime if isinstance(lifetime, int) else None)


def managed_pages(base_url: str, user_token: str, fields: str) -> list[dict[str, Any]]:
    """The Pages the person manages, each with its Page token (`access_token`)."""
    return [page for page in GraphClient(base_url, user_token).pages("me/accounts", fields=fields)
            if page.get("id") and page.get("access_token")]


def _token_of(answer: Any) -> str:
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise NetworkError(Text.gettext("Meta's answer carries no access token."), ErrorKind.PERMANENT)
    return token


def insight_values(answer: Any) -> dict[str, int]:
    """Graph's insights answer, `{"data": [{"name", "values": [{"value"}]}]}` or with
    `"total_value": {"value"}`, as {name: int}; a value that is not a number (a breakdown
    by type) is left out."""
    out: dict[str, int] = {}
    for item in (answer.get("data") if isinstance(answer, dict) else None) or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        total, values = item.get("total_value"), item.get("values")
        value = total.get("value") if isinstance(total, dict) else (
            values[-1].get("value") if isinstance(values, list) and values and isinstance(values[-1], dict)
            else None)
        if isinstance(value, int) and not isinstance(value, bool):
            out[item["name"]] = value
    return out


# -- the inbox's cursor on Graph's lists ----------------------------------------------------
# Graph has no "what is new" list: a poll reads recent comments, tags or messages again and
# keeps those after the cursor, which holds the newest time seen and the ids seen at that
# very second (Graph's times have one-second steps).
FIRST_POLL_BACK = timedelta(days=1)  # the inbox starts from the connection, not from all history


def write_cursor(moment: datetime, ids: Iterable[str]) -> str:
    return json.dumps({"t": moment.isoformat(), "ids": sorted(ids)})


def read_cursor(cursor: str | None, now: datetime) -> tuple[datetime, set[str]]:
    """The cursor's time and ids; without one (the first poll), `FIRST_POLL_BACK` ago."""
    try:
        data = json.loads(cursor or "{}")
        return datetime.fromisoformat(data["t"]), {str(i) for i in data.get("ids", [])}
    except (ValueError, TypeError, KeyError, AttributeError):
        return now - FIRST_POLL_BACK, set()


def page_after(found: Iterable[InboundItem], cursor: str | None, since: datetime, seen: set[str]) -> InboxPage:
    """The items of `found` after the cursor, oldest first, and the cursor past them."""
    items = sorted((i for i in found if i.created_at > since or (i.created_at == since and i.remote_id not in seen)),
                   key=lambda i: (i.created_at, i.remote_id))
    if not items:
        return InboxPage([], cursor or write_cursor(since, ()))
    newest = items[-1].created_at
    ids = {i.remote_id for i in items if i.created_at == newest} | (seen if newest == since else set())
    return InboxPage(items, write_cursor(newest, ids))

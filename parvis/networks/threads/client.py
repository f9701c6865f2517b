"""Talking to the Threads API (graph.threads.net, v1.0) through the guarded HTTP layer,
and reading its Graph-shaped refusals as `NetworkError`s.

Graph answers most errors with HTTP 400 and says what happened in the body
(`{"error": {"message", "type", "code", "error_subcode", "is_transient", ...}}`; the
OAuth endpoint answers a flat `{"error_type", "code", "error_message"}`). What parvis
does about each (meta.md 7.1, 7.2):

* 190 / 102 (the token is expired, revoked or invalid), 10 and 2xx (a permission was
  not granted): RECONNECT.
* 4, 17, 32, 613, 341, 80001 (throttling) and HTTP 429: TRANSIENT after `retry_after`
  (the Retry-After header when one is sent; Threads sends no usage headers).
* 9 (a publishing quota is spent): TRANSIENT; the connector reads the quota's window
  (`threads_publishing_limit`) to say when.
* 1, 2, `is_transient`, HTTP 5xx, and a connection lost after sending: TRANSIENT, and
  uncertain on a write (the network may have applied it).
* anything else, 100 (an invalid parameter) first: PERMANENT, naming the field the
  parameter belongs to when the message names one ("Param text must be ...").

The token goes in an Authorization header, never in a URL: addresses end up in logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import astuple
from functools import cache
from typing import Any

import httpx
from django.conf import settings

from parvis.core.http import Budget, GuardError, client
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.guarded import network_error

DEFAULT_API_URL = "https://graph.threads.net"
DEFAULT_AUTHORIZE_URL = "https://threads.net/oauth/authorize"
VERSION = "v1.0"

RECONNECT_CODES = frozenset({102, 190, 10})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80001})
QUOTA_CODE = 9
BLOCKED_CODE = 368  # "temporarily blocked for policy violations" (posting too fast)
TRANSIENT_CODES = frozenset({1, 2})
THROTTLE_WAIT = 15 * 60.0  # seconds, when a throttled answer does not say
BLOCKED_WAIT = 60 * 60.0
# The parameter a refusal names, and the composer's field it comes from.
PARAM_RE = re.compile(r"\b[Pp]aram(?:eter)? (\w+)")
FIELDS = {
    "text": "text", "alt_text": "media", "image_url": "media", "video_url": "media", "children": "media",
    "topic_tag": "options.topic_tag", "reply_control": "options.reply_control",
}
INVALID_CHILDREN = 4279004


def api_url() -> str:
    return (settings.PARVIS_THREADS_API_URL or DEFAULT_API_URL).rstrip("/")


def authorize_url() -> str:
    return settings.PARVIS_THREADS_AUTHORIZE_URL or DEFAULT_AUTHORIZE_URL


def app_credentials() -> tuple[str, str] | None:
    """The Threads app id and secret of this installation, or None when not configured."""
    client_id, secret = settings.PARVIS_THREADS_CLIENT_ID, settings.PARVIS_THREADS_CLIENT_SECRET
    return (client_id, secret) if client_id and secret else None


class GraphError(NetworkError):
    """A NetworkError that keeps Graph's code and subcode, for the connector's own rules
    (a spent quota, a container that is not ready)."""

    def __init__(self, message: str | Text, kind: ErrorKind, *, code: int = 0, subcode: int = 0,
                 status: int = 0, **kwargs: Any) -> None:
        super().__init__(message, kind, **kwargs)
        self.code, self.subcode, self.status = code, subcode, status


def as_dict(value: Any) -> dict[str, Any]:
    """Untrusted JSON read defensively: a dict, or an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _error_fields(response: httpx.Response) -> tuple[str, int, int, bool]:
    """message, code, subcode, is_transient of a refusal (either shape, or none)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("error_user_msg") or error.get("message") or "")
        return message, _int(error.get("code")), _int(error.get("error_subcode")), error.get("is_transient") is True
    if isinstance(body, dict) and "error_message" in body:
        return str(body.get("error_message") or ""), _int(body.get("code")), 0, False
    return "", 0, 0, False


def retry_after_header(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 1.0) if value else None
    except ValueError:
        return None


def error_from(response: httpx.Response, *, write: bool) -> GraphError:
    message, code, subcode, transient = _error_fields(response)
    status = response.status_code
    detail = message or f"HTTP {status}"
    ids = {"code": code, "subcode": subcode, "status": status}
    if code in RECONNECT_CODES or 200 <= code < 300 or status == 401:
        return GraphError(Text.gettext("Threads refused parvis's access (%(detail)s). Reconnect the account.",
                                       detail=detail), ErrorKind.RECONNECT, **ids)
    if code in THROTTLE_CODES or status == 429:
        return GraphError(Text.gettext("Threads asks parvis to slow down (%(detail)s).", detail=detail),
                          ErrorKind.TRANSIENT, retry_after=retry_after_header(response) or THROTTLE_WAIT, **ids)
    if code == QUOTA_CODE:
        return GraphError(detail, ErrorKind.TRANSIENT, retry_after=retry_after_header(response), **ids)
    if code == BLOCKED_CODE:
        return GraphError(Text.gettext("Threads has blocked this action for now (%(detail)s).", detail=detail),
                          ErrorKind.TRANSIENT, retry_after=BLOCKED_WAIT, **ids)
    if status >= 500 or code in TRANSIENT_CODES or transient:
        return GraphError(Text.gettext("Threads had an error (HTTP %(status)s): %(detail)s", status=status,
                                       detail=detail), ErrorKind.TRANSIENT, uncertain=write, **ids)
    return GraphError(Text.gettext("Threads refused the request: %(detail)s", detail=detail),
                      ErrorKind.PERMANENT, field=field_of(message, subcode), **ids)


def field_of(message: str, subcode: int = 0) -> str | None:
    if subcode == INVALID_CHILDREN:
        return "media"
    found = PARAM_RE.search(message)
    return FIELDS.get(found.group(1)) if found else None


def _transport_error(exc: httpx.HTTPError, *, write: bool) -> NetworkError:
    # Not connected: nothing was sent. Anything later may have reached Threads.
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    return NetworkError(Text.gettext("Threads could not be reached or did not answer (%(error)s).",
                                     error=exc.__class__.__name__), ErrorKind.TRANSIENT, uncertain=write and sent)


@cache
def shared_http(timeout: float, total: float, max_bytes: int) -> httpx.Client:
    """One guarded client per process (and budget), so that connections to Threads are
    kept alive from one call, and one attempt, to the next. Safe across threads; every
    request is still judged by the address policy in force when it connects."""
    return client(budget=Budget(timeout, total, max_bytes), redirects="refuse")


class ThreadsClient:
    """One account's calls (or the app's, without a token). Every method returns the
    answer's JSON object or raises NetworkError."""

    def __init__(self, token: str = "") -> None:
        self.token = token

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", path, params=params)

    def post(self, path: str, data: Mapping[str, Any]) -> dict[str, Any]:
        return self.call("POST", path, data=dict(data), write=True)

    def delete(self, path: str) -> dict[str, Any]:
        return self.call("DELETE", path, write=True)

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
             data: Mapping[str, Any] | None = None, write: bool = False, versioned: bool = True,
             ) -> dict[str, Any]:
        url = f"{api_url()}/{VERSION}/{path.lstrip('/')}" if versioned else f"{api_url()}/{path.lstrip('/')}"
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
        try:
            response = shared_http(*astuple(Budget.default())).request(
                method, url, params=clean or None, data=data, headers=headers)
        except GuardError as exc:
            raise network_error(exc, write=write) from exc
        except httpx.HTTPError as exc:
            raise _transport_error(exc, write=write) from exc
        if not response.is_success:
            raise error_from(response, write=write)
        try:
            body = response.json()
        except ValueError as exc:
            raise NetworkError(Text.gettext("Threads answered something that is not JSON (HTTP %(status)s).",
                                            status=response.status_code),
                               ErrorKind.TRANSIENT, uncertain=write) from exc
        return body if isinstance(body, dict) else {"data": body}

    def pages(self, path: str, *, max_pages: int, **params: Any) -> list[dict[str, Any]]:
        """The rows of up to `max_pages` pages of a Graph list, following `after` cursors."""
        rows: list[dict[str, Any]] = []
        after = None
        for _page in range(max_pages):
            answer = self.get(path, **params, after=after)
            data = answer.get("data")
            rows += [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
            paging = as_dict(answer.get("paging"))
            cursors = as_dict(paging.get("cursors"))
            after = cursors.get("after")
            if not paging.get("next") or not after:
                break
        return rows

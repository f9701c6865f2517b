"""A small client for a WordPress site's REST API (`/wp-json/wp/v2/…`), authenticated
with an Application Password (HTTP Basic), and the translation of WordPress's errors
(`{"code", "message", "data": {"status"}}`) into `NetworkError`.

Every request goes through the guarded HTTP layer and refuses redirects: the Basic
credentials are sent with each request, and a site answering 30x must not get them
re-sent to wherever it points. The address is checked again at each connection.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from parvis.core.http import GuardError, client
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.guarded import network_error

# 403 codes that mean the user may no longer do this at all (a lowered role, application
# passwords switched off): a person has to reconnect, with another user if need be. Other
# 403s are about one object (comments closed on a post) and are permanent.
ACCOUNT_REFUSALS = frozenset({
    "rest_forbidden", "rest_forbidden_context", "rest_cannot_create", "rest_cannot_publish",
    "rest_cannot_edit", "rest_cannot_edit_others", "rest_cannot_assign_term", "rest_cannot_create_term",
    "rest_cannot_delete", "rest_cannot_read", "rest_cannot_moderate", "rest_cannot_view",
    "application_passwords_disabled", "application_passwords_disabled_for_user",
})


class WordPressError(NetworkError):
    """A `NetworkError` that keeps what WordPress said: its error code, HTTP status (0
    when no answer came) and `details` (the error's `data`, e.g. `term_id` of an existing
    tag), for callers that handle one case themselves."""

    def __init__(self, message: str | Text, kind: ErrorKind, *, code: str = "", status: int = 0,
                 data: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, kind, **kwargs)
        self.code = code
        self.status = status
        self.details = data or {}


def route_url(api_root: str, route: str) -> tuple[str, dict[str, str]]:
    """The URL and query of a REST route under `api_root`, which is either pretty
    (`https://site/wp-json/`) or plain (`https://site/?rest_route=/`, sites without
    pretty permalinks): the route then goes in the `rest_route` parameter."""
    parts = urlsplit(api_root)
    query = dict(parse_qsl(parts.query))
    if "rest_route" in query:
        query["rest_route"] = "/" + route.lstrip("/")
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), query
    return api_root.rstrip("/") + "/" + route.lstrip("/"), query


def retry_after(response: httpx.Response, default: float = 60.0) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _invalid_field(data: dict[str, Any]) -> str:
    """The first parameter WordPress named as invalid (400 rest_invalid_param)."""
    params = data.get("params")
    if isinstance(params, dict) and params:
        return str(next(iter(params)))
    if isinstance(params, list) and params:
        return str(params[0])
    return ""


def _forbidden_param(data: dict[str, Any]) -> bool:
    """A 400 rest_invalid_param that is really a refusal of the user: asking for drafts
    (`status=any`) without the right to edit posts comes back wrapped that way, and so
    does every such query once the application password is revoked (the request then
    runs as nobody)."""
    details = data.get("details")
    return isinstance(details, dict) and any(
        isinstance(d, dict) and d.get("code") in ("rest_forbidden_status", "rest_forbidden_context")
        for d in details.values())


def translate(response: httpx.Response, *, write: bool) -> WordPressError:
    """What to do about an error answer. `write`: the request may have changed the site
    (a POST or DELETE); a 5xx then leaves it uncertain whether it was applied."""
    status = response.status_code
    body = _body(response)
    code = str(body.get("code") or "")
    detail = str(body.get("message") or code or f"HTTP {status}")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    assert isinstance(data, dict)
    common: dict[str, Any] = {"code": code, "status": status, "data": data}
    if status == 401 or (status == 403 and code in ACCOUNT_REFUSALS) or _forbidden_param(data):
        return WordPressError(
            Text.gettext("WordPress refused the username or application password, or this user may not "
                         "do this (%(detail)s). Reconnect the account.", detail=detail),
            ErrorKind.RECONNECT, **common)
    if status in (408, 425, 429):
        return WordPressError(Text.gettext("The WordPress site asks to wait (HTTP %(status)s).", status=status),
                              ErrorKind.TRANSIENT, retry_after=retry_after(response), uncertain=write, **common)
    if status >= 500:
        return WordPressError(Text.gettext("The WordPress site had an error (HTTP %(status)s): %(detail)s",
                                           status=status, detail=detail),
                              ErrorKind.TRANSIENT, uncertain=write, **common)
    if code in ("rest_invalid_param", "rest_missing_callback_param"):
        field = _invalid_field(data)
        reasons = data.get("params")
        reason = str(reasons.get(field, detail)) if isinstance(reasons, dict) else detail
        return WordPressError(Text.gettext("WordPress refused the field %(field)s: %(detail)s",
                                           field=field or "?", detail=reason),
                              ErrorKind.PERMANENT, field=field or None, **common)
    if not code:  # not WordPress speaking: a proxy, a firewall, a page in place of the API
        return WordPressError(Text.gettext("The site answered HTTP %(status)s, not WordPress's REST API.",
                                           status=status), ErrorKind.PERMANENT, **common)
    return WordPressError(Text.gettext("WordPress refused it: %(detail)s", detail=detail),
                          ErrorKind.PERMANENT, **common)


class WordPressClient:
    """One site's REST API as one user. Methods return the decoded JSON or raise
    `WordPressError` (`NetworkError`)."""

    def __init__(self, api_root: str, username: str, app_password: str) -> None:
        self.api_root = api_root
        self._auth = httpx.BasicAuth(username, app_password)

    def get(self, route: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", route, params=params).json()

    def post(self, route: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", route, json=json, write=True, **kwargs).json()

    def delete(self, route: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("DELETE", route, params=params, write=True).json()

    def upload(self, data: bytes, filename: str, mime_type: str, params: dict[str, Any]) -> Any:
        """A file as the raw body, named by Content-Disposition (`POST /wp/v2/media`)."""
        safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "upload"
        headers = {"Content-Type": mime_type, "Content-Disposition": f'attachment; filename="{safe_name}"'}
        return self.request("POST", "/wp/v2/media", content=data, headers=headers, params=params,
                            write=True).json()

    def request(self, method: str, route: str, *, write: bool = False, params: dict[str, Any] | None = None,
                **kwargs: Any) -> httpx.Response:
        url, query = route_url(self.api_root, route)
        query.update({k: _param(v) for k, v in (params or {}).items()})
        try:
            with client(redirects="refuse") as http:
                response = http.request(method, url, params=query, auth=self._auth,
                                        headers={"Accept": "application/json", **kwargs.pop("headers", {})},
                                        **kwargs)
                response.read()
        except GuardError as exc:
            raise network_error(exc, write=write) from exc
        except httpx.ConnectError as exc:  # nothing was sent
            raise WordPressError(Text.gettext("The WordPress site cannot be reached (%(error)s).",
                                              error=str(exc) or "?"), ErrorKind.TRANSIENT) from exc
        except httpx.HTTPError as exc:
            raise WordPressError(Text.gettext("The WordPress site could not be reached or did not answer in time."),
                                 ErrorKind.TRANSIENT, uncertain=write) from exc
        if response.is_error:
            raise translate(response, write=write)
        if response.status_code >= 300:  # not followed (refused above), but say so if it comes
            raise WordPressError(Text.gettext("The site answered HTTP %(status)s, not WordPress's REST API.",
                                              status=response.status_code), ErrorKind.PERMANENT,
                                 status=response.status_code)
        try:
            response.json()
        except ValueError as exc:
            raise WordPressError(Text.gettext("The site answered something that is not JSON: is its REST API "
                                              "behind a login page or a firewall?"),
                                 ErrorKind.TRANSIENT if write else ErrorKind.PERMANENT,
                                 uncertain=write, status=response.status_code) from exc
        return response


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)

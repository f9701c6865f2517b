"""Building Mastodon.py clients and translating their errors into `NetworkError`.

Every client's requests session goes through the guarded HTTP layer: an instance's
address is checked each time a connection opens (polling and publishing too, not only
when the account was connected), redirects are refused, time and size are bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from mastodon import Mastodon
from mastodon import errors as merr

from parvis.core.http import USER_AGENT, GuardError, guard_session
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.guarded import ServerKind, guard_cause, network_error

# What a server with the Mastodon API (Mastodon, GoToSocial, Pleroma, Akkoma…) answers.
SERVER = ServerKind("Mastodon", "/api/v1/instance",
                    lambda data: isinstance(data, dict) and bool(data.get("uri") or data.get("domain")))


class RecordingSession(requests.Session):
    """A requests session that remembers the last response, so that a 429 can be read
    for its Retry-After / X-RateLimit-Reset headers (Mastodon.py does not expose them)."""

    last_response: requests.Response | None = None

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.last_response = None
        response = super().request(*args, **kwargs)
        self.last_response = response
        return response


def new_session() -> RecordingSession:
    session = RecordingSession()
    guard_session(session)
    return session


def make_client(base_url: str, access_token: str | None = None, **kwargs: Any) -> Mastodon:
    session = new_session()
    return Mastodon(
        access_token=access_token,
        api_base_url=base_url,
        session=session,
        request_timeout=settings.PARVIS_HTTP_TIMEOUT,
        # "throw": we decide when to retry (and record it); Mastodon.py must not sleep
        # inside a worker for up to five minutes.
        ratelimit_method="throw",
        version_check_mode="none",
        user_agent=USER_AGENT,
        **kwargs,
    )


def retry_after_seconds(response: requests.Response | None, default: float = 60.0) -> float:
    """Seconds to wait, from Retry-After (seconds or HTTP date) or X-RateLimit-Reset."""
    if response is None:
        return default
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp() - time.time())
        except ValueError:
            pass
    return default


def _api_message(exc: merr.MastodonAPIError) -> str:
    # Mastodon.py raises with args (text, status, reason, error message from the body).
    args = exc.args
    detail = args[3] if len(args) > 3 and args[3] else (args[2] if len(args) > 2 else "")
    return str(detail or exc)


def _status(exc: merr.MastodonAPIError) -> int:
    return int(exc.args[1]) if len(exc.args) > 1 and str(exc.args[1]).isdigit() else 0


def translate(exc: Exception, session: RecordingSession | None, *, write: bool) -> NetworkError:
    """Map a Mastodon.py exception to what the engine should do.

    `write`: the request may have changed state on the server (a POST). A network error
    or a 5xx on a write is *uncertain*: the server may have applied it.
    """
    response = session.last_response if session is not None else None
    if (refused := guard_cause(exc)) is not None:
        return network_error(refused, write=write)
    if isinstance(exc, merr.MastodonRatelimitError):
        return NetworkError(
            Text.gettext("Mastodon rate limit reached."), ErrorKind.TRANSIENT,
            retry_after=retry_after_seconds(response),
        )
    if isinstance(exc, merr.MastodonUnauthorizedError):
        return NetworkError(
            Text.gettext("Mastodon refused the access token (%(detail)s). Reconnect the account.",
                         detail=_api_message(exc)), ErrorKind.RECONNECT,
        )
    if isinstance(exc, merr.MastodonServerError):
        return NetworkError(
            Text.gettext("The Mastodon server had an error (HTTP %(status)s).", status=_status(exc)),
            ErrorKind.TRANSIENT, uncertain=write,
        )
    if isinstance(exc, merr.MastodonNetworkError):
        return NetworkError(
            Text.gettext("The Mastodon server could not be reached or did not answer in time."),
            ErrorKind.TRANSIENT, uncertain=write,
        )
    if isinstance(exc, merr.MastodonAPIError):
        status = _status(exc)
        if status == 403:
            return NetworkError(
                Text.gettext("Mastodon forbids this action for the account (%(detail)s).",
                             detail=_api_message(exc)), ErrorKind.RECONNECT,
            )
        if status in (408, 425, 429):
            return NetworkError(_api_message(exc), ErrorKind.TRANSIENT,
                                retry_after=retry_after_seconds(response), uncertain=write)
        return NetworkError(
            Text.gettext("Mastodon refused the post: %(detail)s", detail=_api_message(exc)),
            ErrorKind.PERMANENT,
        )
    if isinstance(exc, merr.MastodonError):
        return NetworkError(str(exc), ErrorKind.PERMANENT)
    raise exc


@contextmanager
def translated(client: Mastodon, *, write: bool = False) -> Iterator[None]:
    try:
        yield
    except (merr.MastodonError, GuardError) as exc:
        raise translate(exc, getattr(client, "session", None), write=write) from exc


def call(client: Mastodon, fn: Callable[..., Any], *args: Any, write: bool = False, **kwargs: Any) -> Any:
    with translated(client, write=write):
        return fn(*args, **kwargs)


def http_status(error: NetworkError) -> int:
    """The HTTP status behind a translated error (0 when there was no response)."""
    cause = error.__cause__
    return _status(cause) if isinstance(cause, merr.MastodonAPIError) else 0


def api_detail(error: NetworkError) -> str:
    """The server's own error text behind a translated error ("" without one)."""
    cause = error.__cause__
    return _api_message(cause) if isinstance(cause, merr.MastodonAPIError) else ""


def api_get(client: Mastodon, endpoint: str, params: dict[str, Any]) -> Any:
    """A GET through Mastodon.py's own request path (auth, parsing, errors, rate-limit
    bookkeeping) for a parameter its methods do not expose, e.g. `include_filtered` on
    notifications (Mastodon 4.3+). Mastodon.py has no public generic request method."""
    request: Callable[..., Any] = client._Mastodon__api_request  # type: ignore[attr-defined]
    return call(client, request, "GET", endpoint, dict(params))

"""What every network package takes from the guarded HTTP layer (`parvis.core.http`).

* `network_error`: a refusal of the layer (a private address, a redirect, too slow, too
  large) as the `NetworkError` the engine, the poller and the forms understand. The
  SDKs wrap foreign exceptions (Mastodon.py turns any of them into its own network
  error), so `guard_cause` finds the refusal behind them.
* `probe`: the first request of a connect form. It tells apart "nothing answers", "it
  answers too slowly" and "it answers but is not that kind of server", each said in
  words and within a stated limit, before any credentials are sent.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from parvis.core.http import Budget, GuardError, ResponseTooLarge, TooSlow, client
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError

PROBE_SECONDS = 15.0  # a connect form waits this long at most for the server's first answer
PROBE_MAX_BYTES = 1024 * 1024


def guard_cause(exc: BaseException) -> GuardError | None:
    """The guard's refusal behind an SDK's exception, if that is what it is."""
    seen: BaseException | None = exc
    for _depth in range(6):
        if seen is None:
            return None
        if isinstance(seen, GuardError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def network_error(exc: GuardError, *, write: bool = False) -> NetworkError:
    """A refusal as a NetworkError. Too slow or too large on a write is uncertain: the
    server had the request and may have applied it before its answer was cut."""
    after_sending = isinstance(exc, TooSlow | ResponseTooLarge)
    return NetworkError(exc.reason, ErrorKind.TRANSIENT if exc.transient else ErrorKind.PERMANENT,
                        uncertain=write and after_sending)


@dataclass(frozen=True)
class ServerKind:
    label: str  # "Mastodon"
    path: str  # what such a server always answers: "/api/v1/instance"
    recognise: Callable[[Any], bool]  # whether the JSON answered there is its


def probe_seconds() -> float:
    return min(PROBE_SECONDS, settings.PARVIS_HTTP_TIMEOUT)


def probe(base_url: str, kind: ServerKind) -> Any:
    """Ask `base_url` what it is, within `probe_seconds()`. Returns the JSON it answered
    (empty for a server that asks for a login even there); raises NetworkError saying
    what went wrong in words."""
    host = urlsplit(base_url).hostname or base_url
    seconds = probe_seconds()
    budget = Budget.default(timeout=seconds, total=seconds, max_bytes=PROBE_MAX_BYTES)
    try:
        with client(budget=budget, redirects="refuse") as http:
            response = http.get(base_url.rstrip("/") + kind.path, headers={"Accept": "application/json"})
            response.read()
    except TooSlow as exc:
        raise _no_answer(host, seconds) from exc
    except GuardError as exc:
        raise network_error(exc) from exc
    except httpx.TimeoutException as exc:
        raise _no_answer(host, seconds) from exc
    except httpx.ConnectError as exc:
        raise _unreachable(host, exc) from exc
    except httpx.HTTPError as exc:
        raise NetworkError(Text.gettext("%(host)s answered something that is not HTTP (%(error)s).",
                                        host=host, error=exc.__class__.__name__), ErrorKind.PERMANENT) from exc
    return _recognised(host, kind, response)


def _no_answer(host: str, seconds: float) -> NetworkError:
    return NetworkError(Text.gettext("%(host)s did not answer within %(seconds)s s.", host=host,
                                     seconds=f"{seconds:g}"), ErrorKind.TRANSIENT)


def _unreachable(host: str, exc: httpx.ConnectError) -> NetworkError:
    cause = exc.__cause__
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return NetworkError(Text.gettext("%(host)s answered, but its certificate is not valid for this name.",
                                         host=host), ErrorKind.PERMANENT)
    return NetworkError(Text.gettext("%(host)s cannot be reached (%(error)s).", host=host, error=str(exc) or "?"),
                        ErrorKind.TRANSIENT)


def _recognised(host: str, kind: ServerKind, response: httpx.Response) -> Any:
    if response.status_code >= 500:
        raise NetworkError(Text.gettext("%(host)s answered with an error (HTTP %(status)s): try again later.",
                                        host=host, status=response.status_code), ErrorKind.TRANSIENT)
    if response.status_code in (401, 403):
        return {}  # there, but asks for a login even here: the next step says more
    try:
        data = response.json() if response.is_success else None
    except ValueError:
        data = None
    if data is None or not kind.recognise(data):
        raise NetworkError(Text.gettext("%(host)s answered, but it is not a %(kind)s server (no %(path)s).",
                                        host=host, kind=kind.label, path=kind.path), ErrorKind.PERMANENT)
    return data

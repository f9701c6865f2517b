"""Who an assistant acts as: the owner of a personal API token, as for the REST API.

Over HTTP every request is checked by the API's own `BearerTokenAuthentication` (same
lookup by hash, same refusal of revoked tokens and inactive people, same per-address
throttle of wrong tokens), before the MCP transport reads a byte of the body. Over stdio
the token comes from PARVIS_TOKEN; it is looked up again at every call, so revoking it
stops a running session. A token is never written to a log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation
from rest_framework import exceptions
from rest_framework.request import Request

from parvis.accounts.models import User
from parvis.api.authentication import BearerTokenAuthentication
from parvis.api.models import ApiToken

if TYPE_CHECKING:  # the SDK is imported by the transports only, when first used
    from mcp.server.mcpserver import Context

ENVIRON_KEY = "parvis.mcp.caller"  # set by the HTTP gate; a client cannot send a WSGI key with a dot


@dataclass(frozen=True)
class Caller:
    user_id: int
    language: str  # "" for the site's default


class CallerUnknown(Exception):
    """The token behind this session or request is no longer valid."""


# How a server finds who is calling: from the HTTP request the SDK hands over, or, over
# stdio, from the token the process was started with.
ResolveCaller = Callable[["Context"], Caller]


def token_owner(token: str) -> User | None:
    """The active owner of an unrevoked token, else None."""
    found = ApiToken.lookup(token.strip()) if token.strip() else None
    if found is None or not found.user.is_active:
        return None
    return found.user


def stdio_caller(token: str, language: str = "") -> ResolveCaller:
    """`language`: for the refusal once the token is revoked (its owner's, known at start)."""
    def resolve(ctx: Context) -> Caller:
        user = token_owner(token)
        if user is None:
            with translation.override(language or None):
                raise CallerUnknown(translation.gettext("This API token is unknown or revoked."))
        return Caller(user.pk, user.language)
    return resolve


def http_caller(ctx: Context) -> Caller:
    """The caller the gate (authenticate_http) put in the WSGI environ of this request."""
    request = ctx.request_context.request
    environ = getattr(request, "scope", {}).get("wsgi_environ") or {}
    caller = environ.get(ENVIRON_KEY)
    if not isinstance(caller, Caller):
        raise CallerUnknown(str(exceptions.NotAuthenticated.default_detail))
    return caller


class Refused(Exception):
    def __init__(self, status: int, detail: str, headers: list[tuple[str, str]]) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def authenticate_http(environ: dict[str, Any]) -> Caller:
    """The caller of an HTTP request, or Refused: 401 without a token or with a wrong one
    (with WWW-Authenticate), 429 with Retry-After past the limit of wrong tokens."""
    raw = WSGIRequest(environ)
    language = translation.get_language_from_request(raw) if raw.META.get("HTTP_ACCEPT_LANGUAGE") else ""
    with translation.override(language or None):
        try:
            found = BearerTokenAuthentication().authenticate(Request(raw))
        except exceptions.Throttled as exc:
            raise Refused(429, str(exc.detail), [("Retry-After", str(int(getattr(exc, "wait", None) or 1)))]) from None
        except exceptions.AuthenticationFailed as exc:
            raise Refused(401, str(exc.detail), [("WWW-Authenticate", 'Bearer error="invalid_token"')]) from None
        if found is None:
            raise Refused(401, str(exceptions.NotAuthenticated.default_detail),
                          [("WWW-Authenticate", 'Bearer realm="parvis"')])
    user: User = found[0]
    return Caller(user.pk, language or user.language)

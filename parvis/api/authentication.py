from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from parvis.accounts import throttle
from parvis.api.models import ApiToken


def _throttled(seconds: int) -> exceptions.Throttled:
    """429 with Retry-After: DRF adds the header, and the wait to the message, from `wait`."""
    return exceptions.Throttled(wait=seconds, detail=_("Too many requests with a wrong API token from this address."))


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer pvs_…` with a personal token from Settings → API tokens.

    Wrong tokens are counted per address (accounts/throttle.py): past the limit, that
    address gets 429 with Retry-After, before any token is looked up; other addresses
    are not affected."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        token = token.strip()
        if not token:
            raise exceptions.AuthenticationFailed(_("The Authorization header has no token."))
        raw = request._request
        if wait := throttle.api_seconds_left(raw):
            raise _throttled(wait)
        found = ApiToken.lookup(token)
        if found is None or not found.user.is_active:
            if wait := throttle.record_api_failure(raw):
                raise _throttled(wait)
            raise exceptions.AuthenticationFailed(_("This API token is unknown or revoked."))
        _speak_their_language(raw, found.user)
        return found.user, found

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def _speak_their_language(request: HttpRequest, user: Any) -> None:
    """Answer in the language the client asks for (Accept-Language); a client that asks
    for none (curl, most HTTP libraries) gets the token owner's, as on the web pages,
    rather than the site's default."""
    if user.language and not request.META.get("HTTP_ACCEPT_LANGUAGE"):
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "parvis.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}

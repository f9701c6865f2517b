"""LinkedIn's OAuth 2.0 (3-legged): the authorization page, the code exchange and the
refresh-token grant, with the app parvis is registered as (one per installation: a
self-hosted tool cannot share an app, so its administrator creates one and sets
PARVIS_LINKEDIN_CLIENT_ID and PARVIS_LINKEDIN_CLIENT_SECRET).

Access tokens last 60 days; the refresh token (apps with programmatic refresh) lasts
365 days from the member's first consent, and refreshing does not extend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.utils import timezone

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.linkedin.client import LinkedInClient, LinkedInError, oauth_url, setting

CLIENT_ID = "PARVIS_LINKEDIN_CLIENT_ID"
CLIENT_SECRET = "PARVIS_LINKEDIN_CLIENT_SECRET"  # noqa: S105 - the variable's name
# Posting and reading as pages and as the member, page statistics, and who the member is.
SCOPES = ("openid", "profile", "w_member_social", "w_organization_social", "r_organization_social",
          "rw_organization_admin")


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: datetime
    refresh_token: str  # "" for apps without programmatic refresh
    refresh_expires_at: datetime | None


def missing_settings() -> list[str]:
    """The variables still to set before accounts can be connected."""
    return [name for name in (CLIENT_ID, CLIENT_SECRET) if not setting(name)]


def app() -> App:
    if missing_settings():
        raise NetworkError(Text.gettext("parvis has no LinkedIn app: set %(names)s.",
                                        names=", ".join(missing_settings())), ErrorKind.PERMANENT)
    return App(setting(CLIENT_ID), setting(CLIENT_SECRET))


def authorization_url(redirect_uri: str, state: str) -> str:
    query = {"response_type": "code", "client_id": app().client_id, "redirect_uri": redirect_uri,
             "state": state, "scope": " ".join(SCOPES)}
    return f"{oauth_url()}/oauth/v2/authorization?{urlencode(query)}"


def exchange_code(code: str, redirect_uri: str) -> Tokens:
    return _token_call({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})


def refresh(refresh_token: str) -> Tokens:
    """New access token. A refusal (expired or revoked refresh token) is RECONNECT."""
    try:
        return _token_call({"grant_type": "refresh_token", "refresh_token": refresh_token})
    except LinkedInError as error:
        if error.status in (400, 401):
            raise NetworkError(Text.gettext("LinkedIn refused to renew parvis's access (%(detail)s).",
                                            detail=error.reason), ErrorKind.RECONNECT) from error
        raise


def _token_call(form: dict[str, str]) -> Tokens:
    credentials = app()
    with LinkedInClient("") as api:
        answer = api.send("POST", f"{oauth_url()}/oauth/v2/accessToken",
                          data={**form, "client_id": credentials.client_id,
                                "client_secret": credentials.client_secret},
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    return tokens_from(_json(answer))


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("access_token"):
        raise NetworkError(Text.gettext("LinkedIn's token answer has no access token."), ErrorKind.PERMANENT)
    return body


def tokens_from(body: dict[str, Any], now: datetime | None = None) -> Tokens:
    now = now or timezone.now()
    refresh_in = body.get("refresh_token_expires_in")
    return Tokens(
        access_token=str(body["access_token"]),
        expires_at=now + timedelta(seconds=int(body.get("expires_in") or 0)),
        refresh_token=str(body.get("refresh_token") or ""),
        refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
    )

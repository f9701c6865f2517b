"""Mastodon OAuth: one app registered per instance (kept and reused), then the
authorization-code flow, or a pasted access token.

The registration is a POST that the guarded session never lets follow a redirect: an
instance answering 302/307 gets a clear refusal, and nothing is stored as credentials.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from mastodon import Mastodon

from parvis.core.http import USER_AGENT
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.mastodon.client import RecordingSession, make_client, new_session, translate
from parvis.networks.models import ServerApp

SCOPES = ["read", "write"]
APP_NAME = "parvis"


def _allow_http(base_url: str) -> bool:
    # Plain http only for servers on a private network the admin has allowed (tests,
    # a self-hosted instance on the LAN); public instances always use https.
    return base_url.startswith("http://") and settings.PARVIS_ALLOW_PRIVATE_URLS


def server_app(base_url: str, redirect_uri: str) -> ServerApp:
    scopes = " ".join(SCOPES)
    app = ServerApp.objects.filter(
        network="mastodon", base_url=base_url, redirect_uri=redirect_uri, scopes=scopes
    ).first()
    if app:
        return app
    session = new_session()
    try:
        client_id, client_secret = Mastodon.create_app(
            APP_NAME, scopes=SCOPES, redirect_uris=redirect_uri, api_base_url=base_url,
            session=session, request_timeout=settings.PARVIS_HTTP_TIMEOUT,
            website=settings.PARVIS_BASE_URL or None, user_agent=USER_AGENT,
        )
    except (KeyError, TypeError) as exc:  # an answer without them
        raise _not_registered(base_url) from exc
    except Exception as exc:  # noqa: BLE001 - translated below
        raise _as_network_error(exc, session) from exc
    if not (isinstance(client_id, str) and client_id and isinstance(client_secret, str) and client_secret):
        raise _not_registered(base_url)
    app, _created = ServerApp.objects.get_or_create(
        network="mastodon", base_url=base_url, redirect_uri=redirect_uri, scopes=scopes,
        defaults={"credentials": {"client_id": client_id, "client_secret": client_secret}},
    )
    return app


def authorize_url(app: ServerApp, state: str, language: str | None = None) -> str:
    """Where to send the person to authorise parvis, with the login page in their
    language (`fr-ca` → `fr`), or no `lang` at all (Mastodon.py writes `lang=None`)."""
    client = make_client(app.base_url, client_id=app.credentials["client_id"],
                         client_secret=app.credentials["client_secret"])
    lang = (language or "").split("-", 1)[0].lower() or None
    url: str = client.auth_request_url(
        redirect_uris=app.redirect_uri, scopes=SCOPES, state=state, skip_server_info=True,
        allow_http=_allow_http(app.base_url), lang=lang,
    )
    if lang is None:
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
        url = urlunsplit(parts._replace(query=urlencode(query)))
    return url


def exchange_code(app: ServerApp, code: str) -> str:
    client = make_client(app.base_url, client_id=app.credentials["client_id"],
                         client_secret=app.credentials["client_secret"])
    try:
        return client.log_in(
            code=code, redirect_uri=app.redirect_uri, scopes=SCOPES,
            allow_http=_allow_http(app.base_url),
        )
    except Exception as exc:  # noqa: BLE001 - translated below
        raise _as_network_error(exc, getattr(client, "session", None)) from exc


def _as_network_error(exc: Exception, session: RecordingSession | None) -> NetworkError:
    try:
        return translate(exc, session, write=False)
    except Exception:  # noqa: BLE001 - not a Mastodon.py error: a plain failure
        return NetworkError(str(exc), ErrorKind.PERMANENT)


def _not_registered(base_url: str) -> NetworkError:
    return NetworkError(Text.gettext("%(server)s did not register parvis: its answer has no client id and "
                                     "secret.", server=base_url), ErrorKind.PERMANENT)

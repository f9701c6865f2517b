"""Mastodon OAuth: one app registered per instance (kept and reused), then the
authorization-code flow, or a pasted access token."""

from __future__ import annotations

from django.conf import settings
from mastodon import Mastodon

from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.mastodon.client import RecordingSession, make_client, translate
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
    session = RecordingSession()
    try:
        client_id, client_secret = Mastodon.create_app(
            APP_NAME, scopes=SCOPES, redirect_uris=redirect_uri, api_base_url=base_url,
            session=session, request_timeout=settings.PARVIS_HTTP_TIMEOUT,
            website=settings.PARVIS_BASE_URL or None,
        )
    except Exception as exc:  # noqa: BLE001 - translated below
        raise _as_network_error(exc, session) from exc
    app, _ = ServerApp.objects.get_or_create(
        network="mastodon", base_url=base_url, redirect_uri=redirect_uri, scopes=scopes,
        defaults={"credentials": {"client_id": client_id, "client_secret": client_secret}},
    )
    return app


def authorize_url(app: ServerApp, state: str) -> str:
    client = make_client(app.base_url, client_id=app.credentials["client_id"],
                         client_secret=app.credentials["client_secret"])
    return client.auth_request_url(  # type: ignore[no-any-return]
        redirect_uris=app.redirect_uri, scopes=SCOPES, state=state, skip_server_info=True,
        allow_http=_allow_http(app.base_url),
    )


def exchange_code(app: ServerApp, code: str) -> str:
    client = make_client(app.base_url, client_id=app.credentials["client_id"],
                         client_secret=app.credentials["client_secret"])
    try:
        return client.log_in(  # type: ignore[no-any-return]
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

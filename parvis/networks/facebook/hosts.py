"""Where Facebook Login and the Graph API for Pages live (also used by Instagram accounts
connected through their Facebook Page). Each host can be moved by a setting (tests point
them at the loopback fake); the app is the organisation's own (`PARVIS_META_APP_ID`,
`PARVIS_META_APP_SECRET`)."""

from __future__ import annotations

from urllib.parse import urlencode

from parvis.networks.graph import GRAPH_VERSION, AppCredentials, app_credentials, graph_base

META_GRAPH = "https://graph.facebook.com"
META_LOGIN = "https://www.facebook.com"
APP_SETTINGS = ("PARVIS_META_APP_ID", "PARVIS_META_APP_SECRET")


def graph_url() -> str:
    return graph_base("PARVIS_META_GRAPH_URL", META_GRAPH)


def meta_app() -> AppCredentials | None:
    return app_credentials(*APP_SETTINGS)


def login_dialog(app: AppCredentials, redirect_uri: str, state: str, scopes: list[str]) -> str:
    """Facebook Login's dialog, asking for `scopes` (meta.md, 2.1)."""
    query = urlencode({"client_id": app.client_id, "redirect_uri": redirect_uri, "state": state,
                       "scope": ",".join(scopes), "response_type": "code"})
    return f"{graph_base('PARVIS_META_LOGIN_URL', META_LOGIN)}/{GRAPH_VERSION}/dialog/oauth?{query}"

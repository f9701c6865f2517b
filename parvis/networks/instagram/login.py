"""Connecting an Instagram professional account, either way Meta offers (meta.md, 2.1–2.3):

* Facebook Login with the organisation's Meta app: a long-lived user token, then the
  Pages it manages and the Instagram account linked to each; parvis keeps the Page's
  token, which does not expire.
* Instagram Login with the app's Instagram product (its own id and secret): a one-hour
  token from the code, exchanged for a 60-day one, refreshed by the token sweep.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.facebook import hosts
from parvis.networks.graph import (
    AppCredentials,
    GraphClient,
    app_credentials,
    graph_base,
    managed_pages,
    user_token_from_code,
)
from parvis.networks.instagram.connector import FACEBOOK_LOGIN, INSTAGRAM_LOGIN, graph_url, identity_from
from parvis.networks.oauth_flow import Found

INSTAGRAM_APP_SETTINGS = ("PARVIS_INSTAGRAM_APP_ID", "PARVIS_INSTAGRAM_APP_SECRET")
INSTAGRAM_AUTHORIZE = "https://www.instagram.com"
INSTAGRAM_API = "https://api.instagram.com"
FACEBOOK_SCOPES = ["instagram_basic", "instagram_content_publish", "instagram_manage_comments",
                   "instagram_manage_insights", "pages_show_list", "pages_read_engagement", "business_management",
                   "instagram_manage_messages", "pages_manage_metadata"]  # the last two: messages (meta.md, 8)
INSTAGRAM_SCOPES = ["instagram_business_basic", "instagram_business_content_publish",
                    "instagram_business_manage_comments", "instagram_business_manage_insights",
                    "instagram_business_manage_messages"]
PROFILE = "id,username,name,profile_picture_url"


def instagram_app() -> AppCredentials | None:
    return app_credentials(*INSTAGRAM_APP_SETTINGS)


def app_for(login: str) -> AppCredentials | None:
    return hosts.meta_app() if login == FACEBOOK_LOGIN else instagram_app()


def missing_settings(login: str) -> tuple[str, str]:
    return hosts.APP_SETTINGS if login == FACEBOOK_LOGIN else INSTAGRAM_APP_SETTINGS


def authorize_url(login: str, app: AppCredentials, redirect_uri: str, state: str) -> str:
    if login == FACEBOOK_LOGIN:
        return hosts.login_dialog(app, redirect_uri, state, FACEBOOK_SCOPES)
    query = urlencode({"client_id": app.client_id, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": ",".join(INSTAGRAM_SCOPES), "state": state, "enable_fb_login": "0"})
    return f"{graph_base('PARVIS_INSTAGRAM_LOGIN_URL', INSTAGRAM_AUTHORIZE)}/oauth/authorize?{query}"


def accounts_from_code(login: str, app: AppCredentials, redirect_uri: str, code: str) -> list[Found]:
    code = code.removesuffix("#_")  # Meta appends "#_" to the redirect
    if login == FACEBOOK_LOGIN:
        return _through_pages(app, redirect_uri, code)
    return [_instagram_login(app, redirect_uri, code)]


def _through_pages(app: AppCredentials, redirect_uri: str, code: str) -> list[Found]:
    base = hosts.graph_url()
    user = user_token_from_code(base, app, redirect_uri, code)
    found = []
    for page in managed_pages(base, user.token, "id,name,access_token,instagram_business_account"):
        linked = (page.get("instagram_business_account") or {}).get("id")
        if not linked:
            continue
        me = GraphClient(base, page["access_token"]).get(str(linked), fields=PROFILE)
        found.append(Found(identity_from(me), {"access_token": page["access_token"], "login": FACEBOOK_LOGIN,
                                               "page_id": str(page["id"])}, None, str(page.get("name") or "")))
    if not found:
        raise NetworkError(Text.gettext("None of the Facebook Pages you manage has an Instagram professional "
                                        "account linked to it (or you did not select them when logging in)."),
                           ErrorKind.PERMANENT)
    return found


def _instagram_login(app: AppCredentials, redirect_uri: str, code: str) -> Found:
    api = GraphClient(graph_base("PARVIS_INSTAGRAM_API_URL", INSTAGRAM_API))
    answer = api.request("POST", api.url("oauth/access_token", versioned=False), data={
        "client_id": app.client_id, "client_secret": app.client_secret, "grant_type": "authorization_code",
        "redirect_uri": redirect_uri, "code": code}, write=False)
    # Some copies of the docs show the answer wrapped in `data[0]`: accept both.
    if isinstance(answer, dict) and isinstance(answer.get("data"), list) and answer["data"]:
        answer = answer["data"][0]
    short = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(short, str) or not short:
        raise NetworkError(Text.gettext("Meta's answer carries no access token."), ErrorKind.PERMANENT)
    base = graph_url(INSTAGRAM_LOGIN)
    long = GraphClient(base, short).get("access_token", versioned=False, grant_type="ig_exchange_token",
                                        client_secret=app.client_secret)
    token, lifetime = long.get("access_token"), long.get("expires_in")
    if not isinstance(token, str) or not token:
        raise NetworkError(Text.gettext("Meta's answer carries no access token."), ErrorKind.PERMANENT)
    me = GraphClient(base, token).get("me", fields="user_id,username,name,profile_picture_url")
    expires = timezone.now() + timedelta(seconds=lifetime) if isinstance(lifetime, int) else None
    return Found(identity_from(me), {"access_token": token, "login": INSTAGRAM_LOGIN}, expires)

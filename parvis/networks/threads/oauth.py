"""Threads login (authorization-code flow, Threads "Get Access Tokens" guide; meta.md 2.4).

The person authorises this installation's Meta app on threads.net; the code it hands
back is exchanged for a short-lived token (1 h), which is exchanged at once for a
long-lived one (60 days, `th_exchange_token`), the only one kept.
"""

from __future__ import annotations

from urllib.parse import urlencode

from parvis.networks.base import Credentials
from parvis.networks.threads.client import ThreadsClient, app_credentials, authorize_url
from parvis.networks.threads.connector import token_credentials

SCOPES = ("threads_basic", "threads_content_publish", "threads_read_replies", "threads_manage_replies",
          "threads_manage_mentions", "threads_manage_insights", "threads_delete")


def login_url(client_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "scope": ",".join(SCOPES),
                       "response_type": "code", "state": state})
    return f"{authorize_url()}?{query}"


def exchange_code(code: str, redirect_uri: str) -> Credentials:
    """A code for a long-lived token. Raises NetworkError."""
    configured = app_credentials()
    assert configured is not None, "the connect view checks the app first"
    client_id, secret = configured
    short = ThreadsClient().call("POST", "oauth/access_token", versioned=False, data={
        "client_id": client_id, "client_secret": secret, "code": code,
        "grant_type": "authorization_code", "redirect_uri": redirect_uri})
    short_token = token_credentials(short).values["access_token"]
    long = ThreadsClient(short_token).call("GET", "access_token", versioned=False, params={
        "grant_type": "th_exchange_token", "client_secret": secret})
    return token_credentials(long)

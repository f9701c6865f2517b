"""Rows and clients most tests start from, made the same way everywhere (the root
conftest.py turns them into fixtures: `account`, `bluesky_offline`).

An account made here is a row as connecting leaves it, with credentials that no server
will ever check: enough for validation, previews, the inbox and the pages, and nothing
here reaches a network. Tests that publish or poll connect a real account on a loopback
server instead (parvis/testing/accounts.py).
"""

from __future__ import annotations

from typing import Any

from django.test import Client

# What each network's connect form stores for a brand account (handle, id, credentials).
ACCOUNT_ROWS: dict[str, dict[str, Any]] = {
    "mastodon": {"server_url": "https://brand.social", "remote_id": "1", "handle": "@brand@brand.social",
                 "credentials": {"access_token": "x"}},
    "bluesky": {"server_url": "https://bsky.social", "remote_id": "did:plc:brand", "handle": "@brand.bsky.social",
                "credentials": {"identifier": "brand.bsky.social", "app_password": "x"}},
}


def make_account(workspace: Any, network: str = "mastodon", **fields: Any) -> Any:
    """A connected account row of `network` in `workspace`; `fields` override the defaults
    (another `remote_id` for a second account, `config={"limits": …}`, …)."""
    from parvis.networks.models import SocialAccount

    return SocialAccount.objects.create(workspace=workspace, network=network,
                                        **{**ACCOUNT_ROWS.get(network, {}), **fields})


def client_for(user: Any, language: str = "en") -> Client:
    """A Django test client logged in as `user`, asking for pages in `language`
    (English unless a test reads French: the server's default is French)."""
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client

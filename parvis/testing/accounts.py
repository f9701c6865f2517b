"""Connecting accounts on the loopback servers, for tests and benchmarks."""

from __future__ import annotations

import uuid
from typing import Any

from parvis.testing.mastodon_server import LocalMastodon


def connect_mastodon(
    server: LocalMastodon, workspace: Any, user: Any, username: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """A brand account on the mock, connected the way the token form connects it."""
    from parvis.networks.actions import save_account
    from parvis.networks.mastodon.client import make_client
    from parvis.networks.mastodon.connector import fetch_instance_limits, identity_from

    local = server.create_user(username or f"brand{uuid.uuid4().hex[:8]}")
    client = make_client(server.url, local["access_token"])
    identity = identity_from(client.account_verify_credentials(), server.url)
    account = save_account(
        workspace, "mastodon", server.url, identity, {"access_token": local["access_token"]}, user,
        config={"limits": fetch_instance_limits(client)},
    )
    return account, dict(local)


def connect_bluesky(server: Any, workspace: Any, user: Any, name: str | None = None) -> tuple[Any, dict[str, Any]]:
    """A brand account on the local PDS, connected with an app password as a CM would."""
    from parvis.networks.actions import save_account
    from parvis.networks.bluesky.views import verify

    created = server.create_account(name or f"b{uuid.uuid4().hex[:10]}", "main-password-123")
    app_password = server.create_app_password(created["handle"], "main-password-123", "parvis")
    probe, identity = verify(server.url, created["handle"], app_password)
    account = save_account(workspace, "bluesky", server.url, identity, probe.credentials, user)
    return account, {**created, "app_password": app_password}

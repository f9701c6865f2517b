"""Connecting accounts: the steps every network shares once it knows who the account is."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from parvis.accounts.models import User, Workspace
from parvis.networks.base import Identity
from parvis.networks.models import SocialAccount


@transaction.atomic
def save_account(
    workspace: Workspace, network: str, server_url: str, identity: Identity,
    credentials: dict[str, Any], created_by: User, config: dict[str, Any] | None = None,
) -> SocialAccount:
    """Create the account, or refresh it when it is connected again (a reconnect keeps
    its id, so its scheduled publications stay attached and can be retried)."""
    account, created = SocialAccount.objects.select_for_update().get_or_create(
        workspace=workspace, network=network, server_url=server_url, remote_id=identity.remote_id,
        defaults={"handle": identity.handle, "created_by": created_by},
    )
    account.handle = identity.handle
    account.display_name = identity.display_name
    account.profile_url = identity.url
    account.avatar_url = identity.avatar_url
    account.credentials = credentials
    account.config = {**account.config, **(config or {})}
    account.mark_connected()
    account.save()
    return account


def disconnect(account: SocialAccount) -> None:
    account.delete()


"""The steps an OAuth connect flow shares, whatever the network: a `state` bound to the
person's session and checked once on return, and, when one login gives access to several
accounts (a person managing several Facebook Pages), the choice among them.

The accounts offered wait in the session until one is chosen; their credentials are
encrypted there as they are in the database (sessions are rows too), and dropped as soon
as the choice is made.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest

from parvis.accounts.models import Role, User
from parvis.accounts.scoping import workspace_for
from parvis.core.crypto import decrypt, encrypt
from parvis.networks.actions import save_account
from parvis.networks.base import Credentials, Identity
from parvis.networks.models import SocialAccount
from parvis.networks.tokens import save_credentials


@dataclass(frozen=True)
class Found:
    """One account a login gave access to, with what to save for it."""

    identity: Identity
    credentials: dict[str, Any]
    expires_at: datetime | None
    note: str = ""  # what tells it apart in the choice ("through the Page Boulangerie")


def start(request: HttpRequest, key: str, workspace_id: int, **extra: Any) -> str:
    """A new state for `key`'s login, kept in the session with what the return needs."""
    state = secrets.token_urlsafe(24)
    request.session[f"{key}_oauth"] = {"state": state, "workspace": workspace_id, **extra}
    return state


def returned(request: HttpRequest, key: str) -> dict[str, Any] | None:
    """What `start` kept, if the state that came back is the one it made (once only)."""
    pending = request.session.pop(f"{key}_oauth", None)
    state = request.GET.get("state", "")
    if not isinstance(pending, dict) or not secrets.compare_digest(str(pending.get("state", "")), state):
        return None
    return pending


def offer(request: HttpRequest, key: str, workspace_id: int, found: list[Found]) -> None:
    request.session[f"{key}_choices"] = {"workspace": workspace_id, "accounts": [
        {"remote_id": f.identity.remote_id, "handle": f.identity.handle, "display_name": f.identity.display_name,
         "url": f.identity.url, "avatar_url": f.identity.avatar_url, "note": f.note,
         "secret": encrypt(json.dumps(f.credentials)),
         "expires_at": f.expires_at.isoformat() if f.expires_at else None} for f in found]}


def offered(request: HttpRequest, key: str) -> dict[str, Any] | None:
    choices = request.session.get(f"{key}_choices")
    return choices if isinstance(choices, dict) else None


def chosen(request: HttpRequest, key: str, remote_id: str) -> tuple[int, Found] | None:
    """The offered account with this id (and the choices dropped), or None."""
    choices = offered(request, key)
    if choices is None:
        return None
    for item in choices["accounts"]:
        if item["remote_id"] == remote_id:
            del request.session[f"{key}_choices"]
            identity = Identity(item["remote_id"], item["handle"], item["display_name"], item["url"],
                                item["avatar_url"])
            expires = datetime.fromisoformat(item["expires_at"]) if item["expires_at"] else None
            return int(choices["workspace"]), Found(identity, json.loads(decrypt(item["secret"])), expires)
    return None


def save_found(user: User, workspace_id: int, network: str, server_url: str, found: Found) -> SocialAccount:
    """Save the account (a reconnect refreshes it) with its credentials' expiry: a login
    that now gives credentials that do not expire clears an old expiry."""
    workspace = workspace_for(user, workspace_id, Role.MANAGER)
    account = save_account(workspace, network, server_url, found.identity, found.credentials, user)
    save_credentials(account, Credentials({}, found.expires_at))
    return account

"""The explicit list of networks. The database stores only the key.

Adding a network: write `parvis/networks/<name>/` and add one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parvis.networks.base import Connector
    from parvis.networks.models import SocialAccount


@dataclass(frozen=True)
class NetworkInfo:
    key: str
    label: str
    connector_path: str  # "module:Class", imported only when used
    connect_url_name: str


NETWORKS: dict[str, NetworkInfo] = {
    "mastodon": NetworkInfo(
        "mastodon", "Mastodon", "parvis.networks.mastodon.connector:MastodonConnector",
        "mastodon:connect",
    ),
    "bluesky": NetworkInfo(
        "bluesky", "Bluesky", "parvis.networks.bluesky.connector:BlueskyConnector",
        "bluesky:connect",
    ),
}


def get(key: str) -> NetworkInfo:
    try:
        return NETWORKS[key]
    except KeyError:
        raise LookupError(f"unknown network {key!r}") from None


@cache
def connector_class(key: str) -> Any:
    module_name, _, class_name = get(key).connector_path.partition(":")
    return getattr(import_module(module_name), class_name)


def connector_for(account: SocialAccount) -> Connector:
    return connector_class(account.network)(account)

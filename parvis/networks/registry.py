"""The explicit list of networks. The database stores only the key.

Adding a network: write `parvis/networks/<name>/` (with its `info.py`) and add one line
to PACKAGES. Nothing else in parvis names a network: settings, URLs, colours, handles,
counting and replies all come from its `NetworkInfo`. The settings import this module:
no Django at import time.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from parvis.networks.info import NetworkInfo

if TYPE_CHECKING:
    from parvis.networks.base import Connector
    from parvis.networks.models import SocialAccount


# One line per network: its package, which declares `info.INFO` (a `NetworkInfo`).
PACKAGES = [
    "parvis.networks.mastodon",
    "parvis.networks.bluesky",
    "parvis.networks.wordpress",
    "parvis.networks.linkedin",
    "parvis.networks.threads",
    "parvis.networks.instagram",
    "parvis.networks.facebook",
]


def load(packages: list[str]) -> dict[str, NetworkInfo]:
    """Each package's `info.INFO`, its app being the package unless it says otherwise."""
    infos = [import_module(f"{package}.info").INFO for package in packages]
    return {info.key: info if info.app else replace(info, app=package)
            for package, info in zip(packages, infos, strict=True)}


NETWORKS: dict[str, NetworkInfo] = load(PACKAGES)


def apps() -> list[str]:
    """The Django apps of the networks (the settings add them to INSTALLED_APPS)."""
    return [info.app for info in NETWORKS.values()]


def get(key: str) -> NetworkInfo:
    try:
        return NETWORKS[key]
    except KeyError:
        raise LookupError(f"unknown network {key!r}") from None


@cache
def connector_class(key: str) -> Any:
    module_name, _, class_name = get(key).connector_path.partition(":")
    return getattr(import_module(module_name), class_name)


def _loaded(path: str) -> Any:
    """What a NetworkInfo's "module:name" names."""
    module_name, _, name = path.partition(":")
    return getattr(import_module(module_name), name)


def public_reader(key: str) -> Any:
    """The network's reader of public posts (parvis.networks.public.PublicReader), or None."""
    path = get(key).public_reader if key in NETWORKS else ""
    return _loaded(path)() if path else None


def profile_reader(key: str) -> Any:
    """The network's reader of public accounts (parvis.networks.public.ProfileReader), or None."""
    path = get(key).profile_reader if key in NETWORKS else ""
    return _loaded(path)() if path else None


def stream_network() -> str | None:
    """The key of the network whose stream of new public posts an administrator turned on
    (its setting holds an address), or None."""
    from django.conf import settings

    return next((key for key, info in NETWORKS.items()
                 if info.public_stream and getattr(settings, info.public_stream_setting, "")), None)


def public_stream(key: str) -> tuple[Any, str]:
    """The network's stream reader and the address its setting holds."""
    from django.conf import settings

    info = get(key)
    return _loaded(info.public_stream), str(getattr(settings, info.public_stream_setting, ""))


def connector_for(account: SocialAccount) -> Connector:
    return connector_class(account.network)(account)


def network_of_handle(handle: str) -> str | None:
    """The key of the network a full handle belongs to ("@name@server", "@name.bsky.social");
    None for a bare "@name", which is for every network."""
    return next((info.key for info in NETWORKS.values() if info.owns_handle(handle)), None)

"""The one way parvis talks HTTP to the outside: timeouts, a user agent, and a guard
against private addresses for URLs that users type (instances, PDS, feeds, webhooks)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "parvis/0.1 (+https://github.com/parvis-social/parvis)"


class UnsafeURLError(ValueError):
    """The URL is malformed, not http(s), or points at a private address."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


def normalise_base_url(raw: str) -> str:
    """`mastodon.social`, `https://mastodon.social/` → `https://mastodon.social`."""
    value = (raw or "").strip()
    if not value:
        raise UnsafeURLError(_("Enter a server address."))
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURLError(_("Enter a valid https:// address."))
    host = parts.hostname
    port = f":{parts.port}" if parts.port else ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def check_url(url: str) -> None:
    """Refuse URLs that resolve to non-public addresses, unless allowed by settings."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURLError(_("Enter a valid https:// address."))
    if settings.PARVIS_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeURLError(_("The server %(host)s cannot be found.") % {"host": parts.hostname}) from exc
    if not infos or not all(_is_public(str(info[4][0])) for info in infos):
        raise UnsafeURLError(
            _("The server %(host)s is on a private network address.") % {"host": parts.hostname}
        )


def client(**kwargs: object) -> httpx.Client:
    """An httpx client with parvis's timeout and user agent."""
    headers = {"User-Agent": USER_AGENT, **dict(kwargs.pop("headers", {}) or {})}  # type: ignore[call-overload]
    return httpx.Client(
        timeout=kwargs.pop("timeout", settings.PARVIS_HTTP_TIMEOUT),  # type: ignore[arg-type]
        headers=headers,
        follow_redirects=False,
        **kwargs,  # type: ignore[arg-type]
    )

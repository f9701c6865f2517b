"""The address links in emails point to.

`PARVIS_BASE_URL` when set (a reverse proxy, a public name). Otherwise the address
`parvis up` serves on, which it records here when it starts, so that emails sent by its
web threads and its worker threads alike carry a link that works.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

FALLBACK = "http://127.0.0.1:8000"
_served: str | None = None


def served_url(host: str, port: int) -> str:
    """`http://host:port` for the address a server listens on. A wildcard address is
    no address to give anyone: links then name the machine's loopback."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - read, not bound
        host = "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{port}"


def serve_at(host: str, port: int) -> str:
    global _served
    _served = served_url(host, port)
    return _served


def base_url() -> str:
    return settings.PARVIS_BASE_URL or _served or FALLBACK


def absolute_url(path: str) -> str:
    return f"{base_url()}{path}"

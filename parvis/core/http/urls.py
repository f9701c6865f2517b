"""Server addresses as people type them, and the early check shown in forms.

`check_url` answers a form at once ("this is a private address"); it is advice, not the
guard: the name may resolve elsewhere by the time parvis connects, which is why every
connection is checked again when it is opened (`guard.connect_checked`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from parvis.core.http.addresses import AddressPolicy, default_policy
from parvis.core.http.errors import UnsafeURLError
from parvis.core.http.guard import resolve_checked
from parvis.core.texts import Text


def normalise_base_url(raw: str) -> str:
    """`mastodon.social`, `https://mastodon.social/` → `https://mastodon.social`."""
    value = (raw or "").strip()
    if not value:
        raise UnsafeURLError(Text.gettext("Enter a server address."))
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(Text.gettext("Enter a valid https:// address.")) from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURLError(Text.gettext("Enter a valid https:// address."))
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path.rstrip('/')}"


def check_url(url: str, policy: AddressPolicy | None = None) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to an address the
    policy refuses (private ones, unless PARVIS_ALLOW_PRIVATE_URLS is set)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURLError(Text.gettext("Enter a valid https:// address.")) from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURLError(Text.gettext("Enter a valid https:// address."))
    resolve_checked(parts.hostname, port, policy or default_policy())

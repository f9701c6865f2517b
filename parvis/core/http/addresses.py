"""Which addresses parvis connects to.

`classify` names the kind of a non-global address (None for a globally routable one).
IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, 6to4 `2002::/16`,
NAT64 `64:ff9b::/96`, Teredo `2001::/32`) are judged by the IPv4 address inside: a
resolver or a NAT64 gateway turns them back into that address. The last word is
`ipaddress`'s own `is_global` (IANA's special-purpose registries); the explicit ranges
only name the kind for the message, or fill what this Python's table lacks (multicast
counts as "global" there, and 3fff::/20, fec0::/10 and 64:ff9b:1::/48 are missing).

A policy decides from the kind. `PublicOnly` is the default; `PrivateAllowed`
(PARVIS_ALLOW_PRIVATE_URLS, for servers on the same LAN) still refuses link-local,
cloud metadata, multicast and unspecified addresses, which no self-hosted server needs.
Tests inject their own policy (`override_policy`) to allow one loopback port and not
another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Protocol

from django.conf import settings

from parvis.core.texts import Text

IPAddress = IPv4Address | IPv6Address

_PRIVATE_V4 = tuple(ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_SHARED_V4 = ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598), also Tailscale
_THIS_NETWORK_V4 = ip_network("0.0.0.0/8")  # 0.0.0.0 reaches this machine on Linux
_NAT64_WELL_KNOWN = ip_network("64:ff9b::/96")
_NAT64_LOCAL = ip_network("64:ff9b:1::/48")  # RFC 8215: local use, prefix length unknown
_IPV4_COMPATIBLE = ip_network("::/96")  # deprecated ::a.b.c.d
_UNIQUE_LOCAL = ip_network("fc00::/7")
_SITE_LOCAL = ip_network("fec0::/10")
_DOCUMENTATION_V6 = (ip_network("2001:db8::/32"), ip_network("3fff::/20"))
# Cloud instance metadata services: credentials for the machine parvis runs on.
METADATA = frozenset(ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    "169.254.170.2",  # AWS ECS task metadata
    "100.100.100.200",  # Alibaba Cloud
    "fd00:ec2::254",  # AWS over IPv6
))


def _reasons() -> dict[str, Text]:
    return {
        "loopback": Text.gettext("a loopback address (this machine)"),
        "private": Text.gettext("a private network address"),
        "shared": Text.gettext("a carrier-grade NAT address (100.64.0.0/10)"),
        "link_local": Text.gettext("a link-local address"),
        "metadata": Text.gettext("a cloud metadata address"),
        "multicast": Text.gettext("a multicast or broadcast address"),
        "unspecified": Text.gettext("an unspecified address"),
        "tunnel": Text.gettext("a Teredo tunnel address"),
        "reserved": Text.gettext("a reserved, documentation or otherwise non-global address"),
    }


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries, for the forms that route to it."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client, de-obfuscated by ipaddress
    if address in _NAT64_WELL_KNOWN:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _classify_v4(address: IPv4Address) -> str | None:
    if address in METADATA:
        return "metadata"
    if address.is_loopback:
        return "loopback"
    if address in _THIS_NETWORK_V4:
        return "unspecified"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast or address == IPv4Address("255.255.255.255"):
        return "multicast"
    if address in _SHARED_V4:
        return "shared"
    if any(address in net for net in _PRIVATE_V4):
        return "private"
    return None if address.is_global else "reserved"


def _classify_v6(address: IPv6Address) -> str | None:
    if address.scope_id:
        address = IPv6Address(str(address).split("%", 1)[0])
    if address in METADATA:
        return "metadata"
    inner = embedded_ipv4(address)
    if inner is not None:
        kind = _classify_v4(inner)
        if kind is None and address.teredo is not None:
            return "tunnel"  # not globally routable itself, whatever it carries
        return kind
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address in _UNIQUE_LOCAL or address in _SITE_LOCAL:
        return "private"
    if (address in _NAT64_LOCAL or address in _IPV4_COMPATIBLE or address.is_reserved
            or any(address in net for net in _DOCUMENTATION_V6)):
        return "reserved"
    return None if address.is_global else "reserved"


def classify(address: IPAddress | str) -> str | None:
    """The kind of a non-global address ("loopback", "private", "shared", "metadata"…),
    None when it is globally routable."""
    ip = ip_address(address) if isinstance(address, str) else address
    return _classify_v4(ip) if isinstance(ip, IPv4Address) else _classify_v6(ip)


def describe(address: IPAddress | str) -> Text:
    """What an address is, in words (read in the reader's language), naming the IPv4
    address inside an IPv6 form."""
    ip = ip_address(address) if isinstance(address, str) else address
    kind = classify(ip)
    reason = _reasons()[kind] if kind else Text.gettext("a public address")
    inner = embedded_ipv4(ip) if isinstance(ip, IPv6Address) else None
    if inner is not None:
        return Text.gettext("an IPv6 form of %(ipv4)s, %(reason)s", ipv4=str(inner), reason=reason)
    return reason


class AddressPolicy(Protocol):
    """Decides whether one resolved address may be connected to."""

    private_allowed: bool  # whether the refusal message may suggest the setting

    def allows(self, address: IPAddress, port: int) -> bool: ...


class PublicOnly:
    private_allowed = False

    def allows(self, address: IPAddress, port: int) -> bool:
        return classify(address) is None


class PrivateAllowed:
    """For self-hosted servers on the LAN, the same machine, or a tailnet (100.64/10)."""

    private_allowed = True
    NEVER = frozenset({"link_local", "metadata", "multicast", "unspecified"})

    def allows(self, address: IPAddress, port: int) -> bool:
        return classify(address) not in self.NEVER


_override: AddressPolicy | None = None


def default_policy() -> AddressPolicy:
    """The policy in force now (settings are read at each connection, not at import)."""
    if _override is not None:
        return _override
    return PrivateAllowed() if settings.PARVIS_ALLOW_PRIVATE_URLS else PublicOnly()


@contextlib.contextmanager
def override_policy(policy: AddressPolicy) -> Iterator[None]:
    """Every guarded request uses `policy` meanwhile (tests: allow one loopback port)."""
    global _override
    previous, _override = _override, policy
    try:
        yield
    finally:
        _override = previous

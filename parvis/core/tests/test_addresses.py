"""Which addresses the guarded HTTP layer connects to: the classification table, the two
policies, and the messages that say what happened and which setting would allow it."""

from __future__ import annotations

import socket

import pytest

from parvis.core.http import AddressRefused, PrivateAllowed, PublicOnly, UnsafeURLError, check_url, classify
from parvis.core.http.addresses import describe
from parvis.testing.resolver import rebinding

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(("address", "kind"), [
    # IPv4
    ("8.8.8.8", None),
    ("93.184.215.14", None),
    ("127.0.0.1", "loopback"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to classify, not to bind
    ("0.1.2.3", "unspecified"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "shared"),  # carrier-grade NAT
    ("100.127.255.254", "shared"),
    ("100.100.100.200", "metadata"),  # Alibaba Cloud metadata, inside 100.64/10
    ("169.254.169.254", "metadata"),
    ("169.254.1.1", "link_local"),
    ("224.0.0.1", "multicast"),  # "global" to Python 3.11's table
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", "multicast"),
    ("192.0.2.1", "reserved"),  # TEST-NET-1
    ("198.51.100.7", "reserved"),  # TEST-NET-2
    ("203.0.113.9", "reserved"),  # TEST-NET-3
    ("198.18.0.1", "reserved"),  # benchmarking
    ("240.0.0.1", "reserved"),
    # IPv6
    ("2606:4700:4700::1111", None),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link_local"),
    ("fc00::1", "private"),  # unique local (ULA)
    ("fd12:3456::1", "private"),
    ("fec0::1", "private"),  # deprecated site-local, "global" to Python 3.11
    ("fd00:ec2::254", "metadata"),  # AWS metadata over IPv6
    ("ff02::1", "multicast"),
    ("2001:db8::1", "reserved"),  # documentation
    ("3fff::1", "reserved"),  # documentation since 2024
    ("::127.0.0.1", "reserved"),  # deprecated IPv4-compatible form
    # IPv6 forms of an IPv4 address: judged by the IPv4 address inside
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "metadata"),
    ("::ffff:8.8.8.8", None),
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", "metadata"),  # 6to4 of 169.254.169.254
    ("2002:6440:1::", "shared"),  # 6to4 of 100.64.0.1
    ("2002:808:808::1", None),  # 6to4 of 8.8.8.8
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8
    ("64:ff9b:1::a00:1", "reserved"),  # local-use NAT64 (RFC 8215): the prefix length is unknown
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "tunnel"),  # Teredo, client 8.8.8.8: still not global
])
def test_addresses_are_classified_after_unwrapping_ipv4_forms(address, kind):
    assert classify(address) == kind


def test_public_only_accepts_only_global_addresses():
    policy = PublicOnly()
    from ipaddress import ip_address

    assert policy.allows(ip_address("8.8.8.8"), 443)
    assert not policy.allows(ip_address("100.100.100.200"), 80)
    assert not policy.allows(ip_address("2002:7f00:1::"), 443)


@pytest.mark.parametrize(("address", "allowed"), [
    ("10.0.0.5", True), ("192.168.1.20", True), ("127.0.0.1", True), ("100.101.102.103", True),  # tailnet
    ("fd12::1", True), ("::1", True),
    ("169.254.169.254", False), ("100.100.100.200", False), ("fd00:ec2::254", False),
    ("fe80::1", False), ("0.0.0.0", False),  # noqa: S104 ("224.0.0.1", False), ("::ffff:169.254.169.254", False),
])
def test_allowing_private_addresses_still_refuses_metadata_and_link_local(address, allowed):
    from ipaddress import ip_address

    assert PrivateAllowed().allows(ip_address(address), 443) is allowed


def test_an_ipv6_form_is_described_by_the_ipv4_address_inside():
    assert str(describe("::ffff:127.0.0.1")) == "an IPv6 form of 127.0.0.1, a loopback address (this machine)"


def test_the_refusal_names_the_address_and_the_setting(settings, monkeypatch):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    rebinding(monkeypatch, "intranet.example", first=["10.0.0.7"], then=["10.0.0.7"])
    with pytest.raises(AddressRefused) as caught:
        check_url("https://intranet.example/")
    message = caught.value.message
    assert "intranet.example" in message and "10.0.0.7" in message and "a private network address" in message
    assert "PARVIS_ALLOW_PRIVATE_URLS=1" in message


def test_allowed_private_addresses_never_include_cloud_metadata(settings, monkeypatch):
    settings.PARVIS_ALLOW_PRIVATE_URLS = True
    rebinding(monkeypatch, "metadata.example", first=["100.100.100.200"], then=["100.100.100.200"])
    with pytest.raises(AddressRefused) as caught:
        check_url("http://metadata.example/latest/")
    assert "cloud metadata" in caught.value.message and "even with PARVIS_ALLOW_PRIVATE_URLS" in caught.value.message


def test_a_name_with_one_private_address_among_public_ones_is_refused(settings, monkeypatch):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    rebinding(monkeypatch, "mixed.example", first=["93.184.215.14", "127.0.0.1"])
    with pytest.raises(AddressRefused):
        check_url("https://mixed.example/")


def test_a_name_that_does_not_resolve_is_said_so(settings, monkeypatch):
    def nowhere(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nowhere)
    with pytest.raises(UnsafeURLError) as caught:
        check_url("https://nowhere.example/")
    assert caught.value.message == "The server nowhere.example cannot be found."

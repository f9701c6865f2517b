"""One request's guard: where it may connect, and how long and how much it may take.

Both transports (httpx for most, requests for Mastodon.py) open their connections
through `connect_checked`: the name is resolved once, every address it resolves to is
judged by the policy, and the socket is connected to one of those very addresses, so
nothing can resolve the name again in between (DNS rebinding). TLS still runs against
the name (SNI, certificate check) and the Host header stays the name.

The guard is made active (a context variable) while the request's bytes move, so that
the code reading a socket, deep inside httpcore or http.client, can enforce a deadline
for the whole exchange: a server sending one byte every few seconds never trips a
per-read timeout, but it runs out of `Budget.total`. Moving data earns time
(`TRANSFER_FLOOR`): a large upload or download that progresses is not cut.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from ipaddress import ip_address
from typing import Any

from django.conf import settings

from parvis.core.http.addresses import AddressPolicy, default_policy, describe
from parvis.core.http.errors import AddressRefused, HostNotFound, TooSlow

# Every byte sent or received extends the deadline, at this rate: one second per 256 KB.
TRANSFER_FLOOR = 256 * 1024


@dataclass(frozen=True)
class Budget:
    timeout: float  # connecting, and each wait for data
    total: float  # the whole exchange (plus one second per TRANSFER_FLOOR bytes moved)
    max_bytes: int  # the largest answer read, once decompressed

    @classmethod
    def default(cls, **changes: Any) -> Budget:
        budget = cls(timeout=settings.PARVIS_HTTP_TIMEOUT, total=settings.PARVIS_HTTP_TOTAL_TIMEOUT,
                     max_bytes=settings.PARVIS_HTTP_MAX_BYTES)
        return replace(budget, **changes)


def longest_exchange(moved_bytes: int = 0) -> float:
    """The most seconds one request moving `moved_bytes` may take under the default
    budget: what a caller holding a lease (the publishing engine) must plan for."""
    return settings.PARVIS_HTTP_TOTAL_TIMEOUT + moved_bytes / TRANSFER_FLOOR


_active: contextvars.ContextVar[RequestGuard | None] = contextvars.ContextVar("parvis_http_guard", default=None)


class RequestGuard:
    def __init__(self, host: str, policy: AddressPolicy | None, budget: Budget, sent: int = 0) -> None:
        self.host = host
        self.policy = policy or default_policy()
        self.budget = budget
        self.started = time.monotonic()
        self.moved = sent

    @property
    def deadline(self) -> float:
        return self.started + self.budget.total + self.moved / TRANSFER_FLOOR

    def wait(self, timeout: float | None) -> float:
        """How long the next socket operation may block: its own timeout, cut to what is
        left of the budget. Raises TooSlow when nothing is left."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TooSlow(self.host, self.budget.total)
        return remaining if timeout is None else min(timeout, remaining)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def too_slow(self) -> TooSlow:
        return TooSlow(self.host, self.budget.total)

    def moved_bytes(self, count: int) -> None:
        self.moved += count

    @contextlib.contextmanager
    def active(self) -> Iterator[RequestGuard]:
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)


def current() -> RequestGuard | None:
    return _active.get()


def require_current() -> RequestGuard:
    guard = _active.get()
    if guard is None:  # a guarded connection opened outside a guarded request: refuse
        raise RuntimeError("guarded HTTP connection opened outside a guarded request")
    return guard


def resolve_checked(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Resolve `host` once and judge every address it gives. A name with one refused
    address among others is refused whole: it is either misconfigured or an attack.
    Returns the addresses to connect to, in the resolver's order."""
    name = host.strip("[]").rstrip(".")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise HostNotFound(name) from exc
    addresses = list(dict.fromkeys(
        str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
    if not addresses:
        raise HostNotFound(name)
    for address in addresses:
        ip = ip_address(address)
        if not policy.allows(ip, port):
            raise AddressRefused(name, address.split("%", 1)[0], describe(ip),
                                 private_allowed=policy.private_allowed)
    return addresses


def connect_checked(host: str, port: int, timeout: float | None,
                    socket_options: Any = None, source_address: Any = None) -> socket.socket:
    """A socket connected to a checked address of `host`, for the active request."""
    guard = require_current()
    error: OSError | None = None
    for address in resolve_checked(host, port, guard.policy):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(guard.wait(timeout))
            if source_address:
                sock.bind(source_address)
            sock.connect((address, port))
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if guard.expired():
                raise guard.too_slow() from exc
    assert error is not None
    raise error

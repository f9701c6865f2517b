"""The one way parvis talks HTTP to addresses people type: Mastodon instances, Bluesky
PDSes, webhooks, CSV media, and later feeds and every new network.

What it guarantees, for every request made through `client()` (httpx), a
`GuardedTransport` (the atproto SDK) or a session from `guard_session()` (Mastodon.py):

* the name is resolved once per connection, every address is judged by the address
  policy (`addresses.py`: globally routable only, unless PARVIS_ALLOW_PRIVATE_URLS),
  and the socket connects to a judged address: no second resolution can slip in;
* a redirect is refused where the protocol has none, and otherwise each hop is a new
  request through the same checks;
* the whole exchange stops at a deadline (`Budget.total`, not only per read), and the
  answer is read up to `Budget.max_bytes` once decompressed.

A refusal raises a `GuardError` with a message for people; the network packages turn
it into a `NetworkError`.
"""

from __future__ import annotations

from parvis.core.http.addresses import (
    AddressPolicy,
    PrivateAllowed,
    PublicOnly,
    classify,
    default_policy,
    override_policy,
)
from parvis.core.http.errors import (
    AddressRefused,
    GuardError,
    HostNotFound,
    RedirectRefused,
    ResponseTooLarge,
    TooSlow,
    UnsafeURLError,
)
from parvis.core.http.guard import Budget
from parvis.core.http.sessions import GuardedAdapter, guard_session
from parvis.core.http.transport import GuardedTransport, client
from parvis.core.http.urls import check_url, normalise_base_url

USER_AGENT = "parvis/0.1 (+https://github.com/parvis-social/parvis)"

__all__ = [
    "USER_AGENT", "AddressPolicy", "AddressRefused", "Budget", "GuardError", "GuardedAdapter",
    "GuardedTransport", "HostNotFound", "PrivateAllowed", "PublicOnly", "RedirectRefused",
    "ResponseTooLarge", "TooSlow", "UnsafeURLError", "check_url", "classify", "client", "default_policy",
    "guard_session", "normalise_base_url", "override_policy",
]

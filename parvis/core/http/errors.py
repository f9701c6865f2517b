"""What the guarded HTTP layer refuses, each with a message a person can act on.

These are not httpx or requests errors on purpose: both libraries, and the SDKs built on
them, let foreign exceptions pass through untouched, so a refusal reaches parvis's own
code as itself, wherever it happened (connecting, following a redirect, reading).
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOW_SETTING = "PARVIS_ALLOW_PRIVATE_URLS"


class GuardError(Exception):
    """A request the layer stopped. `transient`: the same request may work later (a name
    that does not resolve now, a server too slow now); otherwise retrying is pointless."""

    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsafeURLError(GuardError, ValueError):
    """The address is malformed, not http(s), or leads to an address parvis refuses."""


class AddressRefused(UnsafeURLError):
    """The name resolves to an address the policy refuses (private, loopback, metadata…)."""

    def __init__(self, host: str, address: str, reason: str, *, private_allowed: bool) -> None:
        if private_allowed:
            message = _("The server %(host)s is at %(address)s, %(reason)s: parvis never connects there, "
                        "even with %(setting)s.")
        elif host == address:
            message = _("%(address)s is %(reason)s: parvis does not connect there. If this server is on "
                        "your own network, set %(setting)s=1.")
        else:
            message = _("The server %(host)s is at %(address)s, %(reason)s: parvis does not connect there. "
                        "If this server is on your own network, set %(setting)s=1.")
        super().__init__(message % {"host": host, "address": address, "reason": reason,
                                    "setting": ALLOW_SETTING})
        self.host, self.address = host, address


class HostNotFound(UnsafeURLError):
    transient = True  # DNS comes back

    def __init__(self, host: str) -> None:
        super().__init__(_("The server %(host)s cannot be found.") % {"host": host})
        self.host = host


class RedirectRefused(GuardError):
    """A redirect where the protocol has none (an API, an app registration, a login):
    following it would send the request, and its secrets, somewhere nobody typed."""

    def __init__(self, host: str, status: int, location: str) -> None:
        super().__init__(
            _("The server %(host)s answered with a redirect (HTTP %(status)s) to %(location)s: parvis does "
              "not follow redirects here. If the server has moved, enter its new address.")
            % {"host": host, "status": status, "location": location[:200] or "?"})
        self.host, self.status, self.location = host, status, location


class ResponseTooLarge(GuardError):
    def __init__(self, host: str, limit: int) -> None:
        super().__init__(_("The server %(host)s sent an answer larger than %(limit)s: parvis stopped reading.")
                         % {"host": host, "limit": filesizeformat(limit)})
        self.host, self.limit = host, limit


class TooSlow(GuardError):
    """The whole exchange outlasted its budget (a server trickling bytes never trips a
    per-read timeout)."""

    transient = True

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(_("The server %(host)s did not finish answering within %(seconds)s s: parvis "
                           "stopped waiting.") % {"host": host, "seconds": f"{seconds:g}"})
        self.host, self.seconds = host, seconds


class UnsupportedEncoding(GuardError):
    def __init__(self, host: str, encoding: str) -> None:
        super().__init__(_("The server %(host)s compressed its answer as “%(encoding)s”, which parvis "
                           "does not read.") % {"host": host, "encoding": encoding[:40]})


"""What the guarded HTTP layer refuses, each with a message a person can act on.

These are not httpx or requests errors on purpose: both libraries, and the SDKs built on
them, let foreign exceptions pass through untouched, so a refusal reaches parvis's own
code as itself, wherever it happened (connecting, following a redirect, reading).

Each refusal keeps its words as a `Text` (source text and parameters): a refusal met by
a worker (polling, publishing, a webhook) is stored and read later by people who each
read their own language; `message` and str() give it in the active language.
"""

from __future__ import annotations

from parvis.core.texts import FileSize, Text, WordedError

ALLOW_SETTING = "PARVIS_ALLOW_PRIVATE_URLS"


class GuardError(WordedError):
    """A request the layer stopped. `transient`: the same request may work later (a name
    that does not resolve now, a server too slow now); otherwise retrying is pointless."""

    transient = False


class UnsafeURLError(GuardError, ValueError):
    """The address is malformed, not http(s), or leads to an address parvis refuses."""


class AddressRefused(UnsafeURLError):
    """The name resolves to an address the policy refuses (private, loopback, metadata…)."""

    def __init__(self, host: str, address: str, reason: str | Text, *, private_allowed: bool) -> None:
        params = {"host": host, "address": address, "reason": reason, "setting": ALLOW_SETTING}
        if private_allowed:
            text = Text.gettext("The server %(host)s is at %(address)s, %(reason)s: parvis never connects there, "
                                "even with %(setting)s.", **params)
        elif host == address:
            text = Text.gettext("%(address)s is %(reason)s: parvis does not connect there. If this server is on "
                                "your own network, set %(setting)s=1.", **params)
        else:
            text = Text.gettext("The server %(host)s is at %(address)s, %(reason)s: parvis does not connect "
                                "there. If this server is on your own network, set %(setting)s=1.", **params)
        super().__init__(text)
        self.host, self.address = host, address


class HostNotFound(UnsafeURLError):
    transient = True  # DNS comes back

    def __init__(self, host: str) -> None:
        super().__init__(Text.gettext("The server %(host)s cannot be found.", host=host))
        self.host = host


class RedirectRefused(GuardError):
    """A redirect where the protocol has none (an API, an app registration, a login):
    following it would send the request, and its secrets, somewhere nobody typed."""

    def __init__(self, host: str, status: int, location: str) -> None:
        super().__init__(Text.gettext(
            "The server %(host)s answered with a redirect (HTTP %(status)s) to %(location)s: parvis does "
            "not follow redirects here. If the server has moved, enter its new address.",
            host=host, status=status, location=location[:200] or "?"))
        self.host, self.status, self.location = host, status, location


class ResponseTooLarge(GuardError):
    def __init__(self, host: str, limit: int) -> None:
        super().__init__(Text.gettext("The server %(host)s sent an answer larger than %(limit)s: parvis stopped "
                                      "reading.", host=host, limit=FileSize(limit)))
        self.host, self.limit = host, limit


class TooSlow(GuardError):
    """The whole exchange outlasted its budget (a server trickling bytes never trips a
    per-read timeout)."""

    transient = True

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(Text.gettext("The server %(host)s did not finish answering within %(seconds)s s: "
                                      "parvis stopped waiting.", host=host, seconds=f"{seconds:g}"))
        self.host, self.seconds = host, seconds


class UnsupportedEncoding(GuardError):
    def __init__(self, host: str, encoding: str) -> None:
        super().__init__(Text.gettext("The server %(host)s compressed its answer as “%(encoding)s”, which "
                                      "parvis does not read.", host=host, encoding=encoding[:40]))

"""What the analytics clients share: the figures they read, the error they raise, and
one guarded POST that turns every way a request can fail into words for people.

The address and the token are the user's: the request goes through the guarded HTTP
layer (`parvis.core.http.client`: globally routable addresses only, the address pinned
against DNS rebinding, the answer size and time bounded) and redirects are refused,
since following one would carry the token somewhere nobody typed. The token is never
logged, never put in a URL, never in an error message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from parvis.core.http import client, normalise_base_url
from parvis.core.texts import Text, WordedError


@dataclass(frozen=True)
class DayFigure:
    """One goal's conversions on one day, as the analytics tool counts them (in the
    site's own time zone there)."""

    day: date
    goal: str
    count: int
    value: Decimal | None = None


class SourceError(WordedError):
    """A sync that failed, in parvis's words (kept as a `Text`, read in each language)."""


def http_client() -> httpx.Client:
    return client(redirects="refuse")


def api_url(base_url: str, path: str) -> str:
    """`path` under the address the person typed (UnsafeURLError, in words, if it is
    not an http(s) address)."""
    return normalise_base_url(base_url) + path


def post(http: httpx.Client, url: str, *, name: str, **kwargs: Any) -> Any:
    """POST and read a JSON answer; `name` is the tool's ("Matomo") for the messages."""
    try:
        response = http.post(url, **kwargs)
    except httpx.TimeoutException:
        raise SourceError(Text.gettext("%(tool)s did not answer in time.", tool=name)) from None
    except httpx.HTTPError as exc:  # GuardError is not one: it passes through, with its own words
        raise SourceError(Text.gettext("%(tool)s could not be reached (%(error)s).", tool=name,
                                       error=type(exc).__name__)) from None
    if response.status_code in (401, 403):
        raise SourceError(Text.gettext("%(tool)s refused the token (HTTP %(status)s): check it, and that it may "
                                       "read this site.", tool=name, status=response.status_code))
    if response.status_code == 404:
        raise SourceError(Text.gettext("%(tool)s answered “not found” (HTTP 404): check the address and the "
                                       "site.", tool=name))
    if response.status_code == 429:
        raise SourceError(Text.gettext("%(tool)s asked parvis to slow down (HTTP 429): the next sync will try "
                                       "again.", tool=name))
    if response.status_code >= 400:
        raise SourceError(Text.gettext("%(tool)s answered HTTP %(status)s: %(error)s", tool=name,
                                       status=response.status_code, error=error_of(response)))
    try:
        return json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(Text.gettext("%(tool)s did not answer with JSON: is this the right address?",
                                       tool=name)) from None


def error_of(response: httpx.Response) -> str:
    """The first words of an error answer, as data (the tool's own message)."""
    try:
        data = json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return response.text[:200].strip() or "?"
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or "")[:300] or "?"
    return "?"


def number(raw: Any) -> Decimal:
    """A figure from a JSON answer (an int, a float, or a string of one)."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int | float | str):
        return Decimal(str(raw))
    if raw is None:
        return Decimal(0)
    raise ValueError(raw)


def unexpected(name: str) -> SourceError:
    return SourceError(Text.gettext("%(tool)s answered with data parvis does not recognise.", tool=name))

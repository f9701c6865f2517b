"""Public posts read from networks for the keyword monitors (la veille), whatever the
network: what each network package's public reader returns, and the one error it raises.

The invariants a reader keeps, so that a monitor stores what it gets without checking:

* a `PublicPost` holds plain text (never markup) without control characters, and an
  aware `created_at` in UTC;
* `remote_id` names the post the same way wherever it was read (two instances, or a
  search and a stream, give one post the same id), so that de-duplication is a lookup;
* `counts` uses the shared keys `replies`, `reposts`, `likes`, `quotes`, and only
  those the network reported;
* every failure is a `ReadError` that says whether asking again can help, and when.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from parvis.core.texts import Text, WordedError

# Below this, a number in a rate-limit header is a delay in seconds; above, a unix time.
_EPOCH_FLOOR = 1_000_000_000


@dataclass(frozen=True)
class PublicPost:
    network: str
    remote_id: str
    url: str
    author_handle: str
    author_name: str
    author_id: str
    text: str
    created_at: datetime  # aware, UTC
    language: str = ""
    in_reply_to: str = ""  # the parent post's id as the network names it, "" for none
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Page:
    posts: list[PublicPost]
    cursor: str  # where to resume next time; "" if none
    # Seconds the server asked us to wait before the next request (its quota is spent),
    # said on a successful answer: the caller plans its next poll no sooner.
    retry_after: float | None = None


class ReadError(WordedError):
    """Reading failed. `transient`: the same request may work later (after `retry_after`
    seconds if the server said); otherwise asking again is pointless until someone
    changes something. `reconnect`: that something is the account's login."""

    def __init__(self, message: str | Text, *, transient: bool, retry_after: float | None = None,
                 reconnect: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.reconnect = reconnect

    def __repr__(self) -> str:
        return f"ReadError({self.message!r}, transient={self.transient}, retry_after={self.retry_after})"


def seconds_until(value: str | None, *, now: float | None = None) -> float | None:
    """The wait a rate-limit header asks for, in seconds (never negative), or None when
    it says nothing readable. Servers write it as a delay (`Retry-After: 120`), an HTTP
    date, an ISO 8601 time or a unix time in seconds (`RateLimit-Reset`)."""
    text = (value or "").strip()
    if not text:
        return None
    current = time.time() if now is None else now
    try:
        number = float(text)
    except ValueError:
        moment = aware_utc(text)
        if moment is None:
            try:
                moment = parsedate_to_datetime(text)
            except (TypeError, ValueError):
                return None
        return max(0.0, moment.timestamp() - current)
    if not math.isfinite(number):
        return None
    return max(0.0, number - current if number >= _EPOCH_FLOOR else number)


def aware_utc(value: Any) -> datetime | None:
    """An ISO 8601 time with its zone, in UTC; None for anything else (a time without a
    zone is ambiguous: the network's own fallback time is better than a guess)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def count(value: Any) -> int | None:
    """A counter from untrusted JSON: a non-negative integer, or None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def counts(**values: Any) -> dict[str, int]:
    """The counters a network reported, under the shared keys; the others left out."""
    return {key: number for key, raw in values.items() if (number := count(raw)) is not None}


@dataclass(frozen=True)
class PublicProfile:
    """A public account as the network shows it to anyone: its stable id, handle and
    public counts (None when the network did not say)."""

    network: str
    remote_id: str  # stable: a handle may change, this does not
    handle: str  # full, with "@" where the network writes one
    name: str
    url: str
    followers: int | None = None
    following: int | None = None
    posts: int | None = None


@dataclass
class Timeline:
    """An account's profile and its latest own posts (no replies to others, no reposts),
    newest first, each with its public counts as read now."""

    profile: PublicProfile
    posts: list[PublicPost]
    retry_after: float | None = None  # as Page.retry_after


class ProfileReader(Protocol):
    """What a network package offers la veille to follow a competitor's public account
    with (declared in its NetworkInfo as `profile_reader`, "module:Class").
    `needs_account`: the network only answers through one of the workspace's connected
    accounts (Instagram's business discovery); `read` is then given it."""

    needs_account: bool

    def normalise(self, typed: str) -> str | None:
        """The account's handle as stored, from what a person typed (its handle or its
        profile's address); None when `typed` is not one of this network's accounts."""
        ...

    def read(self, handle: str, *, account: Any = None, limit: int = 40) -> Timeline:
        """The profile and its latest `limit` own posts; ReadError when it cannot."""
        ...


@dataclass(frozen=True)
class StreamCursor:
    """Where to resume a network's stream of new public posts (NetworkInfo.public_stream):
    the time, in unix microseconds, of the last event read."""

    time_us: int


class PublicReader(Protocol):
    """What a network package offers la veille to read public posts with (declared in its
    NetworkInfo as `public_reader`, "module:Class"). `kinds`: what can be watched
    ("hashtag", "search"), each read from an instance the CM chooses. `account_kinds`:
    those of `kinds` the network answers only through a connected account (a full-text
    search): `read` is then given one, on the watched instance, and searches with its
    login; a `ReadError` with `reconnect` says that login was refused."""

    kinds: tuple[str, ...]
    account_kinds: tuple[str, ...]

    def page_url(self, instance_url: str, kind: str, term: str) -> str:
        """The public web page of what is watched (shown and linked to)."""
        ...

    def read(self, instance_url: str, kind: str, term: str, cursor: str, *, account: Any = None) -> Page:
        """The posts newer than `cursor`, and the cursor to resume from; ReadError else.
        `account` (a SocialAccount) is given for the `account_kinds`, None otherwise."""
        ...

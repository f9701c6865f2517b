"""The one contract every network package implements.

A connector wraps one connected account. It speaks the network's API through the
network's maintained client library, and translates that library's errors into
`NetworkError`, which tells the engine what to do next: give up (permanent), try again
later (transient, maybe after `retry_after` seconds), or ask a person to reconnect.

The unified inbox (replies, mentions, messages, moderation) is `InboxConnector`; metrics
(a later issue) will be `MetricsConnector`, so that every network package grows the same
way.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from parvis.core.texts import Text, WordedError

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount


class ErrorKind(enum.StrEnum):
    PERMANENT = "permanent"  # the same request will never succeed: invalid content, gone
    TRANSIENT = "transient"  # try again: timeouts, 5xx, rate limits
    RECONNECT = "reconnect"  # credentials revoked or expired: a person must reconnect


class NetworkError(WordedError):
    """A failure talking to a network, with what to do about it.

    The reason is a `Text` when parvis words it ("The Mastodon server had an error (HTTP
    503)"), kept untranslated so that each reader gets it in their own language, or a
    plain string when it is the network's (or the system's) own words, passed on as data.
    `message` reads it in the active language; `reason` is what to store or pass on.

    `uncertain` means the request may have reached the network and been applied (a
    timeout after sending, a dropped connection): the engine must reconcile before any
    retry instead of sending again blindly.
    """

    def __init__(
        self, message: str | Text, kind: ErrorKind, *, retry_after: float | None = None,
        uncertain: bool = False, field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.uncertain = uncertain
        self.field = field

    def __repr__(self) -> str:
        return f"NetworkError({self.kind}: {self.message!r}, retry_after={self.retry_after})"


@dataclass(frozen=True)
class Limits:
    """What one account's server accepts in a post."""

    max_chars: int
    max_media: int
    image_mime_types: frozenset[str]
    max_image_bytes: int
    url_length: int | None = None  # every URL counts as this many characters (Mastodon)
    max_alt_chars: int = 1500
    # Empty: the network (or this server) takes no video. A video is always alone in a post.
    video_mime_types: frozenset[str] = frozenset()
    max_video_bytes: int = 0


@dataclass(frozen=True)
class MediaFile:
    path: Path
    mime_type: str
    alt_text: str = ""
    size: int = 0
    width: int | None = None
    height: int | None = None
    # For networks that download media themselves (`NetworkInfo.media_by_url`): a signed
    # address of the file that works for a limited time; "" otherwise.
    url: str = ""
    duration: float | None = None  # seconds, for a video when known

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")


def _keep_nowhere(progress: dict[str, Any]) -> None:
    """A request built outside the engine (tests, checks) keeps its steps in memory only."""


@dataclass(frozen=True)
class PublishRequest:
    """One post to put on one account.

    `idempotency_key` is stable across every attempt of the same publication: networks
    that support it use it to refuse duplicates; the others use it to derive a
    deterministic identifier or to reconcile.

    Networks that publish in steps (a media container, then publishing it) find in
    `progress` what earlier attempts recorded (container ids…) and call `record` with the
    new state as soon as a step is done, before the next one: the engine writes it to the
    database at once, so that a crash resumes the same container instead of making
    another. `options` are this network's post options (a WordPress title, an Instagram
    first comment), already validated by the package's `options_form`.
    """

    text: str
    idempotency_key: str
    media: Sequence[MediaFile] = ()
    language: str | None = None
    created_at: datetime | None = None  # when the publication was created (stable)
    reply_to: ReplyTarget | None = None  # set for a reply from the inbox: thread it there
    options: Mapping[str, Any] = field(default_factory=dict)
    progress: Mapping[str, Any] = field(default_factory=dict)
    record: Callable[[dict[str, Any]], None] = _keep_nowhere
    scheduled_at: datetime | None = None  # the time it was planned for (blogs date articles)


@dataclass(frozen=True)
class RemotePost:
    remote_id: str
    url: str
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pending:
    """What `publish` returns while the network is still processing (a video container):
    nothing is held meanwhile; the engine asks again in `check_in` seconds, with the
    progress recorded so far. `note` says what is going on, for the publication's history
    ("Instagram is processing the video"; "the container had expired: made again")."""

    check_in: float
    note: str | Text = ""


class Presence(enum.StrEnum):
    FOUND = "found"  # the post is on the network
    ABSENT = "absent"  # the network says, for sure, that it is not
    UNKNOWN = "unknown"  # the network cannot be asked, or its answer is unsure


@dataclass(frozen=True)
class Lookup:
    """`find_published`'s answer. Only ABSENT lets the engine send again: UNKNOWN holds
    the publication as "to check" until a person says whether the post is there."""

    presence: Presence
    post: RemotePost | None = None
    reason: str | Text = ""

    @classmethod
    def found(cls, post: RemotePost) -> Lookup:
        return cls(Presence.FOUND, post)

    @classmethod
    def absent(cls) -> Lookup:
        return cls(Presence.ABSENT)

    @classmethod
    def unknown(cls, reason: str | Text) -> Lookup:
        return cls(Presence.UNKNOWN, reason=reason)


@dataclass(frozen=True)
class Credentials:
    """New credentials after a refresh, to be saved encrypted (`values` replace the old
    ones key by key), and when they stop working (None: they do not expire)."""

    values: dict[str, Any]
    expires_at: datetime | None


@dataclass(frozen=True)
class Problem:
    """Why a text or its media cannot be published on one network, before trying.
    `field` names the composer's field ("text", "media", "options.title"); `network` is
    the network's key, so that a problem reads "Instagram: an image or a video is needed"."""

    field: str  # "text", "media", or "options.<name>"
    message: str
    network: str = ""


@dataclass(frozen=True)
class Draft:
    """What per-network checks look at: the post as it would go out on one account."""

    text: str
    media: Sequence[MediaFile] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """Who an account is on its network, as read back after connecting."""

    remote_id: str
    handle: str
    display_name: str
    url: str
    avatar_url: str = ""


class Connector(Protocol):
    """One connected account on one network."""

    network: ClassVar[str]

    def identity(self) -> Identity:
        """Check the credentials and say who this account is."""
        ...

    def limits(self) -> Limits: ...

    def count(self, text: str) -> int:
        """The length of `text` as this network counts it: its `NetworkInfo.count` with
        this account's limits."""
        ...

    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        """Publish, or (networks that publish in steps) take the next step and say when
        to come back. Raises NetworkError."""
        ...

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        """Look on the network for a post that an earlier, uncertain attempt of the same
        request may have created: found (with it), absent for sure, or unknown."""
        ...

    def delete(self, remote_id: str) -> None: ...

    def checks(self, draft: Draft) -> list[Problem]:
        """What this network refuses that the common checks (length, media count, types
        and sizes from `limits`) do not see: media required, a title required, carousel
        sizes, aspect ratios, reserved characters."""
        ...

    def refresh_credentials(self) -> Credentials:
        """New credentials before the current ones expire. Raises NetworkError (RECONNECT
        when the network refuses: a person must connect the account again)."""
        ...

    def warnings(self) -> list[str | Text]:
        """What the accounts page should say about the account beyond its status."""
        ...

    def after_connect(self) -> list[str | Text]:
        """Set up, once an account is connected (or connected again), what the network
        needs for parvis to hear from it (a webhook subscription). Never raises: what
        could not be done is returned, in words, for the person who connected it."""
        ...


class BaseConnector:
    """Sensible defaults for a network package's connector: subclass it and override what
    the network does differently. The defaults are the safe ones: `find_published` cannot
    ask (so an uncertain attempt waits for a person instead of posting twice), no extra
    checks, credentials that do not expire."""

    network: ClassVar[str] = ""

    def __init__(self, account: SocialAccount) -> None:
        self.account = account

    def limits(self) -> Limits:
        raise NotImplementedError

    def count(self, text: str) -> int:
        from parvis.networks import registry  # the registry imports the packages

        return registry.get(self.network).count(text, self.limits())

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        return Lookup.unknown(Text.gettext("This network cannot be asked whether the post went out."))

    def checks(self, draft: Draft) -> list[Problem]:
        return []

    def warnings(self) -> list[str | Text]:
        """What the accounts page should say about this account beyond its status (the API
        version parvis speaks ending soon…). Never a network call: the page lists them all."""
        return []

    def after_connect(self) -> list[str | Text]:
        return []

    def refresh_credentials(self) -> Credentials:
        raise NetworkError(Text.gettext("These credentials cannot be refreshed: connect the account again."),
                           ErrorKind.RECONNECT)


class ItemKind(enum.StrEnum):
    """What an inbound item is, to the brand."""

    REPLY = "reply"  # an answer to one of the account's posts (or to a reply in its thread)
    MENTION = "mention"  # names the account without answering it
    QUOTE = "quote"  # quotes one of the account's posts
    MESSAGE = "message"  # a direct/private message
    OWN = "own"  # written by the account itself (our replies, our posts in a thread)
    CONTEXT = "context"  # someone else's post kept only as thread context


@dataclass(frozen=True)
class RemoteAuthor:
    """Who wrote an inbound item, as the network describes them.

    `key` is stable and global on the network (`user@domain` on Mastodon, the DID on
    Bluesky); `remote_id` is the id that the account's own server uses in API calls
    (mute, block, report), which on Mastodon differs from one server to another.
    """

    key: str
    remote_id: str
    handle: str
    display_name: str = ""
    url: str = ""
    avatar_url: str = ""
    bio: str = ""  # plain text
    followers: int | None = None


@dataclass(frozen=True)
class InboundItem:
    """One post or message addressed to the account (or around it, as context).

    Text is plain text (the connector turns the network's HTML or facets into text);
    it stays untrusted and is escaped wherever it is shown. `thread_key` groups items
    into one conversation: the root post's id for a public thread, the network's
    conversation id for private messages.
    """

    remote_id: str
    kind: ItemKind
    author: RemoteAuthor
    text: str
    created_at: datetime
    thread_key: str
    url: str = ""
    edited_at: datetime | None = None
    in_reply_to_id: str | None = None  # the parent's remote id
    root_id: str | None = None  # the thread root's remote id
    language: str | None = None  # as declared by the author's client, often missing
    private: bool = False
    # What the network needs to act on the item later (Bluesky: cid, root/parent refs).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboxPage:
    """What one poll brought back. `cursor` is opaque and stored as is: the connector
    gets it back on the next poll (`None` on the very first one). `more` says the
    network has more waiting right now, so the poller should come back soon."""

    items: list[InboundItem]
    cursor: str | None
    more: bool = False


@dataclass(frozen=True)
class ReplyTarget:
    """Where a reply goes: the item answered and its thread root (with their network
    references, e.g. Bluesky's uri + cid)."""

    remote_id: str
    root_id: str
    extra: dict[str, Any] = field(default_factory=dict)


class Moderation(enum.StrEnum):
    LIKE = "like"
    UNLIKE = "unlike"
    BOOST = "boost"
    UNBOOST = "unboost"
    HIDE = "hide"  # hide a reply under our own post (Bluesky threadgate); not on Mastodon
    UNHIDE = "unhide"
    MUTE = "mute"  # the author
    BLOCK = "block"  # the author
    REPORT = "report"  # the author, with the item as evidence


class InboxConnector(Protocol):
    """What the unified inbox asks of a network (besides `publish` with `reply_to`
    and `delete`, which replies share with posts)."""

    def inbox_streams(self) -> Sequence[str]:
        """The names of the separate cursors this network keeps (Mastodon:
        notifications and conversations; Bluesky: notifications)."""
        ...

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        """Items newer than `cursor`, oldest first. On the first poll (no cursor), only
        the recent ones: the inbox starts from the connection, not from all history."""
        ...

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        """The current state of items already ingested: edited text, or None for an item
        that was deleted on the network (or that we may no longer see). An id left out of
        the answer is one the network cannot tell about (Meta reads only a conversation's
        newest messages): the inbox keeps it as it is."""
        ...

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        """The posts above `remote_id` in its thread, root first (ours included)."""
        ...

    def moderations(self) -> frozenset[Moderation]:
        """The actions this network really offers."""
        ...

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        """Apply `action` to an item (like, boost, hide) or to its author (mute, block,
        report). Raises NetworkError; an action the network lacks is PERMANENT."""
        ...


# The names analytics keeps metrics under, whatever the network: each network package
# maps its own names to these in `NetworkInfo.metric_names` (a name it does not map is
# not kept). Interactions are likes + replies + reposts + quotes + shares + saves;
# clicks, views and reach are counted apart.
POST_METRICS = ("likes", "replies", "reposts", "quotes", "shares", "saves", "clicks", "views", "reach")
ACCOUNT_METRICS = ("followers", "following", "posts")


def counters(data: Any, names: Sequence[str]) -> dict[str, int]:
    """The counters among `names` that a network's answer gave as numbers (an answer
    may leave some out: an older server without quotes)."""
    return {name: int(data[name]) for name in names
            if isinstance(data.get(name), int) and not isinstance(data.get(name), bool)}


class MetricsConnector(Protocol):
    """What analytics reads from a connected account (a connector has these methods
    when its network gives figures)."""

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Each post's counters as read now, under the network's own names; a post the
        network no longer shows (deleted, or too young for insights) is left out rather
        than failing the others. NetworkError otherwise (a rate limit is TRANSIENT, with
        `retry_after` when the network said)."""
        ...

    def fetch_account_metrics(self) -> dict[str, int]:
        """The account's counts now (followers among them, when the network gives them),
        under the network's own names; NetworkError as above."""
        ...


# -- contests: who took part in a post ------------------------------------------------

CONTEST_WAYS = ("reply", "repost", "like", "follow")


@dataclass(frozen=True)
class Participant:
    """Someone who took part in a post: replied to it, reposted it or liked it, or
    followed the account that published it."""

    stable_id: str  # the network's stable id for the person (never the handle, which can change)
    handle: str  # as people read it
    display_name: str
    created_at: datetime | None  # the account's creation, when the network says
    bot: bool  # the account says it is automated
    way: str  # one of CONTEST_WAYS
    at: datetime | None  # when they took part, when the network says (replies and follows do)
    text: str = ""  # a reply's plain text (untrusted)
    remote_id: str = ""  # the reply's id; a follow's (its notification or record), when the network gives one


@dataclass(frozen=True)
class ParticipantPage:
    participants: list[Participant]
    cursor: str | None  # None: nothing more


class ContestConnector(Protocol):
    """What a contest asks of a network: who took part in one of the account's posts, page
    by page, whether they follow the account, and a private word to the winner.

    A participant is one reply (a person who replied twice comes twice, each with its
    `remote_id`), one repost, one like or one follow; the account's own never come. For
    "follow", `remote_id` is still the post's: a participant is one follow of the account
    that the network still shows, from the newest down to (about) the post's time, with
    `at` its time, so that the caller keeps those within the contest's dates. `cursor` is
    opaque: the caller stores it and gives it back for the next page. A rate limit raises
    NetworkError(TRANSIENT, retry_after=seconds): the caller keeps the cursor it had and
    asks again with it later, losing nothing."""

    def contest_ways(self) -> frozenset[str]:
        """The ways of taking part this network can list, among CONTEST_WAYS."""
        ...

    def participants(self, remote_id: str, way: str, cursor: str | None) -> ParticipantPage:
        """One page of the people who took part in post `remote_id` that `way`
        (`cursor` None: the first page). A way the network does not list is PERMANENT."""
        ...

    def followers_among(self, stable_ids: Sequence[str]) -> dict[str, bool]:
        """Whether each of these people follows the account (an unknown id: False)."""
        ...

    def send_direct(self, stable_id: str, handle: str, text: str) -> str | None:
        """A private message to one person; its remote id, or None when the network cannot
        send one (then the caller replies publicly instead). Raises NetworkError."""
        ...


def load_cursor(cursor: str) -> dict[str, Any]:
    """A contest reading's cursor as the connector wrote it (JSON): anything else is a
    PERMANENT error, never a crash, since cursors come back from the database."""
    try:
        state = json.loads(cursor)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        raise NetworkError(Text.gettext("This page marker is not one parvis wrote."), ErrorKind.PERMANENT)
    return state

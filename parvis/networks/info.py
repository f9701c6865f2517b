"""What the rest of parvis asks of a network, declared by the network's own package.

Each package (`parvis/networks/<name>/info.py`) declares one `INFO = NetworkInfo(...)`,
stating only what differs from the defaults below (or a subclass overriding a method,
for a rule a field cannot say). The settings import this module: no Django here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import grapheme

from parvis.networks.text import find_links

if TYPE_CHECKING:
    from parvis.networks.base import Limits


def gettext_noop(message: str) -> str:
    """Marks a string for translation where it is shown (makemessages finds it by this
    name). Django's own reads the settings, which are not loaded when they import this."""
    return message


@dataclass(frozen=True)
class NetworkInfo:
    key: str  # stored in the database; also the CSS class of the network's badges
    label: str  # the brand's name, never translated
    connector_path: str  # "module:Class", imported only when used
    app: str = ""  # the Django app (default: the package the registry names)
    urls: str = ""  # its URL module, included at the site root (default: <app>.urls)
    connect_url_name: str = ""  # default: "<key>:connect"

    # -- how it looks (rendered into /networks.css, see `parvis.networks.style`) ------
    colour: str = "#667085"
    preview_background: str = ""  # "" : a light tint of `colour`
    preview_border: str = ""
    event_background: str = ""  # calendar events coloured by network
    avatar_radius: str = "50%"  # the author's picture in a preview, as the network draws it
    image_radius: str = "8px"  # the images of a post in a preview
    icon: str = ""  # a static path to an SVG in the package's static folder, or a short glyph

    # -- handles and mentions ------------------------------------------------------------
    # How a full handle is written, for help texts (mark it with gettext_noop: it is
    # translated where shown), and a sample one for examples.
    handle_syntax: str = "@name"
    handle_example: str = "@brand"
    # A full handle of this network, without the leading "@" (None: none is recognised).
    # Networks are asked in registry order; keep the syntaxes apart (Mastodon: an "@"
    # inside, Bluesky: a dot and no "@").
    handle_re: re.Pattern[str] | None = None
    # A mention as written in a post (group 1: the handle without "@").
    mention_re: re.Pattern[str] | None = None

    # -- how text is counted against the limit ------------------------------------------
    counts_graphemes: bool = True  # False: code points, like Python's len()
    # Where the network folds a long text behind "… more" in a feed (characters shown
    # before it; None: shown whole). The composer's preview cuts there.
    preview_fold: int | None = None
    # Links in a post's text are links, and the first one shows its page's card (False:
    # the network shows them as plain text).
    link_cards: bool = True
    url_length: int | None = None  # every link counts as this many (unless Limits says)

    # -- replies -------------------------------------------------------------------------
    # The reply must carry @mentions of whom it answers (the connector's `reply_text` and
    # `reply_prefill` say which).
    replies_need_mentions: bool = False
    # A private message can be answered only this long after the person's last message
    # (Meta's standard messaging window: 24 hours); None: at any time.
    private_reply_window: timedelta | None = None

    # -- credentials that expire (see `parvis.networks.tokens`) -------------------------
    # Refresh this long before they expire (None: the network gives no refresh, or they
    # do not expire); warn the owners this long before an expiry nothing renewed.
    refresh_ahead: timedelta | None = None
    warn_before: timedelta = timedelta(days=7)

    # -- posts ---------------------------------------------------------------------------
    # The package's post options: "module:Class" of a Django form whose cleaned data are
    # the options the connector finds in `PublishRequest.options` ("" : none).
    options_form: str = ""
    # Public posts la veille can watch without an account (parvis.networks.public.
    # PublicReader): "module:Class", "" for none.
    public_reader: str = ""
    # Competitors' public accounts la veille can follow (parvis.networks.public.
    # ProfileReader): "module:Class", "" for none.
    profile_reader: str = ""
    # Every new public post of the network as a stream ("module:function" called as
    # `(url, *, cursor_us, max_events, timeout, stop)` and yielding PublicPost and, from
    # time to time, a parvis.networks.public.StreamCursor to resume from), and the name of
    # the setting that holds its address (empty: off). "" for none.
    public_stream: str = ""
    public_stream_setting: str = ""
    # The network downloads media from an address parvis gives it (Meta): the engine
    # fills `MediaFile.url` with a signed, expiring address of the file.
    media_by_url: bool = False
    # Parts of the user agents with which the network (or its servers) fetch a link's
    # page to show its card, lower case: parvis's short links do not count them as clicks.
    link_preview_agents: tuple[str, ...] = ()

    # -- figures (analytics) -------------------------------------------------------------
    # The network's names of the counters its connector's `fetch_metrics` and
    # `fetch_account_metrics` return, mapped to parvis's (parvis.networks.base.
    # POST_METRICS and ACCOUNT_METRICS); a name not listed is not kept. Empty: the network
    # gives no figures.
    metric_names: Mapping[str, str] = field(default_factory=dict)
    # How long after a post its figures may still be revised by the network (Meta's lag
    # up to 48 hours): figures read before are shown as provisional. None: final as read.
    metrics_settle: timedelta | None = None

    # -- contests (parvis.relations.contests) --------------------------------------------
    # The clauses the network's own rules require in a contest's rules, by language ("fr",
    # "en"): the contest's rules quote them as they are. Empty: the network requires none.
    contest_clauses: Mapping[str, str] = field(default_factory=dict)
    # The network forbids running a promotion through personal timelines and friend
    # connections ("share to enter", "tag your friends to enter"): a contest here may not
    # ask for reposts nor for mentions.
    contests_forbid_shares_and_tags: bool = False

    def __post_init__(self) -> None:
        if self.app and not self.urls:
            object.__setattr__(self, "urls", f"{self.app}.urls")
        object.__setattr__(self, "connect_url_name", self.connect_url_name or f"{self.key}:connect")

    def owns_handle(self, handle: str) -> bool:
        """Whether a full handle ("@alice@example.social") names an account here."""
        return bool(self.handle_re and self.handle_re.fullmatch(handle.lstrip("@")))

    def shown_handle(self, handle: str) -> str:
        """How an account's handle is shown (a network whose handles carry an id says the
        name alone)."""
        return handle

    def handle_aliases(self, handle: str) -> set[str]:
        """The ways people write an account's handle, given without "@" (the importer
        matches them all)."""
        return {handle}

    def public_feed(self, typed: str) -> str | None:
        """The address of the public feed (RSS or Atom) of the account someone typed (its
        handle or its profile's address) for la veille to follow; None when `typed` is
        not one of this network's accounts, or the network publishes no such feed."""
        return None

    def handle_of_feed(self, url: str) -> str | None:
        """The account's full handle (with "@") whose public feed is at `url` (the
        inverse of `public_feed`), to mention it in a post; None if not this network's."""
        return None

    def countable_text(self, text: str, url_length: int | None) -> str:
        """The text as the network measures it."""
        if not url_length:
            return text
        out, cursor = [], 0
        for span in find_links(text):
            out += [text[cursor:span.start], "x" * url_length]
            cursor = span.end
        out.append(text[cursor:])
        return "".join(out)

    def count(self, text: str, limits: Limits | None = None) -> int:
        """The length of `text` against the limit; `limits` (an account's server's)
        may set its own link length."""
        countable = self.countable_text(text, (limits.url_length if limits else None) or self.url_length)
        return grapheme.length(countable) if self.counts_graphemes else len(countable)

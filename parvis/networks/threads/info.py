"""Threads as the rest of parvis sees it (see `parvis.networks.info`).

Handles are bare usernames ("@brand"): a bare "@name" is for every network, so Threads
claims no handle syntax (`handle_re` is None) and never takes a handle from Mastodon
("@name@server") or Bluesky ("@name.bsky.social"). Mentions in a post are @username.

Counting (Threads API posts reference, meta.md 3.3): 500 characters, where an emoji
counts as many as its UTF-8 bytes. The reference says "UTF-8" and nothing finer; parvis
counts a character outside the Basic Multilingual Plane (emoji, and rarer scripts) as
its UTF-8 length, every other code point as one, as the loopback fake does.

Long-lived tokens last 60 days and are refreshed with `th_refresh_token` once a day old:
refreshed 10 days ahead, so that a failing refresh has days of retries before the owners
are warned.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from parvis.networks.info import NetworkInfo, gettext_noop
from parvis.networks.meta_promotions import clauses as promotion_clauses

if TYPE_CHECKING:
    from parvis.networks.base import Limits

# @username: letters, digits, "." and "_" (30 at most), not the "@user" of "@user@server".
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_](?:[A-Za-z0-9._]{0,28}[A-Za-z0-9_])?)(?![\w@])")


def threads_length(text: str) -> int:
    return sum(len(char.encode()) if ord(char) > 0xFFFF else 1 for char in text)


class ThreadsInfo(NetworkInfo):
    def count(self, text: str, limits: Limits | None = None) -> int:
        return threads_length(text)


INFO = ThreadsInfo(
    "threads", "Threads", "parvis.networks.threads.connector:ThreadsConnector",
    colour="#101010", preview_background="#fafafa", preview_border="#dbdbdb", event_background="#ececec",
    icon="@", handle_syntax=gettext_noop("@name"), handle_example="@brand", handle_re=None,
    mention_re=MENTION_RE, counts_graphemes=False,
    refresh_ahead=timedelta(days=10), warn_before=timedelta(days=7),
    options_form="parvis.networks.threads.options:OptionsForm", media_by_url=True,
    metric_names={"likes": "likes", "replies": "replies", "reposts": "reposts", "quotes": "quotes",
                  "shares": "shares", "views": "views", "followers_count": "followers"},
    # Meta revises insights for up to 48 hours after the fact (meta.md 6): figures read
    # before then are shown as provisional.
    metrics_settle=timedelta(hours=48),
    link_preview_agents=("facebookexternalhit", "threads"),
    # Meta's promotion rules (see parvis.networks.meta_promotions for the wording relied on).
    contest_clauses=promotion_clauses("Threads and Instagram"),
)

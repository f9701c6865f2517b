"""Bluesky as the rest of parvis sees it (see `parvis.networks.info`)."""

from __future__ import annotations

import re

from parvis.networks.info import NetworkInfo, gettext_noop

# Handles are domain names: a dot says so ("name.bsky.social"), an "@" would be Mastodon's.
HANDLE_RE = re.compile(r"[^@]*\.[^@]*", re.DOTALL)
# A mention: @alice.bsky.social
MENTION_RE = re.compile(
    r"(?<![\w@/])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)

INFO = NetworkInfo(
    "bluesky", "Bluesky", "parvis.networks.bluesky.connector:BlueskyConnector",
    colour="#1185fe", preview_background="#f7fbff", preview_border="#cfe3ff", event_background="#e7f2ff",
    image_radius="12px", handle_syntax=gettext_noop("@name.bsky.social"),
    handle_example="@brand.bsky.social", handle_re=HANDLE_RE, mention_re=MENTION_RE,
)

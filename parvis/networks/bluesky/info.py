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

# What people type for an account whose feed la veille follows: its handle under
# bsky.social (a custom domain handle would be taken for a web site: its profile's address
# says it), or its profile on bsky.app, whose "/rss" is the account's public feed.
TYPED_HANDLE = re.compile(r"@?((?:[A-Za-z0-9-]+\.)+bsky\.social)", re.IGNORECASE)
PROFILE = re.compile(r"https://bsky\.app/profile/([^/?#\s]+)(?:/rss)?/?")


class BlueskyInfo(NetworkInfo):
    def public_feed(self, typed: str) -> str | None:
        typed = typed.strip()
        if match := TYPED_HANDLE.fullmatch(typed):
            return f"https://bsky.app/profile/{match[1].lower()}/rss"
        if match := PROFILE.fullmatch(typed):
            return f"https://bsky.app/profile/{match[1]}/rss"
        return None

    def handle_of_feed(self, url: str) -> str | None:
        # A profile named by its DID has no handle to write in a post.
        match = PROFILE.fullmatch(url.strip())
        return f"@{match[1].lower()}" if match and not match[1].startswith("did:") else None


INFO = BlueskyInfo(
    "bluesky", "Bluesky", "parvis.networks.bluesky.connector:BlueskyConnector",
    colour="#1185fe", preview_background="#f7fbff", preview_border="#cfe3ff", event_background="#e7f2ff",
    image_radius="12px", handle_syntax=gettext_noop("@name.bsky.social"),
    handle_example="@brand.bsky.social", handle_re=HANDLE_RE, mention_re=MENTION_RE,
    public_reader="parvis.networks.bluesky.public:SearchReader",
    public_stream="parvis.networks.bluesky.public:read_jetstream", public_stream_setting="PARVIS_BLUESKY_JETSTREAM",
    profile_reader="parvis.networks.bluesky.public:ProfileReader",
    link_preview_agents=("cardyb", "bluesky"),  # the app's card service
    # The AppView's counters of a post view and of a profile (final as read).
    metric_names={"likeCount": "likes", "repostCount": "reposts", "replyCount": "replies", "quoteCount": "quotes",
                  "followersCount": "followers", "followsCount": "following", "postsCount": "posts"},
)

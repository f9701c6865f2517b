"""Mastodon as the rest of parvis sees it (see `parvis.networks.info`)."""

from __future__ import annotations

import re

from parvis.networks.info import NetworkInfo, gettext_noop

# A full handle is "name@server" (a fediverse account): the server part is what says so.
HANDLE_RE = re.compile(r"[^@]*@.*", re.DOTALL)
# A mention: @user or @user@domain
MENTION_RE = re.compile(
    r"(?<![\w/])@([a-zA-Z0-9_]+(?:[a-zA-Z0-9_.-]+[a-zA-Z0-9_]+)?)(@[a-zA-Z0-9.-]+[a-zA-Z0-9])?"
)


# What people type for an account whose feed la veille follows: "@name@server" or the
# profile's address; every Mastodon account publishes its public posts at "<profile>.rss".
TYPED_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,30})@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
PROFILE = re.compile(r"https://([A-Za-z0-9.-]+\.[A-Za-z]{2,})/@([A-Za-z0-9_]{1,30})/?(?:\.rss)?")
FEED = re.compile(r"https://([A-Za-z0-9.-]+\.[A-Za-z]{2,})/@([A-Za-z0-9_]{1,30})\.rss")


def typed_account(typed: str) -> tuple[str, str] | None:
    """(name, server) of the account someone typed as "@name@server", "name@server" or its
    profile's address (with or without ".rss"); None for anything else."""
    typed = typed.strip()
    if match := TYPED_HANDLE.fullmatch(typed):
        return match[1], match[2].lower()
    if match := PROFILE.fullmatch(typed):
        return match[2], match[1].lower()
    return None


class MastodonInfo(NetworkInfo):
    def public_feed(self, typed: str) -> str | None:
        found = typed_account(typed)
        return f"https://{found[1]}/@{found[0]}.rss" if found else None

    def handle_of_feed(self, url: str) -> str | None:
        match = FEED.fullmatch(url.strip())
        return f"@{match[2]}@{match[1].lower()}" if match else None

    def handle_aliases(self, handle: str) -> set[str]:
        # "brand" is enough for "brand@example.social" (unless two servers have a "brand").
        return {handle, handle.split("@", 1)[0]}

    def countable_text(self, text: str, url_length: int | None) -> str:
        # A remote mention "@user@domain" counts as "@user".
        linked = super().countable_text(text, url_length)
        return MENTION_RE.sub(lambda m: "@" + m.group(1), linked)


INFO = MastodonInfo(
    "mastodon", "Mastodon", "parvis.networks.mastodon.connector:MastodonConnector",
    colour="#6364ff", preview_background="#fbfaff", preview_border="#d9d4ff", event_background="#eeeeff",
    avatar_radius="8px", handle_syntax=gettext_noop("@name@server"),
    handle_example="@brand@example.social", handle_re=HANDLE_RE, mention_re=MENTION_RE, url_length=23,
    replies_need_mentions=True, public_reader="parvis.networks.mastodon.public:HashtagReader",
    profile_reader="parvis.networks.mastodon.public:ProfileReader",
    # Every server that shows a post fetches its link's card (and its fediverse kin do too).
    link_preview_agents=("mastodon/", "pleroma", "akkoma", "misskey", "gotosocial"),
    # The counters of a status and of an account as the API gives them (final as read).
    metric_names={"favourites_count": "likes", "reblogs_count": "reposts", "replies_count": "replies",
                  "followers_count": "followers", "following_count": "following", "statuses_count": "posts"},
)

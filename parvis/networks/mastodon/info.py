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


class MastodonInfo(NetworkInfo):
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
    replies_need_mentions=True,
)

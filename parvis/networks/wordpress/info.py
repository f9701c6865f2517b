"""WordPress as the rest of parvis sees it (see `parvis.networks.info`).

A blog has no handles or mentions: an account is a user of one site, shown as
`user@site`, which no other network's handle syntax is asked about. An article's length
is not limited; it is counted in characters as people see them.
"""

from __future__ import annotations

from parvis.networks.info import NetworkInfo

INFO = NetworkInfo(
    "wordpress", "WordPress", "parvis.networks.wordpress.connector:WordPressConnector",
    colour="#21759b", preview_background="#f6fafc", preview_border="#c5dde8", event_background="#e4f0f6",
    avatar_radius="50%", image_radius="0", icon="W",
    handle_syntax="", handle_example="", handle_re=None, mention_re=None,
    replies_need_mentions=False,
    options_form="parvis.networks.wordpress.options:OptionsForm",
)

"""Instagram as the rest of parvis sees it (see `parvis.networks.info`)."""

from __future__ import annotations

import re
from datetime import timedelta

from parvis.networks.info import NetworkInfo
from parvis.networks.meta_promotions import clauses as promotion_clauses

# A mention: @ and a username (letters, digits, "." and "_", at most 30).
MENTION_RE = re.compile(r"(?<![\w.@])@([A-Za-z0-9._]{1,30})(?![\w@])")

INFO = NetworkInfo(
    "instagram", "Instagram", "parvis.networks.instagram.connector:InstagramConnector",
    colour="#d62976", preview_background="#fff8fb", preview_border="#f3c6da", event_background="#fde8f1",
    preview_fold=125,  # characters of a feed post before "… more"
    link_cards=False,  # a caption's links are not clickable
    image_radius="0", handle_syntax="@name", handle_example="@brand", mention_re=MENTION_RE,
    # Instagram-Login tokens last 60 days and can be refreshed once a day old; tokens
    # through Facebook Login (Page tokens) do not expire.
    refresh_ahead=timedelta(days=20), warn_before=timedelta(days=7),
    options_form="parvis.networks.instagram.options:OptionsForm", media_by_url=True,
    private_reply_window=timedelta(hours=24),  # the standard messaging window (meta.md, 5.5)
    profile_reader="parvis.networks.instagram.competitors:ProfileReader",
    # `total_interactions` is not kept: parvis adds up its own interactions.
    metric_names={"likes": "likes", "comments": "replies", "shares": "shares", "saved": "saves", "views": "views",
                  "reach": "reach", "followers_count": "followers", "follows_count": "following",
                  "media_count": "posts"},
    # Meta revises insights for up to 48 hours after the fact (meta.md 6): figures read
    # before then are shown as provisional.
    metrics_settle=timedelta(hours=48),
    link_preview_agents=("facebookexternalhit",),
    # Meta's promotion rules (see parvis.networks.meta_promotions for the wording relied on).
    contest_clauses=promotion_clauses("Instagram"),
)

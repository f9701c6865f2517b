"""Facebook Pages as the rest of parvis sees it (see `parvis.networks.info`)."""

from __future__ import annotations

from datetime import timedelta

from parvis.networks.info import NetworkInfo
from parvis.networks.meta_promotions import clauses as promotion_clauses

INFO = NetworkInfo(
    "facebook", "Facebook", "parvis.networks.facebook.connector:FacebookConnector",
    colour="#1877f2", preview_background="#f5f8ff", preview_border="#c9dafc", event_background="#e7effe",
    preview_fold=480,  # characters of a feed post before "… more"
    handle_syntax="@name", handle_example="@brand",
    # Page tokens obtained from a long-lived user token do not expire: nothing to refresh.
    options_form="parvis.networks.facebook.options:OptionsForm", media_by_url=True,
    private_reply_window=timedelta(hours=24),  # Messenger's standard messaging window (meta.md, 5.5)
    # `fan_count` (people who like the Page, the older measure) is not kept: followers are.
    metric_names={"post_reactions_like_total": "likes", "post_clicks": "clicks", "post_media_view": "views",
                  "post_total_media_view_unique": "reach", "followers_count": "followers"},
    # Meta revises insights for up to 48 hours after the fact (meta.md 6): figures read
    # before then are shown as provisional.
    metrics_settle=timedelta(hours=48),
    link_preview_agents=("facebookexternalhit", "facebookcatalog"),
    # Meta's promotion rules (see parvis.networks.meta_promotions for the wording relied on).
    contest_clauses=promotion_clauses("Facebook", timelines=True),
    contests_forbid_shares_and_tags=True,
)

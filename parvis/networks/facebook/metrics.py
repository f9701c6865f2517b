"""Facebook Page post insights: the metric names parvis asks for, and when Meta changed
them (`GET /{page-post-id}/insights?metric=...`; docs/networks/meta.md, 6.3 and 6.5).

| metric | state | since / until |
| --- | --- | --- |
| post_media_view | current: views of the post's media | by 2025 (views family) |
| post_total_media_view_unique | current: people who saw it ("viewers") | after v25 (2026-02-18) |
| post_reactions_like_total | current | — |
| post_clicks | current | — |
| post_impressions, post_impressions_unique and their paid/organic/viral splits | removed | 2026-06-15, all versions |
| post_video_views_10s* | removed | with the v21 migration (2025) |

Videos and reels answer on `/{video-id}/video_insights`, not here; a metric Meta does
not know answers "(#100) The value must be a valid insights metric".

The Page's own counts are fields of the Page, not insights (`GET /{page-id}?fields=
followers_count,fan_count`): `followers_count` are its followers, `fan_count` the people
who like it (the older measure, kept by Meta but not by parvis). `page_fans` and its
family of insights were removed on 2025-11-15 (meta.md 6.5).
"""

from __future__ import annotations

from collections.abc import Sequence

from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.graph import GRAPH_VERSION, GraphClient, insight_values

API_VERSION = GRAPH_VERSION  # the table above holds for this version
POST_METRICS = ("post_media_view", "post_total_media_view_unique", "post_reactions_like_total", "post_clicks")
PAGE_FIELDS = ("followers_count", "fan_count")


def fetch(client: GraphClient, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each post's metrics; one Meta has none for (a video, a deleted post) is left out."""
    metrics: dict[str, dict[str, int]] = {}
    for remote_id in remote_ids:
        try:
            answer = client.get(f"{remote_id}/insights", metric=",".join(POST_METRICS))
        except NetworkError as error:
            if error.kind is ErrorKind.PERMANENT:
                continue
            raise
        metrics[remote_id] = insight_values(answer)
    return metrics


def page_counts(client: GraphClient, page_id: str) -> dict[str, int]:
    """The Page's counts that Meta gave (a Page too new or too small may lack one)."""
    answer = client.get(page_id, fields=",".join(PAGE_FIELDS))
    return {name: value for name in PAGE_FIELDS if isinstance(answer, dict)
            and isinstance(value := answer.get(name), int) and not isinstance(value, bool)}

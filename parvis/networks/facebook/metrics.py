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
"""

from __future__ import annotations

from collections.abc import Sequence

from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.graph import GRAPH_VERSION, GraphClient, insight_values

API_VERSION = GRAPH_VERSION  # the table above holds for this version
POST_METRICS = ("post_media_view", "post_total_media_view_unique", "post_reactions_like_total", "post_clicks")


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

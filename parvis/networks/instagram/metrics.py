"""Instagram media insights: the metric names parvis asks for, and when Meta changed them.

`GET /{ig-media-id}/insights?metric=...` (docs/networks/meta.md, 6.1 and 6.5):

| metric | state | since / until |
| --- | --- | --- |
| views | current: FEED, STORY, REELS | introduced late 2024 (v21/v22); the only "seen" count since 2025-04-21 |
| reach | current | — |
| likes, comments, saved, shares | current (organic only) | — |
| total_interactions | current | replaced `engagement` in v18.0, all versions 2023-12-11 |
| impressions | removed | v22.0 at once; all versions 2025-04-21 (→ views) |
| plays, clips_replays_count, ig_reels_aggregated_all_plays_count | removed | v22.0; all versions 2025-04-21 (→ views) |
| video_views | removed | v21.0; all versions 2025-01-08 |
| total_likes, total_comments, total_views | current, Facebook Login only, with ads | 2026 |

Items inside a carousel have no insights; stories' insights live 24 hours; a story seen
by fewer than 5 people answers code 10.

The account's counts are fields of the professional account, not insights (meta.md 6.2):
`GET /{ig-user-id}?fields=followers_count,follows_count,media_count`, through either login.
"""

from __future__ import annotations

from collections.abc import Sequence

from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.graph import GRAPH_VERSION, GraphClient, insight_values

API_VERSION = GRAPH_VERSION  # the table above holds for this version
MEDIA_METRICS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions")
ACCOUNT_FIELDS = ("followers_count", "follows_count", "media_count")


def fetch(client: GraphClient, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each media's metrics; a media Instagram has none for (a carousel item, a story
    seen by too few, a deleted post) is left out rather than failing the others."""
    metrics: dict[str, dict[str, int]] = {}
    for remote_id in remote_ids:
        try:
            answer = client.get(f"{remote_id}/insights", metric=",".join(MEDIA_METRICS))
        except NetworkError as error:
            if error.kind is ErrorKind.PERMANENT:
                continue
            raise
        metrics[remote_id] = insight_values(answer)
    return metrics


def account_counts(client: GraphClient, user_id: str) -> dict[str, int]:
    """The account's counts that Meta gave."""
    answer = client.get(user_id, fields=",".join(ACCOUNT_FIELDS))
    return {name: value for name in ACCOUNT_FIELDS if isinstance(answer, dict)
            and isinstance(value := answer.get(name), int) and not isinstance(value, bool)}

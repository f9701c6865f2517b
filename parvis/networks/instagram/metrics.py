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
"""

from __future__ import annotations

from collections.abc import Sequence

from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.graph import GRAPH_VERSION, GraphClient

API_VERSION = GRAPH_VERSION  # the table above holds for this version
MEDIA_METRICS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions")


def values_of(answer: object) -> dict[str, int]:
    """`{"data": [{"name", "values": [{"value"}]} or {"name", "total_value": {"value"}}]}` as {name: int}."""
    out: dict[str, int] = {}
    for item in (answer.get("data") if isinstance(answer, dict) else None) or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        total = item.get("total_value")
        values = item.get("values")
        value = total.get("value") if isinstance(total, dict) else (
            values[-1].get("value") if isinstance(values, list) and values and isinstance(values[-1], dict)
            else None)
        if isinstance(value, int) and not isinstance(value, bool):
            out[item["name"]] = value
    return out


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
        metrics[remote_id] = values_of(answer)
    return metrics

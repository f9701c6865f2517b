"""Post metrics on Threads: `GET /{threads-media-id}/insights?metric=...` (Threads API
v1.0, Insights reference; meta.md 6.4, 6.5).

Metric names, as the API names them and since when:

| name      | meaning                                                  | since / status                          |
|-----------|----------------------------------------------------------|-----------------------------------------|
| `views`   | times the post was seen (Meta: "in development")         | v1.0 at launch (2024-06), current       |
| `likes`   | likes                                                    | v1.0 at launch (2024-06), current       |
| `replies` | on a root post all replies, on a reply its direct ones   | v1.0 at launch (2024-06), current       |
| `reposts` | reposts                                                  | v1.0 at launch (2024-06), current       |
| `quotes`  | quote posts                                              | v1.0 at launch (2024-06), current       |
| `shares`  | shares                                                   | added to v1.0 on 2024-10-28, current    |

Threads never had an `impressions` metric. Current names from the Threads Insights
documentation (updated 2026-01-30, meta.md 6.4); the date `shares` came is from a client
library's release notes (ThreadsPipe 0.4.0), not from Meta's own changelog text. None
has been removed so far. A post that was deleted (or that this account may no longer
read) has no metrics: it is left out of the answer.

The account's followers are a user insight, not a field of the profile:
`GET /{threads-user-id}/threads_insights?metric=followers_count`, answered with
`total_value.value` (the current total, whatever the period; meta.md 6.4).
"""

from __future__ import annotations

from collections.abc import Sequence

from parvis.networks.threads.client import GraphError, ThreadsClient

# name: (API version, added, removed or None), as in the table above.
HISTORY: dict[str, tuple[str, str, str | None]] = {
    "views": ("v1.0", "2024-06", None), "likes": ("v1.0", "2024-06", None),
    "replies": ("v1.0", "2024-06", None), "reposts": ("v1.0", "2024-06", None),
    "quotes": ("v1.0", "2024-06", None), "shares": ("v1.0", "2024-10-28", None),
}
METRICS: tuple[str, ...] = tuple(name for name, (_v, _added, removed) in HISTORY.items() if removed is None)
ACCOUNT_METRICS = ("followers_count",)
MISSING_OBJECT = 33  # Graph's subcode for an object that does not exist or cannot be read


def fetch(api: ThreadsClient, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for remote_id in remote_ids:
        try:
            answer = api.get(f"{remote_id}/insights", metric=",".join(METRICS))
        except GraphError as error:
            if error.subcode == MISSING_OBJECT:
                continue
            raise
        out[remote_id] = values_of(answer)
    return out


def account(api: ThreadsClient, user_id: str) -> dict[str, int]:
    return values_of(api.get(f"{user_id}/threads_insights", metric=",".join(ACCOUNT_METRICS)), ACCOUNT_METRICS)


def values_of(answer: dict[str, object], names: Sequence[str] = METRICS) -> dict[str, int]:
    """{name: value} of an insights answer; a metric Threads left out is not guessed."""
    values: dict[str, int] = {}
    rows = answer.get("data")
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or row.get("name") not in names:
            continue
        points = row.get("values")
        total = row.get("total_value")
        value = (points[0].get("value") if isinstance(points, list) and points and isinstance(points[0], dict)
                 else total.get("value") if isinstance(total, dict) else None)
        if isinstance(value, int) and not isinstance(value, bool):
            values[str(row["name"])] = value
    return values

"""Plausible's conversions, through its Stats API v2 (https://plausible.io/docs/stats-api).

The request, one per sync covering the whole period (the API allows 600 requests an
hour per key; a sync costs one, and sources are synced at most hourly):

    POST <base>/api/v2/query
    Authorization: Bearer <key>
    {"site_id": "boulangerie.example", "metrics": ["events"],
     "date_range": ["2026-11-01", "2026-11-30"], "dimensions": ["time:day", "event:goal"],
     "filters": [["is", "event:goal", ["Signup"]]],      (a goal chosen)
     "pagination": {"limit": 10000, "offset": 0}}

"events" filtered or broken down by goal is what the dashboard calls total
conversions ("visitors" would be unique conversions). The answer has a row per day and
goal with conversions (days without any are left out):

    {"results": [{"metrics": [3], "dimensions": ["2026-11-01", "Signup"]}, ...],
     "meta": {}, "query": {...}}

Errors come as {"error": "…"} with HTTP 400 (a bad query), 401 (a bad key) or 429.
Revenue ("total_revenue") is not read: the API refuses it unless the goal is a revenue
goal, and a site's goals are mostly not.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from parvis.analytics.models import ConversionSource
from parvis.analytics.sources.base import DayFigure, SourceError, api_url, number, post, unexpected
from parvis.core.texts import Text

NAME = "Plausible"
PAGE = 10_000  # the API's largest page: 366 days × 27 goals


def fetch(source: ConversionSource, start: date, end: date, http: httpx.Client) -> list[DayFigure]:
    token = str(source.secrets.get("token") or "")
    if not token:
        raise SourceError(Text.gettext("No token is set for this source."))
    query: dict[str, Any] = {"site_id": source.site_id, "metrics": ["events"],
                             "date_range": [start.isoformat(), end.isoformat()],
                             "dimensions": ["time:day", "event:goal"], "pagination": {"limit": PAGE, "offset": 0}}
    if source.goal:
        query["filters"] = [["is", "event:goal", [source.goal]]]
    data = post(http, api_url(source.base_url, "/api/v2/query"), name=NAME, json=query,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return parse(data)


def parse(data: Any) -> list[DayFigure]:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise unexpected(NAME)
    figures = []
    for row in data["results"]:
        try:
            day_raw, goal = row["dimensions"][:2]
            day = date.fromisoformat(str(day_raw)[:10])
            count = int(number(row["metrics"][0]))
        except (KeyError, IndexError, TypeError, ValueError, ArithmeticError):
            raise unexpected(NAME) from None
        figures.append(DayFigure(day, str(goal)[:200] or NAME, count))
    return figures

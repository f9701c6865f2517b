"""Matomo's conversions, through its Reporting API (https://developer.matomo.org/api-reference/reporting-api,
method `Goals.get`).

The request, one per sync covering the whole period:

    POST <base>/index.php
    module=API&method=Goals.get&idSite=3&period=day&date=2026-11-01,2026-11-30&format=JSON
    &idGoal=2 (a goal chosen; all goals together otherwise)&token_auth=<token>

Every parameter goes in the form-encoded body, the token with them: Matomo reads
token_auth from POST (and recommends it, so that the token stays out of server logs);
never in the URL. With `period=day` and a date range, the answer is an object keyed by
day; a day with data carries the goal's metrics, a day without any is an empty list:

    {"2026-11-01": {"nb_conversions": 3, "nb_visits_converted": 3, "revenue": 45.5,
                    "conversion_rate": "1.2%", "nb_conversions_new_visit": 1, ...},
     "2026-11-02": []}

A refused request may still be HTTP 200, with {"result": "error", "message": "…"}
(a wrong token reads "You can't access this resource as it requires 'view' access…";
recent versions answer HTTP 401 as well).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from parvis.analytics.models import ConversionSource
from parvis.analytics.sources.base import DayFigure, SourceError, api_url, number, post, unexpected
from parvis.core.texts import Text

NAME = "Matomo"
TOKEN_WORDS = ("token_auth", "access", "authenticat", "login")


def fetch(source: ConversionSource, start: date, end: date, http: httpx.Client) -> list[DayFigure]:
    token = str(source.secrets.get("token") or "")
    if not token:
        raise SourceError(Text.gettext("No token is set for this source."))
    params = {"module": "API", "method": "Goals.get", "idSite": source.site_id, "period": "day",
              "date": f"{start.isoformat()},{end.isoformat()}", "format": "JSON", "token_auth": token}
    if source.goal:
        params["idGoal"] = source.goal
    # People paste the address of the page they know: https://stats.example/index.php?module=…
    base = source.base_url.strip().split("?", 1)[0].removesuffix("/index.php")
    data = post(http, api_url(base, "/index.php"), name=NAME, data=params)
    return parse(data, source.goal or source.name or NAME)


def parse(data: Any, goal: str) -> list[DayFigure]:
    if isinstance(data, dict) and data.get("result") == "error":
        message = str(data.get("message") or "")[:300]
        if any(word in message.lower() for word in TOKEN_WORDS):
            raise SourceError(Text.gettext("Matomo refused the token: %(message)s", message=message))
        raise SourceError(Text.gettext("Matomo refused the request: %(message)s", message=message))
    if not isinstance(data, dict):
        raise unexpected(NAME)
    figures = []
    for key, metrics in data.items():
        try:
            day = date.fromisoformat(key)
        except (TypeError, ValueError):
            raise unexpected(NAME) from None
        if metrics in ([], {}, None):  # a day with no data
            figures.append(DayFigure(day, goal, 0))
            continue
        if not isinstance(metrics, dict):
            raise unexpected(NAME)
        try:
            count = int(number(metrics.get("nb_conversions")))
            revenue = metrics.get("revenue")
            value = number(revenue) if revenue not in (None, "", 0, "0") else None
        except (ValueError, ArithmeticError):
            raise unexpected(NAME) from None
        figures.append(DayFigure(day, goal, count, value))
    return figures

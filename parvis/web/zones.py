"""The time zone a page shows times in: `?tz=` if given, else the person's own, else the
workspace's (stored times are UTC; every page converts with this one rule)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest

from parvis.publishing.validation import parse_timezone


def viewer_tz(request: HttpRequest, fallback: str) -> ZoneInfo:
    name = request.GET.get("tz") or getattr(request.user, "timezone", "") or fallback
    return parse_timezone(name) or parse_timezone(fallback) or ZoneInfo("UTC")

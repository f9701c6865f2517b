"""Wall-clock times entered in a chosen zone, turned into the instants we store (UTC)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from parvis.core.timezones import known_timezones
from parvis.publishing.types import FieldError


def parse_timezone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name and name in known_timezones() else None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def unknown_timezone_message(name: str) -> str:
    return _("“%(tz)s” is not a known time zone (for example Europe/Paris or America/Montreal).") % {"tz": name}


def unknown_timezone(name: str) -> FieldError:
    """The error on `timezone` for a zone parvis does not know."""
    return FieldError("timezone", unknown_timezone_message(name), "invalid_timezone")


def parse_local_time(raw: str, tz_name: str) -> tuple[datetime | None, list[FieldError]]:
    """`2026-03-29T02:30` in `Europe/Paris` → an aware datetime, refusing times that do
    not exist on that day (the hour skipped when clocks go forward)."""
    if not raw:
        return None, []
    tz = parse_timezone(tz_name)
    if tz is None:
        return None, []  # reported by the time zone check
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        return None, [FieldError("scheduled_at", _("Enter a date and time like 2026-12-24 18:30."), "invalid")]
    naive = naive.replace(tzinfo=None)
    local = naive.replace(tzinfo=tz)
    # Through UTC and back: a time inside the spring-forward gap comes back an hour later.
    try:
        round_trip = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    except OverflowError:  # 9999-12-31 23:30 in a zone west of UTC, 0001-01-01 east of it
        return None, [FieldError("scheduled_at", _("Enter a date and time like 2026-12-24 18:30."), "invalid")]
    if round_trip != naive:
        return None, [FieldError("scheduled_at", _("%(time)s does not exist in %(tz)s: the clocks "
                                                   "change that night. Choose another time.")
                                 % {"time": naive.strftime("%H:%M"), "tz": tz_name}, "nonexistent")]
    return local, []

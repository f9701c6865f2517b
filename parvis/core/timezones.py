"""The time zones this machine knows, listed once per process.

`zoneinfo.available_timezones()` walks the tz database on disk (about 12 ms each time):
validating a workspace's or a person's zone, building the zone menus and checking every
row of a CSV import would each pay it again.
"""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())

"""The one place that says which LinkedIn API version parvis speaks.

LinkedIn's versioned API (`/rest/`) wants a `LinkedIn-Version: YYYYMM` header on every
call, and supports each monthly version for one year: around the 15th of the same month
a year later it is sunset, and every call with it is refused (HTTP 426
NONEXISTENT_VERSION). Nothing warns before that but a banner on LinkedIn's pages, so
parvis says it itself: `sunset_warning()` is the sentence to show (the account page,
the startup log), from `WARN_DAYS` before the end. Moving to a newer version means
changing `VERSION` and `SUNSET` here, then checking the metric names in `metrics.py`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.utils import timezone

from parvis.core.texts import Text

log = logging.getLogger(__name__)

VERSION = "202610"
# One year after the release, by LinkedIn's rule (docs/networks/linkedin-wordpress.md §1:
# "version YYYYMM is sunset around the 15th of the same month one year later").
SUNSET = date(2027, 10, 15)
WARN_DAYS = 60


def days_left(today: date | None = None) -> int:
    return (SUNSET - (today or timezone.now().date())).days


def ending_within(days: int, today: date | None = None) -> bool:
    """Whether the version is sunset within `days` days (or already is)."""
    return days_left(today) <= days


def sunset_warning(today: date | None = None, within: int = WARN_DAYS) -> Text | None:
    """What to tell people when the version ends soon; None while it is far away."""
    if not ending_within(within, today):
        return None
    if days_left(today) <= 0:
        return Text.gettext("parvis speaks LinkedIn API version %(version)s, which LinkedIn ended on %(date)s: "
                            "LinkedIn accounts cannot publish until parvis is updated.",
                            version=VERSION, date=SUNSET.isoformat())
    return Text.gettext("parvis speaks LinkedIn API version %(version)s, which LinkedIn ends on %(date)s: "
                        "update parvis before then, or LinkedIn accounts will stop publishing.",
                        version=VERSION, date=SUNSET.isoformat())


def log_if_ending(now: datetime | None = None) -> bool:
    """At startup: a warning in the log when the version ends soon (what the server's
    administrator reads; `sunset_warning` is what the account page shows)."""
    warning = sunset_warning((now or timezone.now()).date())
    if warning is None:
        return False
    log.warning("%s", warning.render_in("en"))
    return True


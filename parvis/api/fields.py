"""Query fields shared by the API's newer views (the older ones keep theirs in
`serializers`, which other work is reshaping)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from parvis.core.ids import MAX_ID
from parvis.publishing.validation import parse_timezone

# Days a filter may name: a day near `date.max` would overflow once a day is added to
# close the range, and nothing parvis stores is that far from now.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class DayField(serializers.DateField):
    """A day like 2026-03-02, in a range of years a filter can use."""

    def to_internal_value(self, value: Any) -> dt.date:
        day: dt.date = super().to_internal_value(value)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise serializers.ValidationError(_("Give a day between the years %(first)d and %(last)d.")
                                              % {"first": FIRST_YEAR, "last": LAST_YEAR})
        return day


class ZoneField(serializers.CharField):
    """An IANA time zone name, like Europe/Paris."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> str:
        name: str = super().to_internal_value(value)
        if parse_timezone(name) is None:
            raise serializers.ValidationError(_("“%(tz)s” is not a known time zone (for example Europe/Paris or "
                                                "America/Montreal).") % {"tz": name})
        return name


def check_range(attrs: dict[str, Any]) -> dict[str, Any]:
    """`since` and `until` in order (a serializer's `validate`)."""
    if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
        raise serializers.ValidationError({"until": [_("The end date is before the start date.")]})
    return attrs


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An object's id in a request body: past a 64-bit column's largest value it is a 400
    naming the field, not a 500 from the database."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)

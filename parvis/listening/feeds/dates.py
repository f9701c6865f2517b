"""Dates as feeds write them, read into aware UTC datetimes.

`parse_date` never raises: a date nobody can read is None, because one bad date must not
cost a feed its entries. It reads ISO 8601 / RFC 3339 (Atom, JSON Feed, dc:date) and
RFC 822 as it is found in the wild (RSS): named zones, missing seconds or day names, wrong
day names, two-digit years, commas and dots where they please, French month names. A date
without a zone is taken as UTC, as feedparser does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    ("jan", "january", "janv", "janvier"),
    ("feb", "february", "fev", "fév", "fevr", "févr", "fevrier", "février"),
    ("mar", "march", "mars"),
    ("apr", "april", "avr", "avril"),
    ("may", "mai"),
    ("jun", "june", "juin"),
    ("jul", "july", "juil", "juillet"),
    ("aug", "august", "aou", "aoû", "aout", "août"),
    ("sep", "sept", "september", "septembre"),
    ("oct", "october", "octobre"),
    ("nov", "november", "novembre"),
    ("dec", "december", "déc", "decembre", "décembre"),
), start=1):
    for _name in _names:
        _MONTHS[_name] = _number

# In hours. Single military letters other than Z are left out on purpose: RFC 2822 says
# their signs were published the wrong way round, so nobody can tell what a sender meant.
_ZONES: dict[str, float] = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    "et": -5, "ct": -6, "mt": -7, "pt": -8,
    "ast": -4, "adt": -3, "akst": -9, "akdt": -8, "hst": -10, "nst": -3.5, "ndt": -2.5,
    "bst": 1, "ist": 5.5, "cet": 1, "cest": 2, "met": 1, "mest": 2, "west": 1, "eet": 2, "eest": 3,
    "msk": 3, "jst": 9, "kst": 9, "hkt": 8, "sgt": 8, "awst": 8, "acst": 9.5, "aest": 10, "aedt": 11,
    "nzst": 12, "nzdt": 13,
}

# Applied to one short date string at a time, never to a document.
_ISO = re.compile(
    r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(.*)$")
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})?$")


def parse_date(value: str | None) -> datetime | None:
    """The instant `value` names, aware and in UTC; None when it cannot be read."""
    if not value:
        return None
    text = value.strip()
    if len(text) < 4 or len(text) > 100:
        return None
    try:
        if text[:4].isdigit() and (len(text) == 4 or text[4] in "-/T" or text[4:5].isdigit()):
            return _iso(text)
        return _rfc822(text)
    except (ValueError, OverflowError):
        return None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    try:  # C speed for the common, well-formed case
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    found = _ISO.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    micro = int((fraction + "000000")[:6]) if fraction else 0
    moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                      min(int(second or 0), 59), micro, tzinfo=UTC)
    offset = _zone(zone) if zone else 0.0
    return moment - timedelta(hours=offset or 0.0)


def _zone(token: str) -> float | None:
    """Hours east of UTC for a zone token, None when it is not one."""
    token = token.lower().strip("()")
    if token in _ZONES:
        return _ZONES[token]
    if token[:3] in ("gmt", "utc") and token[3:4] in ("+", "-"):
        token = token[3:]
    found = _OFFSET.match(token)
    if found is None:
        return None
    sign, hours, minutes = found.groups()
    if minutes is None and len(hours) > 2:
        return None
    total = int(hours) + int(minutes or 0) / 60
    return -total if sign == "-" else total


def _rfc822(text: str) -> datetime | None:
    day = year = None
    month = None
    clock: tuple[int, int, int, int] | None = None
    offset: float | None = None
    tokens: list[str] = []
    for raw in text.replace(",", " ").split():
        if "-" in raw and raw[0].isdigit() and ":" not in raw:  # RFC 850: "08-Oct-2002"
            tokens.extend(raw.split("-"))
        else:
            tokens.append(raw)
    for raw in tokens:
        token = raw.lower().rstrip(".")
        if not token:
            continue
        if ":" in token and clock is None and token[0].isdigit():
            found = _TIME.match(token)
            if found is None:
                return None
            hour, minute, second, fraction, rest = found.groups()
            micro = int((fraction + "000000")[:6]) if fraction else 0
            clock = (int(hour), int(minute), min(int(second or 0), 59), micro)
            if rest:  # "13:00:00+0200", "13:00:00Z"
                offset = _zone(rest)
            continue
        if token.isdigit():
            if day is None and len(token) <= 2:
                day = int(token)
            elif year is None and len(token) in (2, 4):
                year = int(token)
            elif day is None and year is not None:
                day = int(token)
            continue
        if token in _MONTHS:
            # "mar." is Tuesday in French as well as March: a later month name wins.
            month = _MONTHS[token]
            continue
        if offset is None:
            found_offset = _zone(token)
            if found_offset is not None:
                offset = found_offset
        # Anything else (day names, right or wrong, "at", unknown zone names) is ignored.
    if day is None or month is None or year is None:
        return None
    if year < 100:  # RFC 2822: 00-49 are 2000-2049, 50-99 are 1950-1999
        year += 2000 if year < 50 else 1900
    hour, minute, second, micro = clock or (0, 0, 0, 0)
    moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    return moment - timedelta(hours=offset) if offset else moment


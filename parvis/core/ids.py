"""What an id is, wherever one comes in: a URL path, a query string, a form or a JSON body.

Every primary key is a 64-bit signed column (BigAutoField). A number past 2**63 - 1 sent
to the database is not "no such row": SQLite refuses to bind it (OverflowError) and
PostgreSQL refuses the cast, and the request ends in a 500. So every id is read here,
once, and anything that no row can have is refused before a query is built:

- in a path, `<id:…>` (registered by `register_converters`, called by every urls.py)
  does not match, which answers 404 like a missing object;
- in a query string or a form, `parse_id` returns None and the caller says which field
  was wrong (or ignores a filter it cannot read, as the web pages do);
- in an API body, `parvis.api.fields.IdField` answers 400 naming the field.

`str.isdigit()` is not enough either: it accepts "²" and other digits that `int()`
refuses (a ValueError, another 500); only ASCII digits are read as ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.urls import converters, register_converter

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit column, what BigAutoField holds
_DIGITS = re.compile(r"[0-9]+")


def parse_int(raw: object, maximum: int) -> int | None:
    """A whole number from 0 to `maximum`, given as an int or as ASCII digits (surrounding
    spaces ignored); None for anything else: signs, other digits, larger numbers."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()):
        digits = raw.strip().lstrip("0") or "0"
        if len(digits) > len(str(maximum)):  # also keeps int() away from thousands of digits
            return None
        value = int(digits)
    else:
        return None
    return value if 0 <= value <= maximum else None


def parse_id(raw: object) -> int | None:
    """The id in `raw`, or None if no row can have it: not a whole number in ASCII digits,
    zero or less, or past a 64-bit column."""
    value = parse_int(raw, MAX_ID)
    return value if value else None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The readable ids among `values`, in order; the others are dropped."""
    return [value for value in map(parse_id, values) if value is not None]


class IdConverter:
    """`<id:name>`: the digits of `<int:…>`, refused (no match, so 404) past a 64-bit column."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("no row has this id")  # Django reads a ValueError as "no match"
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


def register_converters() -> None:
    """Make `<id:…>` known to the URL patterns; every urls.py calls it before its patterns
    (the first call registers it, the others do nothing)."""
    if "id" not in converters.get_converters():
        register_converter(IdConverter, "id")

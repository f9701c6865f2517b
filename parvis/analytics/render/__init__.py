"""The client report in three formats (PowerPoint, Excel, PDF) drawn from one description:
a title and a list of slides, each a heading, paragraphs, a `charts.Chart` and a table.

Every format draws the same `Chart` the web page draws, with the same figures: a missing
value (None) stays a gap in every one of them, never a zero, and the value axis covers the
same range (`charts.nice_ticks`). PowerPoint and Excel get native charts whose figures the
client can open and edit; the PDF draws them as vectors.

Times in a table are shown as they are given: the caller converts them to the zone the
person chose before building the report (aware datetimes are written in their own
wall-clock time).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from parvis.analytics.charts import Chart, nice_ticks

Cell = str | int | float | Decimal | date | datetime | None

DEFAULT_ACCENT = "#5b4bdb"  # the web's first series colour (.chart-s0)
# The web's other series colours (.chart-s1 … .chart-s5); the accent replaces the first.
SERIES_COLOURS = ["#16794c", "#b54708", "#175cd3", "#b42318", "#667085"]

_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


@dataclass
class Slide:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    chart: Chart | None = None
    table: list[list[Cell]] = field(default_factory=list)  # the first row is the header


@dataclass
class Report:
    title: str
    slides: list[Slide]
    accent: str = DEFAULT_ACCENT  # "#rrggbb"
    logo: bytes | None = None  # the agency's, PNG or JPEG: top left of PDF pages, on the PowerPoint's cover
    client_logo: bytes | None = None  # the client's: top right, and on the cover
    language: Literal["fr", "en"] = "fr"  # how numbers and dates are written as text

    def __post_init__(self) -> None:
        self.accent = hex_colour(self.accent)


def hex_colour(value: str) -> str:
    """"#RRGGBB" from "#rrggbb" or "rrggbb"; a ValueError naming the field otherwise."""
    match = _HEX.fullmatch(value.strip())
    if not match:
        raise ValueError(f"accent: {value!r} is not a colour like #5b4bdb")
    return "#" + match.group(1).upper()


def series_colour(accent: str, number: int) -> str:
    """The colour of a chart's series `number`: the accent first, then the web's palette."""
    palette = [hex_colour(accent), *SERIES_COLOURS]
    return palette[number % len(palette)]


def cell_text(value: Cell, language: str = "fr") -> str:
    """A table cell as a person reads it, for the formats that hold text (slides, PDF)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y" if language == "fr" else "%Y-%m-%d")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return number_text(value, language)
    return value


def number_text(value: float | int | Decimal, language: str = "fr") -> str:
    """10 400,5 in French (no-break space, decimal comma), 10,400.5 in English."""
    if not math.isfinite(value):
        return ""
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0")
    if language == "fr":
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def is_number(value: Cell) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def axis_ticks(chart: Chart) -> list[float]:
    """The value axis every format draws, as the web's `charts.svg` does: bars from zero,
    lines from near their lowest value (10,400 to 10,600 followers is not a flat line)."""
    if chart.kind == "bar":
        return nice_ticks(min(chart.bottom(), 0.0), chart.top())
    return nice_ticks(chart.bottom(), chart.top())

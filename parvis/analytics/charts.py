"""One description of a chart, drawn for every place it is shown (the web page here; the
report's PDF and PowerPoint draw the same `Chart`), so that they agree.

A chart is categories (days, weekdays, accounts) and one or more series of numbers; a
missing value (None) leaves a gap, never a zero. Drawn as SVG without inline styles (the
Content-Security-Policy forbids them): colours come from classes `chart-s0`…`chart-s5`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = 6  # series colours, then they repeat


@dataclass
class ChartSeries:
    name: str
    values: list[float | None]


@dataclass
class Chart:
    kind: Literal["line", "bar"]
    title: str
    categories: list[str]
    series: list[ChartSeries] = field(default_factory=list)
    unit: str = ""  # shown after the values: "%", "min"…

    @property
    def empty(self) -> bool:
        return not any(v is not None for s in self.series for v in s.values)

    def top(self) -> float:
        return max((v for s in self.series for v in s.values if v is not None), default=0.0)

    def bottom(self) -> float:
        return min((v for s in self.series for v in s.values if v is not None), default=0.0)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values for the axis, covering [low, high] (a line chart of followers does
    not start at zero: 10,400 to 10,600 would be a flat line)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def tick_label(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if abs(value) >= 100 or value == int(value) else f"{value:.1f}"


def svg(chart: Chart, width: int = 640, height: int = 220) -> SafeString:
    """The chart as an SVG picture; its figures are in `table_rows` for a table beside it."""
    left, right, top_pad, bottom_pad = 56, 8, 10, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom_pad
    low = 0.0 if chart.kind == "bar" else chart.bottom()
    ticks = nice_ticks(min(low, 0.0) if chart.kind == "bar" else low, chart.top())
    lo, hi = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1

    def y(value: float) -> float:
        return round(top_pad + plot_h - (value - lo) / (hi - lo) * plot_h, 1)

    n = max(1, len(chart.categories))
    slot = plot_w / n
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMidYMid meet"><title>{escape(chart.title)}</title>']
    for tick in ticks:
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y(tick)}" y2="{y(tick)}"/>'
                     f'<text class="chart-tick" x="{left - 6}" y="{y(tick) + 4}" text-anchor="end">'
                     f'{escape(tick_label(tick))}</text>')
    every = max(1, math.ceil(n / 8))  # at most 8 labels under the axis
    for index, label in enumerate(chart.categories):
        if index % every == 0:
            x = round(left + slot * (index + 0.5), 1)
            parts.append(f'<text class="chart-label" x="{x}" y="{height - 8}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    for number, series in enumerate(chart.series):
        css = f"chart-s{number % PALETTE}"
        if chart.kind == "bar":
            width_each = slot * 0.8 / max(1, len(chart.series))
            for index, value in enumerate(series.values):
                if value is None:
                    continue
                x = round(left + slot * index + slot * 0.1 + width_each * number, 1)
                top_y, base = y(max(value, 0.0)), y(max(lo, 0.0))
                parts.append(f'<rect class="{css}" x="{x}" y="{top_y}" width="{round(width_each, 1)}" '
                             f'height="{round(max(base - top_y, 0.5), 1)}"><title>{escape(chart.categories[index])}: '
                             f'{escape(tick_label(value))}{escape(chart.unit)}</title></rect>')
        else:
            for run in gap_runs(series.values):
                points = " ".join(f"{round(left + slot * (i + 0.5), 1)},{y(v)}" for i, v in run)
                if len(run) == 1:
                    i, v = run[0]
                    parts.append(f'<circle class="{css}" cx="{round(left + slot * (i + 0.5), 1)}" cy="{y(v)}" r="3"/>')
                else:
                    parts.append(f'<polyline class="{css}" fill="none" points="{points}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text inside is escaped above


def gap_runs(values: list[float | None]) -> list[list[tuple[int, float]]]:
    """Stretches of known values: a gap in the data is a gap in the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def legend(chart: Chart) -> list[tuple[str, str]]:
    """(series name, its colour's class), in the chart's order."""
    return [(series.name, f"chart-s{number % PALETTE}") for number, series in enumerate(chart.series)]


def table_rows(chart: Chart) -> list[tuple[str, list[str]]]:
    """The chart's figures as text in the active language, a row per category, a column
    per series ("—" for a missing value). Formatted here, not by the template: an
    agency's chart holds a thousand figures."""
    def shown(value: float | None) -> str:
        if value is None:
            return "—"
        return str(int(value)) if value == int(value) else number_format(value, 2, use_l10n=True)

    return [(label, [shown(s.values[i] if i < len(s.values) else None) for s in chart.series])
            for i, label in enumerate(chart.categories)]


def table_html(chart: Chart, first: str) -> SafeString:
    """The chart's figures as an HTML table (`first` heads the categories' column), built
    here rather than by the template: an agency's chart holds a thousand figures."""
    head = "".join(f"<th>{escape(s.name)}</th>" for s in chart.series)
    body = "".join(f"<tr><td>{escape(label)}</td>{''.join(f'<td>{escape(v)}</td>' for v in values)}</tr>"
                   for label, values in table_rows(chart))
    return mark_safe(  # noqa: S308 - every text inside is escaped above
        f'<table class="list"><thead><tr><th>{escape(first)}</th>{head}</tr></thead><tbody>{body}</tbody></table>')

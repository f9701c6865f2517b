"""The report as an Excel workbook, and tables as CSV for a French Excel.

A sheet per slide that has figures: its table (a header row, then numbers typed as
numbers and dates as dates), then each chart's figures as a block of cells with a native
Excel chart drawn from those cells, so that editing a figure redraws the chart.

Text in a cell is never a formula: comments and feed items quoted in a report are
untrusted, and "=HYPERLINK(…)" must stay text (in the workbook and in the CSV).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from parvis.analytics.charts import Chart

from . import Cell, Report, axis_ticks, series_colour

# Excel's built-in formats 14 and 22: Excel shows them in the reader's own regional
# format (07/12/2026 in France), where a custom format would impose one.
DATE_FORMAT = "mm-dd-yy"
DATETIME_FORMAT = "m/d/yy h:mm"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    names: set[str] = set()
    for slide in report.slides:
        if not slide.table and not slide.chart:
            continue
        sheet = book.create_sheet(_sheet_name(slide.heading, names))
        row = 1
        if slide.table:
            _write_table(sheet, slide.table, report.accent)
            row = len(slide.table) + 2  # a blank row, then the chart's figures
        if slide.chart:
            _write_chart(sheet, slide.chart, report.accent, row)
        _fit_columns(sheet)
    if not book.worksheets:  # a workbook needs a sheet
        book.create_sheet(_sheet_name(report.title, names))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(heading: str, taken: set[str]) -> str:
    """Excel's rules: 31 characters at most, none of []:*?/\\, unique (case-insensitively)."""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", heading).strip().strip("'")[:31] or "Feuille"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no zones: the wall-clock time given
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would store it as a formula
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT


def _header(sheet: Worksheet, row: int, values: list[Cell], accent: str) -> None:
    fill = PatternFill("solid", fgColor=accent[1:])
    for column, value in enumerate(values, start=1):
        _put(sheet, row, column, value)
        cell = sheet.cell(row=row, column=column)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=False)


def _write_table(sheet: Worksheet, rows: list[list[Cell]], accent: str) -> None:
    _header(sheet, 1, rows[0], accent)
    for r, values in enumerate(rows[1:], start=2):
        for c, value in enumerate(values, start=1):
            _put(sheet, r, c, value)
    sheet.freeze_panes = "A2"


def _write_chart(sheet: Worksheet, chart: Chart, accent: str, first_row: int) -> None:
    """The chart's figures from `first_row` (categories down column A, a column per
    series, an empty cell for a missing value) and the chart drawn from them."""
    _header(sheet, first_row, [chart.title, *(s.name for s in chart.series)], accent)
    for index, category in enumerate(chart.categories):
        row = first_row + 1 + index
        _put(sheet, row, 1, category)
        for number, series in enumerate(chart.series):
            if index < len(series.values) and series.values[index] is not None:
                _put(sheet, row, 2 + number, series.values[index])
    last_row = first_row + len(chart.categories)

    native = LineChart() if chart.kind == "line" else BarChart()
    if isinstance(native, BarChart):
        native.type = "col"
        native.grouping = "clustered"
    native.title = chart.title
    native.display_blanks = "gap"
    native.y_axis.title = chart.unit or None
    native.x_axis.delete = False  # openpyxl ≥ 3.1 hides both axes unless told
    native.y_axis.delete = False
    if not chart.empty:
        ticks = axis_ticks(chart)
        native.y_axis.scaling.min, native.y_axis.scaling.max = ticks[0], ticks[-1]
    if chart.series:
        data = Reference(sheet, min_col=2, max_col=1 + len(chart.series), min_row=first_row, max_row=last_row)
        native.add_data(data, titles_from_data=True)
        categories = Reference(sheet, min_col=1, min_row=first_row + 1, max_row=last_row)
        for series in native.series:  # text categories (openpyxl's set_categories says numbers)
            series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
    for number, series in enumerate(native.series):
        colour = series_colour(accent, number)[1:]
        if chart.kind == "line":
            series.graphicalProperties.line.solidFill = colour
            series.marker.symbol = "circle"
            series.marker.graphicalProperties.solidFill = colour
            series.marker.graphicalProperties.line.solidFill = colour
            series.smooth = False
        else:
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
    native.width, native.height = 18, 9  # cm
    sheet.add_chart(native, f"{get_column_letter(len(chart.series) + 3)}{first_row}")


def _fit_columns(sheet: Worksheet) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                length = 10 if isinstance(cell.value, date) else len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(60, width + 2)


def csv_for_french_excel(rows: list[list[Cell]]) -> bytes:
    """CSV that a French Excel opens by double-click: UTF-8 with a BOM (else it reads
    cp1252), ';' between fields (',' is the decimal sign), decimal commas, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_field(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_field(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if value.startswith(_FORMULA_START):
        return "'" + value  # shown as text, not run as a formula
    return value

"""The report as a PowerPoint deck: a title slide, then a slide per `Slide`.

Charts are native PowerPoint charts (their figures live in the workbook embedded in the
deck, which PowerPoint opens with "Edit data"); a None stays an empty cell and a gap in
the line. A template deck (an agency's masters, fonts and colours) may be given: its
layouts are used and its own slides dropped; without one, python-pptx's default template
at 16:9.
"""

from __future__ import annotations

import math
from io import BytesIO
from typing import cast

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import PP_ALIGN
from pptx.presentation import Presentation as Deck
from pptx.shapes.graphfrm import GraphicFrame
from pptx.slide import Slide as PptxSlide
from pptx.slide import SlideLayout
from pptx.util import Emu, Inches, Pt

from parvis.analytics.charts import Chart

from . import Cell, Report, Slide, axis_ticks, cell_text, is_number, series_colour

MARGIN = Inches(0.5)
GAP = Inches(0.25)
ROW_HEIGHT = Inches(0.32)
TEXT_SIZE = Pt(14)
LOGO_HEIGHT = Inches(0.9)
TABLE_SIZE = Pt(11)
CONTINUED = {"fr": "(suite)", "en": "(continued)"}


def render(report: Report, template: bytes | None = None) -> bytes:
    deck = _open(template) if template else Presentation()
    if template:
        _drop_slides(deck)
    else:  # the default template is 4:3; its placeholders are placed again below
        deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    width, height = _size(deck)
    title_layout, content_layout = _layouts(deck)

    cover = _add_slide(deck, title_layout, keep={PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.TITLE})
    _set_title(cover, width, report.title, default_geometry=not template, cover=True)
    _cover_logos(cover, width, report)

    for slide in report.slides:
        for part, rows in enumerate(_table_parts(height, slide)):
            page = _add_slide(deck, content_layout, keep={PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE})
            heading = slide.heading if part == 0 else f"{slide.heading} {CONTINUED[report.language]}"
            top = _set_title(page, width, heading, default_geometry=not template)
            if part == 0:
                _fill(page, (width, height), slide, rows, report, top)
            else:
                _table(page, rows, report, int(MARGIN), top, int(width - 2 * MARGIN))

    out = BytesIO()
    deck.save(out)
    return out.getvalue()


def _cover_logos(cover: PptxSlide, width: int, report: Report) -> None:
    """The agency's logo top left and the client's top right of the cover, at one height."""
    for name, data, right in (("logo", report.logo, False), ("client_logo", report.client_logo, True)):
        if not data:
            continue
        try:
            picture = cover.shapes.add_picture(BytesIO(data), MARGIN, MARGIN, height=LOGO_HEIGHT)
        except Exception as error:  # Pillow's and python-pptx's errors are of many kinds
            raise ValueError(f"{name}: not a PNG or JPEG image") from error
        if right:
            picture.left = Emu(width - MARGIN - picture.width)


def _open(template: bytes) -> Deck:
    try:
        return Presentation(BytesIO(template))
    except Exception as error:  # zipfile's, python-pptx's, lxml's errors: one answer for all
        raise ValueError("template: not a PowerPoint presentation (.pptx)") from error


def _size(deck: Deck) -> tuple[int, int]:
    """(width, height) of the slides, in EMU (a deck without them says 4:3)."""
    return int(deck.slide_width or Inches(10)), int(deck.slide_height or Inches(7.5))


def _drop_slides(deck: Deck) -> None:
    """A template's own example slides are not part of the report."""
    id_list = deck.slides._sldIdLst
    for slide_id in list(id_list):
        deck.part.drop_rel(slide_id.rId)
        id_list.remove(slide_id)


def _layouts(deck: Deck) -> tuple[SlideLayout, SlideLayout]:
    """(the cover's layout, the content slides' layout): by what the layouts hold, not by
    their names (a French template says "Titre seul" where the default says "Title Only")."""
    layouts = list(deck.slide_layouts)

    def kinds(layout: SlideLayout) -> list[PP_PLACEHOLDER]:  # without date, footer and slide number
        return [ph.placeholder_format.type for ph in layout.iter_cloneable_placeholders()]

    cover = next((lay for lay in layouts if PP_PLACEHOLDER.CENTER_TITLE in kinds(lay)), layouts[0])
    with_title = [lay for lay in layouts if PP_PLACEHOLDER.TITLE in kinds(lay)] or layouts
    content = min(with_title, key=lambda lay: len(kinds(lay)))  # "Title Only" where there is one
    return cover, content


def _add_slide(deck: Deck, layout: SlideLayout, keep: set[PP_PLACEHOLDER]) -> PptxSlide:
    """A slide with only its title placeholder: empty ones would show "Click to add text"."""
    slide = deck.slides.add_slide(layout)
    for placeholder in list(slide.placeholders):
        if placeholder.placeholder_format.type not in keep:
            placeholder.element.getparent().remove(placeholder.element)
    return slide


def _set_title(slide: PptxSlide, width: int, text: str, default_geometry: bool, cover: bool = False) -> int:
    """Writes the title; returns where the content below it starts (EMU from the top)."""
    title = slide.shapes.title
    if title is None:  # a template layout without a title: a text box in its place
        title = slide.shapes.add_textbox(MARGIN, MARGIN, Emu(width - 2 * MARGIN), Inches(0.9))
    title.text_frame.text = text
    if default_geometry:
        if cover:
            title.left, title.top = MARGIN, Inches(2.5)
            title.width, title.height = Emu(width - 2 * MARGIN), Inches(1.5)
        else:
            title.left, title.top = MARGIN, Inches(0.3)
            title.width, title.height = Emu(width - 2 * MARGIN), Inches(0.9)
            title.text_frame.paragraphs[0].font.size = Pt(30)
    return int(title.top + title.height + GAP)


def _table_parts(height: int, slide: Slide) -> list[list[list[Cell]]]:
    """The table's rows split so that each part fits a slide (a month of daily figures does
    not fit one); each part repeats the header. The first part shares its slide."""
    if not slide.table:
        return [[]]
    header, body = slide.table[0], slide.table[1:]
    room = int((height - Inches(1.45) - MARGIN) / ROW_HEIGHT) - 1
    first = room - (3 if slide.paragraphs else 0)
    parts = [[header, *body[:first]]]
    for start in range(first, len(body), room):
        parts.append([header, *body[start:start + room]])
    return parts


def _fill(page: PptxSlide, size: tuple[int, int], slide: Slide, rows: list[list[Cell]], report: Report,
          top: int) -> None:
    left, width = int(MARGIN), int(size[0] - 2 * MARGIN)
    bottom = int(size[1] - MARGIN)
    if slide.paragraphs:
        top += _paragraphs(page, slide.paragraphs, left, top, width, max_height=(bottom - top) // 2)
    height = bottom - top
    if slide.chart and rows:
        chart_width = int(width * 0.58)
        _chart(page, slide.chart, report.accent, left, top, chart_width, height)
        _table(page, rows, report, left + chart_width + int(GAP), top, width - chart_width - int(GAP))
    elif slide.chart:
        _chart(page, slide.chart, report.accent, left, top, width, height)
    elif rows:
        _table(page, rows, report, left, top, width)


def _paragraphs(page: PptxSlide, paragraphs: list[str], left: int, top: int, width: int, max_height: int) -> int:
    """A text box sized to its text (estimated: python-pptx cannot measure); its height."""
    chars_per_line = max(1, int(width / (TEXT_SIZE * 0.5)))
    lines = sum(max(1, math.ceil(len(text) / chars_per_line)) for text in paragraphs)
    height = min(max_height, int(lines * TEXT_SIZE * 1.5 + Inches(0.2)))
    box = page.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    frame = box.text_frame
    frame.word_wrap = True
    for number, text in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
        paragraph.text = text
        paragraph.font.size = TEXT_SIZE
        paragraph.space_after = Pt(6)
    return height + int(GAP)


def _chart(page: PptxSlide, chart: Chart, accent: str, left: int, top: int, width: int, height: int) -> None:
    data = CategoryChartData(number_format="General")
    data.categories = chart.categories
    for series in chart.series:
        data.add_series(series.name, series.values)
    kind = XL_CHART_TYPE.LINE_MARKERS if chart.kind == "line" else XL_CHART_TYPE.COLUMN_CLUSTERED
    # python-pptx annotates its legacy name ChartData and the chart, where it returns the frame
    added = page.shapes.add_chart(kind, Emu(left), Emu(top), Emu(width), Emu(height), data)  # type: ignore[arg-type]
    frame = cast(GraphicFrame, added)
    native = frame.chart
    native.has_title = True
    native.chart_title.text_frame.text = chart.title
    native.has_legend = len(chart.series) > 1
    if native.has_legend:
        native.legend.position = XL_LEGEND_POSITION.BOTTOM
        native.legend.include_in_layout = False
    if not chart.empty:  # the same range as the web's axis
        ticks = axis_ticks(chart)
        axis = native.value_axis
        axis.minimum_scale, axis.maximum_scale = ticks[0], ticks[-1]
        if len(ticks) > 1:
            axis.major_unit = ticks[1] - ticks[0]
    if chart.unit:
        native.value_axis.tick_labels.number_format = 'General" ' + chart.unit.replace('"', "") + '"'
        native.value_axis.tick_labels.number_format_is_linked = False
    for number, series in enumerate(native.plots[0].series):
        colour = RGBColor.from_string(series_colour(accent, number)[1:])
        if chart.kind == "line":
            series.smooth = False
            series.format.line.color.rgb = colour
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = colour
            series.marker.format.line.color.rgb = colour
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = colour


def _table(page: PptxSlide, rows: list[list[Cell]], report: Report, left: int, top: int, width: int) -> None:
    columns = max(len(row) for row in rows)
    shape = page.shapes.add_table(len(rows), columns, Emu(left), Emu(top), Emu(width), Emu(ROW_HEIGHT * len(rows)))
    table = shape.table
    accent = RGBColor.from_string(report.accent[1:])
    for r, row in enumerate(rows):
        table.rows[r].height = ROW_HEIGHT
        for c in range(columns):
            value = row[c] if c < len(row) else None
            cell = table.cell(r, c)
            cell.text = cell_text(value, report.language)
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.font.size = TABLE_SIZE
            if is_number(value):
                paragraph.alignment = PP_ALIGN.RIGHT
            if r == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = accent
                paragraph.font.bold = True
                paragraph.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)

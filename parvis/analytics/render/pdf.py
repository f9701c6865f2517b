"""The report as a PDF: A4 landscape, a page per slide (a long table goes on over the next
pages, its header repeated), the agency's logo and the report's title at the top of
every page, the page number at the foot, nothing drawn outside the margins.

Charts are drawn as vectors with the same geometry as the web's SVG (`charts.svg`): the
same axis, the same labels under it, a gap in the line where a value is missing.

Text is set in DejaVu Sans where the system has it (Debian's fonts-dejavu-core), embedded
so that any reader shows every accent; else in the PDF's standard Helvetica, which covers
French (Latin-1 and the typographic quotes and dashes) and nothing beyond.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle

from parvis.analytics.charts import Chart, gap_runs, tick_label

from . import Cell, Report, Slide, axis_ticks, cell_text, is_number, series_colour

PAGE = landscape(A4)
MARGIN = 36.0  # points; nothing is drawn closer to the edge
HEADER = 48.0  # the logo and the title, above the frame
FOOTER = 18.0
LOGO_HEIGHT = 32.0
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]
GRID = colors.HexColor("#D0D5DD")
MUTED = colors.HexColor("#475467")


@functools.cache
def fonts() -> tuple[str, str]:
    """(regular, bold) font names, DejaVu registered on first use if it is there."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _plain(text: str) -> str:
    """Text the font can show: Helvetica's encoding is Windows-1252 (the narrow no-break
    space that French numbers use becomes a no-break space; anything else missing a ?)."""
    if fonts()[0] != "Helvetica":
        return text
    text = text.replace("\u202f", "\u00a0")
    return text.encode("cp1252", "replace").decode("cp1252")


def render(report: Report) -> bytes:
    regular, bold = fonts()
    logo = _logo(report.logo)
    client_logo = _logo(report.client_logo, "client_logo")
    out = io.BytesIO()
    width, height = PAGE
    frame = Frame(MARGIN, MARGIN + FOOTER, width - 2 * MARGIN, height - 2 * MARGIN - HEADER - FOOTER,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="content")
    document = BaseDocTemplate(out, pagesize=PAGE, title=report.title, author="parvis",
                               leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN)

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        top = height - MARGIN
        title_left = MARGIN
        if logo is not None:
            image, logo_width = logo
            canvas.drawImage(image, MARGIN, top - LOGO_HEIGHT, width=logo_width, height=LOGO_HEIGHT, mask="auto")
            title_left += logo_width + 12
        title_right = width - MARGIN
        if client_logo is not None:
            image, logo_width = client_logo
            title_right -= logo_width
            canvas.drawImage(image, title_right, top - LOGO_HEIGHT, width=logo_width, height=LOGO_HEIGHT,
                             mask="auto")
            title_right -= 12
        canvas.setFont(bold, 14)
        canvas.setFillColor(colors.black)
        canvas.drawString(title_left, top - LOGO_HEIGHT / 2 - 5, _fit(_plain(report.title), bold, 14,
                                                                      title_right - title_left))
        canvas.setStrokeColor(colors.HexColor(report.accent))
        canvas.setLineWidth(2)
        canvas.line(MARGIN, top - HEADER + 8, width - MARGIN, top - HEADER + 8)
        canvas.setFont(regular, 9)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(width - MARGIN, MARGIN + 2, str(doc.page))
        canvas.restoreState()

    document.addPageTemplates([PageTemplate(id="slide", frames=[frame], onPage=decorate)])
    story: list[Any] = []
    for number, slide in enumerate(report.slides):
        if number:
            story.append(PageBreak())
        story.extend(_slide(slide, report, frame.width, frame.height))
    if not story:
        story.append(Spacer(1, 1))
    document.build(story)
    return out.getvalue()


def _logo(data: bytes | None, name: str = "logo") -> tuple[ImageReader, float] | None:
    if not data:
        return None
    try:
        image = ImageReader(io.BytesIO(data))
        w, h = image.getSize()
    except Exception as error:  # Pillow's errors are of many kinds
        raise ValueError(f"{name}: not a PNG or JPEG image") from error
    return image, min(160.0, LOGO_HEIGHT * w / h)


def _fit(text: str, font: str, size: float, room: float) -> str:
    """The text, cut with an ellipsis where it would pass `room` points."""
    if pdfmetrics.stringWidth(text, font, size) <= room:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"


def _slide(slide: Slide, report: Report, width: float, height: float) -> list[Any]:
    regular, bold = fonts()
    heading = ParagraphStyle("heading", fontName=bold, fontSize=20, leading=24, spaceAfter=10)
    body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=15, spaceAfter=6)
    parts: list[Any] = [Paragraph(escape(_plain(slide.heading)), heading)]
    parts += [Paragraph(escape(_plain(text)), body) for text in slide.paragraphs]
    room = height - 34 - sum(p.wrap(width, height)[1] + 6 for p in parts[1:])
    if slide.chart and slide.table:
        # Side by side as on the slide when the table fits beside the chart; else the
        # table goes below it, on over the next pages.
        side = width * 0.42 - 12
        table = _table(slide.table, report, side)
        if table.wrap(side, room)[1] <= room - 4:
            drawing = chart_drawing(slide.chart, report.accent, width - side - 12, min(room - 4, 340.0))
            pair = Table([[drawing, table]], colWidths=[width - side, side], hAlign="LEFT")
            pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                      ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                                      ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
            return [*parts, pair]
    if slide.chart:
        chart_height = min(room - 4, 240.0 if slide.table else 340.0)
        parts.append(chart_drawing(slide.chart, report.accent, width, max(chart_height, 120.0)))
        parts.append(Spacer(1, 10))
    if slide.table:
        parts.append(_table(slide.table, report, width))
    return parts


def chart_drawing(chart: Chart, accent: str, width: float, height: float) -> Drawing:
    """`charts.svg`'s picture in reportlab's vector shapes (y grows upwards here)."""
    regular, bold = fonts()
    drawing = Drawing(width, height)
    title_h, legend_h = 18.0, 16.0 if len(chart.series) > 1 else 0.0
    left, right, bottom_pad = 56.0, 8.0, 20.0
    plot_bottom = legend_h + bottom_pad
    plot_top = height - title_h - 6
    plot_w, plot_h = width - left - right, plot_top - plot_bottom
    drawing.add(String(0, height - 12, _plain(chart.title), fontName=bold, fontSize=11))

    ticks = axis_ticks(chart)
    lo, hi = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1

    def y(value: float) -> float:
        return plot_bottom + (value - lo) / (hi - lo) * plot_h

    for tick in ticks:
        drawing.add(Line(left, y(tick), width - right, y(tick), strokeColor=GRID, strokeWidth=0.5))
        drawing.add(String(left - 6, y(tick) - 3, _plain(tick_label(tick) + chart.unit), fontName=regular,
                           fontSize=8, fillColor=MUTED, textAnchor="end"))
    n = max(1, len(chart.categories))
    slot = plot_w / n
    every = max(1, math.ceil(n / 8))  # at most 8 labels under the axis, as on the web
    for index, label in enumerate(chart.categories):
        if index % every == 0:
            drawing.add(String(left + slot * (index + 0.5), plot_bottom - 13, _plain(label), fontName=regular,
                               fontSize=8, fillColor=MUTED, textAnchor="middle"))
    for number, series in enumerate(chart.series):
        colour = colors.HexColor(series_colour(accent, number))
        if chart.kind == "bar":
            each = slot * 0.8 / max(1, len(chart.series))
            for index, value in enumerate(series.values[:n]):
                if value is None:
                    continue
                x = left + slot * index + slot * 0.1 + each * number
                base, top = y(max(lo, 0.0)), y(max(value, 0.0))
                drawing.add(Rect(x, base, each, max(top - base, 0.5), fillColor=colour, strokeColor=None))
        else:
            for run in gap_runs(series.values[:n]):
                points = [c for i, v in run for c in (left + slot * (i + 0.5), y(v))]
                if len(run) > 1:
                    drawing.add(PolyLine(points, strokeColor=colour, strokeWidth=2))
                for i in range(0, len(points), 2):
                    drawing.add(Circle(points[i], points[i + 1], 2.5, fillColor=colour, strokeColor=None))
    if legend_h:
        x = left
        for number, series in enumerate(chart.series):
            drawing.add(Rect(x, 2, 10, 8, fillColor=colors.HexColor(series_colour(accent, number)), strokeColor=None))
            name = _plain(series.name)
            drawing.add(String(x + 14, 2, name, fontName=regular, fontSize=8))
            x += 26 + pdfmetrics.stringWidth(name, regular, 8)
    return drawing


def _table(rows: list[list[Cell]], report: Report, width: float) -> Table:
    regular, bold = fonts()
    columns = max(len(row) for row in rows)
    text = [[_plain(cell_text(row[c] if c < len(row) else None, report.language)) for c in range(columns)]
            for row in rows]
    natural = [max(pdfmetrics.stringWidth(line[c], bold if r == 0 else regular, 9) for r, line in enumerate(text)) + 16
               for c in range(columns)]
    least = [max(pdfmetrics.stringWidth(word, bold if r == 0 else regular, 9) for r, line in enumerate(text)
                 for word in (line[c].split() or [""])) + 16 for c in range(columns)]
    widths = _keep_words(_shrink(natural, width), least, width)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11)
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=cell, fontName=bold, textColor=colors.white)
    data = [[Paragraph(escape(value), head if r == 0 else number if is_number(rows[r][c] if c < len(rows[r]) else None)
                       else cell) for c, value in enumerate(line)] for r, line in enumerate(text)]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(report.accent)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _keep_words(widths: list[float], least: list[float], width: float) -> list[float]:
    """No word cut in its middle ("Interact-ions"): a column narrower than its longest word
    gets that width, taken from the columns wider than their own longest word; when the
    page has not that much room, the widths stay as they were."""
    out = [max(w, m) for w, m in zip(widths, least, strict=True)]
    excess = sum(out) - width
    if excess <= 0:
        return out
    room = [max(0.0, o - m) for o, m in zip(out, least, strict=True)]
    if sum(room) < excess:
        return widths
    return [o - r * excess / sum(room) for o, r in zip(out, room, strict=True)]


def _shrink(natural: list[float], width: float) -> list[float]:
    """Column widths within `width`: each column as wide as its longest text where there is
    room; else the narrow ones (figures, dates) keep theirs and the wide ones (names,
    comments) share what is left, their text wrapping."""
    if sum(natural) <= width:
        return natural
    widths, wide = list(natural), set(range(len(natural)))
    while wide:
        share = (width - sum(w for c, w in enumerate(widths) if c not in wide)) / len(wide)
        if share <= 24:  # too many columns for that: all shrink alike
            return [w * width / sum(natural) for w in natural]
        narrow = {c for c in wide if natural[c] <= share}
        if not narrow:
            for c in wide:
                widths[c] = share
            break
        wide -= narrow
    return widths

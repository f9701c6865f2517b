"""The report's three formats, built from one description and read back with the readers
a client's software would use: python-pptx, openpyxl, PDFium (text and pixels)."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from PIL import Image
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from parvis.analytics.charts import Chart, ChartSeries
from parvis.analytics.render import Report, Slide, hex_colour
from parvis.analytics.render import pdf as render_pdf
from parvis.analytics.render import pptx as render_pptx
from parvis.analytics.render import xlsx as render_xlsx

HEADING = "Évolution des abonnés — décembre"
ACCENT = "#5b4bdb"


def sample(logo: bool = True) -> Report:
    line = Chart("line", "Abonnés", ["1 déc.", "2 déc.", "3 déc.", "4 déc.", "5 déc."], [
        ChartSeries("Instagram", [10400, 10450, None, 10520, 10600]),
        ChartSeries("Mastodon", [800, 812.5, 820, 821, None]),
    ])
    bar = Chart("bar", "Publications par jour", ["lun.", "mar.", "mer."], [ChartSeries("Publications", [3, 0, 5])])
    table: list[list] = [[HEADING, "Abonnés", "Taux", "Date"],
                         ["Instagram", 10600, 1.5, date(2026, 12, 5)],
                         ["Mastodon", 821, 2.25, date(2026, 12, 4)]]
    picture = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(picture, "PNG")
    return Report("Bilan de décembre — Maison Dupont", [
        Slide(HEADING, ["Les abonnés progressent de 2 % sur le mois, portés par Instagram."], chart=line),
        Slide("Rythme de publication", chart=bar, table=table),
        Slide("Les chiffres", table=table),
    ], accent=ACCENT, logo=picture.getvalue() if logo else None)


def test_accent_must_be_a_colour():
    assert hex_colour("5b4bdb") == "#5B4BDB"
    with pytest.raises(ValueError, match="accent"):
        Report("x", [], accent="blue")


# PowerPoint


def _charts(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def test_pptx_native_charts_with_their_data():
    deck = Presentation(io.BytesIO(render_pptx.render(sample())))
    slides = list(deck.slides)
    assert len(slides) == 4  # the cover, then one per slide
    assert slides[0].shapes.title.text == "Bilan de décembre — Maison Dupont"
    assert slides[1].shapes.title.text == HEADING
    texts = [shape.text_frame.text for shape in slides[1].shapes if shape.has_text_frame]
    assert "Les abonnés progressent de 2 % sur le mois, portés par Instagram." in texts

    (line,) = _charts(slides[1])
    assert line.chart_type == XL_CHART_TYPE.LINE_MARKERS
    plot = line.plots[0]
    assert list(plot.categories) == ["1 déc.", "2 déc.", "3 déc.", "4 déc.", "5 déc."]
    assert [(s.name, s.values) for s in plot.series] == [
        ("Instagram", (10400.0, 10450.0, None, 10520.0, 10600.0)),  # the gap stays a gap
        ("Mastodon", (800.0, 812.5, 820.0, 821.0, None)),
    ]
    assert str(plot.series[0].format.line.color.rgb) == "5B4BDB"
    assert line.value_axis.minimum_scale == 0 and line.value_axis.maximum_scale == 12500  # as on the web
    assert line.chart_title.text_frame.text == "Abonnés"

    (bar,) = _charts(slides[2])
    assert bar.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert bar.plots[0].series[0].values == (3.0, 0.0, 5.0)
    (table,) = [shape.table for shape in slides[2].shapes if shape.has_table]
    assert table.cell(0, 0).text == HEADING
    assert [table.cell(1, c).text for c in range(4)] == ["Instagram", "10\u00a0600", "1,5", "05/12/2026"]


def test_pptx_on_a_template_uses_its_layouts_not_its_slides():
    template = Presentation()
    template.slides.add_slide(template.slide_layouts[1]).shapes.title.text = "Exemple du modèle"
    saved = io.BytesIO()
    template.save(saved)
    deck = Presentation(io.BytesIO(render_pptx.render(sample(), template=saved.getvalue())))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles == ["Bilan de décembre — Maison Dupont", HEADING, "Rythme de publication", "Les chiffres"]
    assert [slide.slide_layout.name for slide in deck.slides] == ["Title Slide", "Title Only", "Title Only",
                                                                  "Title Only"]
    assert deck.slide_width == template.slide_width  # the template's size is kept
    with pytest.raises(ValueError, match="template"):
        render_pptx.render(sample(), template=b"PK not a deck")


def test_pptx_long_table_goes_on_over_more_slides():
    rows = [["Jour", "Abonnés"], *([f"{d} déc.", 1000 + d] for d in range(1, 32))]
    deck = Presentation(io.BytesIO(render_pptx.render(Report("Bilan", [Slide("Par jour", table=rows)]))))
    bodies = [[shape.table for shape in slide.shapes if shape.has_table][0] for slide in list(deck.slides)[1:]]
    assert len(bodies) > 1
    assert sum(len(table.rows) - 1 for table in bodies) == 31
    assert all(table.cell(0, 0).text == "Jour" for table in bodies)
    assert list(deck.slides)[2].shapes.title.text == "Par jour (suite)"


# Excel and CSV


def test_xlsx_tables_typed_and_charts_referencing_their_cells():
    book = load_workbook(io.BytesIO(render_xlsx.render(sample())))
    assert book.sheetnames == ["Évolution des abonnés — décembr", "Rythme de publication", "Les chiffres"]

    figures = book["Les chiffres"]
    assert [c.value for c in figures[1]] == [HEADING, "Abonnés", "Taux", "Date"]
    name, followers, rate, day = figures[2]
    assert (name.value, followers.value, rate.value) == ("Instagram", 10600, 1.5)
    assert followers.data_type == "n" and rate.data_type == "n"
    assert day.is_date and day.value.date() == date(2026, 12, 5)

    first = book["Évolution des abonnés — décembr"]
    assert [[c.value for c in row] for row in first.iter_rows()] == [
        ["Abonnés", "Instagram", "Mastodon"], ["1 déc.", 10400, 800], ["2 déc.", 10450, 812.5],
        ["3 déc.", None, 820], ["4 déc.", 10520, 821], ["5 déc.", 10600, None],
    ]
    (chart,) = first._charts
    assert isinstance(chart, LineChart)
    sheet = "'Évolution des abonnés — décembr'"
    assert [(s.tx.strRef.f, s.cat.strRef.f, s.val.numRef.f) for s in chart.series] == [
        (f"{sheet}!B1", f"{sheet}!$A$2:$A$6", f"{sheet}!$B$2:$B$6"),
        (f"{sheet}!C1", f"{sheet}!$A$2:$A$6", f"{sheet}!$C$2:$C$6"),
    ]
    assert chart.display_blanks == "gap"
    assert chart.series[0].graphicalProperties.line.solidFill.srgbClr == "5B4BDB"

    both = book["Rythme de publication"]
    assert both["A1"].value == HEADING and both["A5"].value == "Publications par jour"  # table, blank row, chart
    (bars,) = both._charts
    assert isinstance(bars, BarChart)
    assert bars.series[0].val.numRef.f == "'Rythme de publication'!$B$6:$B$8"


def test_xlsx_text_is_never_a_formula():
    rows = [["Commentaire"], ["=HYPERLINK(\"http://example.invalid\",\"clic\")"], ["bip\x07"]]
    book = load_workbook(io.BytesIO(render_xlsx.render(Report("x", [Slide("Commentaires", table=rows)]))))
    cell = book.active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert book.active["A3"].value == "bip"


def test_csv_for_french_excel():
    rows = [["Jour", "Abonnés", "Taux"], [date(2026, 12, 1), 10400, 1.5], ["2 déc.; soir", None, -0.25],
            ["=1+1", 3, 2.0]]
    assert render_xlsx.csv_for_french_excel(rows) == (
        "\ufeffJour;Abonnés;Taux\r\n2026-12-01;10400;1,5\r\n\"2 déc.; soir\";;-0,25\r\n'=1+1;3;2,0\r\n"
    ).encode()


# PDF


@pytest.fixture(scope="module")
def pdf_document():
    document = pdfium.PdfDocument(render_pdf.render(sample()))
    yield document
    document.close()


def _text(page) -> str:
    textpage = page.get_textpage()
    try:
        # PDFium reads the no-break spaces of "10 600" as plain ones.
        return textpage.get_text_range().replace("\r\n", "\n").replace("\u00a0", " ")
    finally:
        textpage.close()


def _pixels(page, scale=1.0):
    bitmap = page.render(scale=scale)
    try:
        return np.asarray(bitmap.to_pil().convert("RGB")).astype(int)
    finally:
        bitmap.close()


def test_pdf_pages_and_text(pdf_document):
    assert len(pdf_document) == 3
    first, second, third = (_text(page) for page in pdf_document)
    assert HEADING in first and "Bilan de décembre — Maison Dupont" in first
    assert "portés par Instagram" in first and "Mastodon" in first
    assert "Rythme de publication" in second and "Publications par jour" in second
    assert "Les chiffres" in third and "10 600" in third and "05/12/2026" in third


def test_pdf_pages_are_drawn_within_their_margins(pdf_document):
    margin = render_pdf.MARGIN
    for page in pdf_document:
        width, height = page.get_size()
        assert (round(width), round(height)) == (842, 595)  # A4 landscape
        pixels = _pixels(page)
        ink = (pixels < 235).any(axis=2)
        assert ink.mean() > 0.01  # not blank
        m = int(margin) - 1
        assert not ink[:m].any() and not ink[-m:].any() and not ink[:, :m].any() and not ink[:, -m:].any()


def test_pdf_charts_are_drawn_with_the_gap(pdf_document):
    accent = np.array([0x5B, 0x4B, 0xDB])
    below_header = int(render_pdf.MARGIN + render_pdf.HEADER)

    def accent_ink(pixels):
        return (np.abs(pixels - accent).sum(axis=2) < 60)[below_header:]

    line_page, bar_page = _pixels(pdf_document[0]), _pixels(pdf_document[1])
    assert accent_ink(line_page).sum() > 300 and accent_ink(bar_page).sum() > 3000
    # Instagram has no figure on 3 December: no accent under that category's label.
    plot_left = render_pdf.MARGIN + 56
    slot = (842 - 2 * render_pdf.MARGIN - 56 - 8) / 5
    x = int(plot_left + slot * 2.5)
    assert not accent_ink(line_page)[:, x - 3:x + 4].any()
    assert accent_ink(line_page)[:, int(plot_left + slot * 1.5)].any()  # and some under 2 December


def test_pdf_logo_at_the_top():
    with_logo = pdfium.PdfDocument(render_pdf.render(sample()))
    try:
        pixels = _pixels(with_logo[0])
    finally:
        with_logo.close()
    top = render_pdf.MARGIN
    red = (pixels[:, :, 0] > 150) & (pixels[:, :, 1] < 80)
    rows, columns = np.nonzero(red)
    assert rows.size and rows.min() >= top - 1 and rows.max() <= top + render_pdf.LOGO_HEIGHT + 1
    with pytest.raises(ValueError, match="logo"):
        render_pdf.render(Report("x", [], logo=b"not an image"))


def test_pdf_table_columns_keep_figures_whole():
    assert render_pdf._shrink([100, 50], 200) == [100, 50]
    assert render_pdf._shrink([300, 60, 40, 70], 300) == [130, 60, 40, 70]  # only the text column wraps


def test_pdf_without_dejavu_falls_back_to_helvetica(monkeypatch):
    monkeypatch.setattr(render_pdf, "FONT_DIRS", [])
    render_pdf.fonts.cache_clear()
    try:
        document = pdfium.PdfDocument(render_pdf.render(sample(logo=False)))
        try:
            assert HEADING in _text(document[0]) and "10 600" in _text(document[2])
        finally:
            document.close()
    finally:
        render_pdf.fonts.cache_clear()


def test_pdf_table_columns_never_cut_a_word_in_its_middle():
    header = ["Réseau", "Publications", "Interactions", "Vues", "Taux par abonnés (moyenne des posts), %",
              "Taux par vues (moyenne des posts), %"]
    rows = [header, ["Mastodon", 40, 1234, 56000, 4.56, 2.1], ["Bluesky", 34, 3176, None, 4.2, None]]
    document = pdfium.PdfDocument(render_pdf.render(Report("Bilan", [Slide("Publications", table=rows)])))
    words = _text(document[0]).split()
    for word in ("Publications", "Interactions", "Mastodon", "abonnés"):
        assert word in words

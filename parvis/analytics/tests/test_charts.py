"""The chart description drawn for the web: a gap is a gap (never a zero), every text is
escaped (account names come from networks), the axis covers the values, and the figures
come as a table beside the picture."""

from __future__ import annotations

from django.utils import translation

from parvis.analytics import charts
from parvis.analytics.charts import Chart, ChartSeries


def test_a_missing_value_breaks_the_line_and_the_table_says_so() -> None:
    chart = Chart("line", "Abonnés", ["1", "2", "3", "4"], [ChartSeries("<b>@x</b>", [10, None, 12, 13.5])])
    picture = str(charts.svg(chart))
    assert picture.count("<polyline") == 1 and picture.count("<circle") == 1  # [10] alone, then [12, 13.5]
    table = str(charts.table_html(chart, "Jour"))
    assert "&lt;b&gt;@x&lt;/b&gt;" in table and "<b>" not in table
    with translation.override("fr"):  # in the reader's language
        assert [cells for _label, cells in charts.table_rows(chart)] == [["10"], ["—"], ["12"], ["13,50"]]


def test_texts_in_the_picture_are_escaped() -> None:
    chart = Chart("bar", "<script>alert(1)</script>", ["<i>lundi</i>"], [ChartSeries("n", [3])])
    picture = str(charts.svg(chart))
    assert "<script>" not in picture and "&lt;script&gt;" in picture and "<i>" not in picture


def test_the_axis_covers_the_values_with_round_ticks() -> None:
    assert charts.nice_ticks(10_412, 10_587) == [10400.0, 10450.0, 10500.0, 10550.0, 10600.0]
    ticks = charts.nice_ticks(0, 7)
    assert ticks[0] == 0 and ticks[-1] >= 7

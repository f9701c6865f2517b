"""The client report: its period, its commentary pre-filled from the figures in the
client's language, every slide stamped with when the figures were collected, and the
three files read back with the readers a client's software would use."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, date, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image
from pptx import Presentation

from parvis.analytics import collect, report, report_cli
from parvis.analytics.dashboard import Period
from parvis.analytics.models import AccountSnapshot, DailyFigures, PostFigures
from parvis.analytics.tests.helpers import published
from parvis.testing.factories import make_account

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def post(account: object, when: datetime, interactions: int, text: str = "Notre nouvelle fournée") -> PostFigures:
    pub = published(account, when, text=text)
    row = PostFigures.objects.create(
        publication=pub, workspace=pub.account.workspace, account=pub.account, published_at=when,
        values={"likes": interactions}, interactions=interactions, views=interactions * 10, followers=1000,
        taken_at=datetime(2026, 12, 1, 4, 30, tzinfo=UTC), readings=3)
    collect.roll_up(pub.account, {when})
    return row


@pytest.fixture
def month(people: dict) -> object:
    """November for a bakery on one account: two posts a week, Tuesday's (10:00 Paris)
    getting 69 interactions, the other days' 40; followers from 1,000 to 1,058."""
    workspace = people["workspace"]
    account = make_account(workspace, "mastodon")
    for day in range(1, 31):
        moment = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
        AccountSnapshot.objects.create(account=account, taken_at=moment, followers=1000 + 2 * (day - 1),
                                       values={"followers": 1000 + 2 * (day - 1)})
        collect.roll_up(account, {moment})
        if moment.weekday() in (1, 4):  # Tuesdays and Fridays
            post(account, moment, 69 if moment.weekday() == 1 else 40, text=f"Post du {day} novembre #boulangerie")
    return workspace


def test_a_period_is_a_month_a_week_or_two_dates() -> None:
    assert report.parse_period("2026-11") == NOVEMBER
    assert report.parse_period("2026-02") == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert report.parse_period("2026-W47") == Period(date(2026, 11, 16), date(2026, 11, 22))
    assert report.parse_period(" 2026-11-03..2026-11-09 ") == Period(date(2026, 11, 3), date(2026, 11, 9))
    for wrong in ("novembre", "2026-13", "2026-W60", "2026-11-09..2026-11-03", ""):
        with pytest.raises(report.ReportError) as error:
            report.parse_period(wrong)
        assert error.value.field == "period"


def test_a_report_delivered_on_a_day_covers_the_last_whole_week_or_month() -> None:
    monday = date(2026, 12, 7)
    assert report.period_before("week", monday) == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert report.period_before("week", date(2026, 12, 9)) == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert report.period_before("month", monday) == NOVEMBER
    assert report.period_before("month", date(2026, 1, 1)) == Period(date(2025, 12, 1), date(2025, 12, 31))


def test_the_commentary_is_written_from_the_figures_in_the_clients_language(month: object) -> None:
    figures = report.gather(month, NOVEMBER, NOW)
    french = report.draft_commentary(figures, "fr")
    # Tuesdays: 4 posts × 69; Fridays: 4 × 40 → mean 54.5; 69 / 54.5 = +26.6 %.
    assert "Les posts du mardi ont obtenu +26,6\u202f% d'engagement" in french["highlights"]
    assert "8 publications" in french["highlights"] and "436 interactions" in french["highlights"]
    assert "1\u00a0058 abonnés (+58)" in french["highlights"]
    english = report.draft_commentary(figures, "en")
    assert "Tuesday's posts got +26.6% engagement against the period's average (4 posts)." in english["highlights"]
    assert set(french) == set(report.SECTIONS)
    assert "Aucun message" in french["inbox"]  # an empty inbox is said, not left blank


def test_every_slide_says_when_its_figures_were_collected(month: object) -> None:
    figures = report.gather(month, NOVEMBER, NOW)
    deck = report.compose(figures, report.SECTIONS, {"highlights": "Un mois porté par le mardi."}, "fr")
    assert deck.title == f"{month.name} — bilan du 01/11/2026 au 30/11/2026"
    assert [s.heading for s in deck.slides][0] == "Faits marquants"
    assert deck.slides[0].paragraphs[0] == "Un mois porté par le mardi."  # the CM's words first
    for slide in deck.slides:
        assert slide.paragraphs[-1] == "Chiffres relevés jusqu'au 01/12/2026 05:30 (Europe/Paris)."
    top = next(s for s in deck.slides if s.heading == "Meilleurs posts")
    assert top.table[1][0] == "24/11/2026 10:00" and top.table[1][3] == 69  # the latest of the best first
    assert top.table[1][-1] == "01/12/2026 05:30"  # each post's own reading time


def test_a_sections_choice_is_kept_in_the_reports_order_and_checked(month: object) -> None:
    assert report.check_sections(["veille", "highlights", "veille"]) == ["highlights", "veille"]
    for wrong in ([], ["bilan"]):
        with pytest.raises(report.ReportError) as error:
            report.check_sections(wrong)
        assert error.value.field == "sections"
    with pytest.raises(report.ReportError) as error:
        report.check_formats(["docx"])
    assert error.value.field == "formats"


def _logo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 30), colour).save(out, "PNG")
    return out.getvalue()


def test_the_three_files_agree_with_the_figures(month: object) -> None:
    steps: list[tuple[int, str]] = []
    brand = report.Brand(accent="#c0392b", logo=_logo((20, 20, 20)), client_logo=_logo((200, 30, 30)))
    files = report.make(month, NOVEMBER, NOW, language="fr", brand=brand,
                        progress=lambda done, what: steps.append((done, what)))
    assert [done for done, _what in steps] == sorted(done for done, _what in steps) and steps[-1][0] == 100
    followers = list(DailyFigures.objects.filter(day__gte=NOVEMBER.start, day__lte=NOVEMBER.end)
                     .order_by("day").values_list("followers", flat=True))

    deck = Presentation(io.BytesIO(files["pptx"]))
    assert len([s for s in deck.slides.__iter__().__next__().shapes if s.shape_type == 13]) == 2  # both logos
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    line = charts[0]
    assert [float(v) for v in line.plots[0].series[0].values] == [float(v) for v in followers]
    interactions = charts[1].plots[0].series[0].values
    assert sum(interactions) == 436

    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert "Faits marquants" in book.sheetnames
    assert book["Faits marquants"]["B3"].value == 436  # interactions, as a number a client can sum

    pdf = pdfium.PdfDocument(files["pdf"])
    text = "".join(pdf[n].get_textpage().get_text_range() for n in range(len(pdf)))
    assert "Les posts du mardi ont obtenu" in text and "Chiffres relevés jusqu'au 01/12/2026" in text
    assert len(pdf) == len(report.SECTIONS)


def test_the_command_line_writes_the_file_and_names_what_is_wrong(month: object, tmp_path) -> None:
    parser = argparse.ArgumentParser()
    report_cli.add_arguments(parser)
    out = tmp_path / "bilan.xlsx"
    err = io.StringIO()
    code = report_cli.run(parser.parse_args([month.name.upper(), "--period", "2026-11", "--format", "xlsx",
                                             "--out", str(out)]), err)
    assert code == 0 and load_workbook(out).sheetnames
    assert "100 %" in err.getvalue() and f"{out}:" in err.getvalue()
    for argv, field in ((["nobody", "--period", "2026-11"], "report: workspace: no workspace"),
                        ([month.name, "--period", "nov"], "--period"),
                        ([month.name, "--period", "2026-11", "--sections", "bilan"], "--sections")):
        err = io.StringIO()
        assert report_cli.run(parser.parse_args([*argv, "--out", str(tmp_path / "x.pdf")]), err) == 2
        assert field in err.getvalue()


def test_a_report_over_a_client_without_figures_still_reads_well(people: dict) -> None:
    files = report.make(people["workspace"], NOVEMBER, NOW, formats_=["pdf"], language="en")
    pdf = pdfium.PdfDocument(files["pdf"])
    text = "".join(pdf[n].get_textpage().get_text_range() for n in range(len(pdf)))
    assert "Nothing was published over the period." in text
    assert "Not enough posts yet to recommend times to post." in text
    assert (NOW - timedelta(days=1)).year == 2026


def test_the_return_on_investment_is_costed_from_the_cms_time_and_day_rate(month: object) -> None:
    from parvis.analytics.models import CostSettings

    figures = report.gather(month, NOVEMBER, NOW)
    assert "day rate" in report.draft_commentary(figures, "en")["roi"]  # nothing costed without one
    CostSettings.objects.create(workspace=month, day_rate=400, hours_per_day=8)
    figures = report.gather(month, NOVEMBER, NOW)
    french = report.draft_commentary(figures, "fr")["roi"]
    # 8 posts × 20 minutes (the estimate) = 2.7 h; 160 / 60 / 8 × 400 = 133.33; 436 interactions.
    assert "2,7 heures de community management (0 saisies, 2,7 estimées) ont coûté 133,33\u00a0EUR" in french
    assert "0,31\u00a0EUR par engagement" in french
    slide = report.compose(figures, ["roi"], {}, "fr").slides[0]
    assert ["Coût par engagement", "0,31\u00a0EUR"] in slide.table


@pytest.mark.parametrize("wrong", ["9999-12", "9999-12-31..9999-12-31", "99999999999999999999-01"])
def test_a_period_out_of_range_is_named_not_a_crash(wrong: str) -> None:
    with pytest.raises(report.ReportError) as error:
        report.parse_period(wrong)
    assert error.value.field == "period"


def test_every_table_as_a_csv_a_french_excel_opens(month: object) -> None:
    data = report.make(month, NOVEMBER, NOW, formats_=["csv"], language="fr")["csv"]
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data  # a BOM, else Excel reads cp1252
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[:3] == ["Faits marquants", "Indicateur;Période;Période précédente;Évolution", "Posts;8;0;"]
    assert "Interactions;436;0;" in lines
    assert "Taux d'engagement par abonnés (total ÷ total), %;5,45;;" in lines  # decimal comma
    assert lines[lines.index("Meilleurs posts") + 2].startswith("24/11/2026 10:00;Mastodon")

"""The client report in Chromium against `parvis up` (its own worker builds it): a CM
builds November's report for a brand with two months of figures, follows the progress,
rewrites the commentary, gets the files drawn again, and downloads the PDF, the
PowerPoint and the Excel file; then reads the run on a phone at 390 px (README
screenshots)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook
from pptx import Presentation

from parvis.web.tests.browser import browser_marks, log_in, new_workspace, shot
from parvis.web.tests.test_browser_analytics import HISTORY
from parvis.web.tests.test_browser_phone import in_parvis

pytestmark = browser_marks


def _deck_text(data: bytes) -> str:
    deck = Presentation(io.BytesIO(data))
    return " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)


def test_a_cm_builds_the_months_report_edits_the_commentary_and_downloads_three_files(browser, parvis):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, parvis)
    workspace = new_workspace(page, parvis, "Boulangerie Dupont")
    json.loads(in_parvis(parvis, "import json\n" + HISTORY.replace("WORKSPACE", workspace)).strip().splitlines()[-1])
    page.goto(f"{parvis.url}/w/{workspace}/publications/")
    page.click("[data-testid=nav-reports]")
    page.wait_for_url(f"**/w/{workspace}/reports/")
    page.click("[data-testid=build]")  # last month, every section, every format
    page.wait_for_url(f"**/w/{workspace}/reports/runs/**")
    page.wait_for_selector("[data-testid=report-progress][data-status=ready]", timeout=60_000)
    highlights = page.locator("[data-testid=commentary-highlights]")
    assert "publications ont obtenu" in highlights.input_value() or "Rien n'a été publié" in highlights.input_value()
    shot(page, "report")

    highlights.fill("Un mois porté par les galettes : merci à toute l'équipe.")
    page.click("[data-testid=save-commentary]")
    page.wait_for_selector("[data-testid=report-progress][data-status=ready]", timeout=60_000)
    assert page.locator("[data-testid=commentary-highlights]").input_value().startswith("Un mois porté")

    files = {}
    for name in ("pdf", "pptx", "xlsx"):
        with page.expect_download() as waiting:
            page.click(f"[data-testid=file-{name}]")
        download = waiting.value
        assert download.suggested_filename.startswith("Boulangerie Dupont ") and download.suggested_filename.endswith(
            "." + name)
        files[name] = Path(download.path()).read_bytes()
    assert files["pdf"][:4] == b"%PDF"
    assert "Un mois porté par les galettes" in _deck_text(files["pptx"])
    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert "Faits marquants" in book.sheetnames

    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(page.url)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    shot(small, "report-phone", full_page=False)
    small.goto(f"{parvis.url}/w/{workspace}/reports/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
    context.close()

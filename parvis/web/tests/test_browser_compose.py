"""The composer's images in Chromium against `parvis up`: an image picked is uploaded into
the library at once and shown with its thumbnail; its alt text typed; another one
unticked goes back among the library's, which a search offers without the chosen ones;
the post refused
(a date in the past); the image, ticked, its thumbnail and its alt text are all still
there; the date corrected, the post is saved with them, and the publications list and
detail show the image. A file that is not an image is refused on the spot, naming it.
All of it under the Content-Security-Policy, with no violation."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from parvis.testing.images import png_bytes
from parvis.web.tests.browser import attach_image, browser_marks, log_in, save_post, workspace_with_mastodon
from parvis.web.tests.test_browser_csp import Watch

pytestmark = browser_marks

LOADED = "img => img.complete && img.naturalWidth > 0"


def shows(image: Any) -> bool:
    """The image has loaded (waits for it: a new thumbnail is made on first request)."""
    image.page.wait_for_function(LOADED, arg=image.element_handle(), timeout=15_000)
    return True


def test_a_picked_image_and_its_alt_text_survive_a_refused_post(browser, parvis, mastodon_server, tmp_path: Path):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    watch = Watch(context)
    page = context.new_page()
    log_in(page, parvis)
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, name="Boulangerie Photo",
                                                   prefix="photo")
    image = tmp_path / "croissants.png"
    image.write_bytes(png_bytes((640, 480), "peru"))
    notes = tmp_path / "notes.png"
    notes.write_bytes(b"these are words, not pixels")

    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", "Les croissants du dimanche")
    attach_image(page, image, "Six croissants dorés sur une grille")
    chosen = page.locator("#chosen-media [data-testid=media-choice]")
    assert chosen.count() == 1 and chosen.locator("input[name=library_media]").is_checked()
    assert shows(chosen.locator("img.thumb"))  # the thumbnail, made by the server
    assert page.input_value("#id_media") == ""  # uploaded: the form will not send the file again

    # A second image, unticked: back among the library's; a search leaves out what is chosen.
    bread = tmp_path / "pain.png"
    bread.write_bytes(png_bytes((300, 200), "wheat"))
    attach_image(page, bread, "Un pain")
    second = page.locator("#chosen-media [data-testid=media-choice]").nth(1)
    asset = second.get_attribute("data-asset")
    second.locator("input[name=library_media]").uncheck()
    page.locator(f'#picker [data-asset="{asset}"]').wait_for(state="attached")  # in the closed picker
    assert page.locator("#chosen-media [data-testid=media-choice]").count() == 1
    page.click("[data-testid=library-picker] summary")
    page.fill("#id_library_q", "croissants")
    page.locator("#picker .empty").wait_for()  # the only match is already chosen
    page.fill("#id_library_q", "")
    page.locator(f'#picker [data-asset="{asset}"]').wait_for()

    page.set_input_files("#id_media", str(notes))
    refusal = page.locator("#upload-status [data-field=media]")
    refusal.wait_for()
    assert "notes.png" in refusal.inner_text() and chosen.count() == 1

    page.fill("#id_scheduled_at", "2001-01-01T10:00")  # in the past: refused
    page.click("button.primary.big")
    page.locator("[data-testid=errors]").wait_for()
    assert page.locator("[data-testid=errors] [data-field=scheduled_at]").count() == 1
    chosen = page.locator("#chosen-media [data-testid=media-choice]")
    assert chosen.count() == 1 and chosen.locator("input[name=library_media]").is_checked()
    assert chosen.locator("input[type=text]").input_value() == "Six croissants dorés sur une grille"
    assert shows(chosen.locator("img.thumb"))
    assert page.input_value("#id_text") == "Les croissants du dimanche"

    due = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=2)).replace(hour=8, minute=0)
    page.fill("#id_scheduled_at", due.strftime("%Y-%m-%dT%H:%M"))
    save_post(page, parvis=parvis)
    thumb = page.locator("[data-testid=post-thumbs] img").first
    assert thumb.get_attribute("alt") == "Six croissants dorés sur une grille" and shows(thumb)
    page.locator("tr[data-publication] td a").first.click()
    shown = page.locator("[data-testid=post-media] img")
    shown.wait_for()
    assert shown.get_attribute("alt") == "Six croissants dorés sur une grille" and shows(shown)
    assert watch.violations(page) == []
    context.close()

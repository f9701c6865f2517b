"""The whole path a CM walks, in Chromium against `parvis up`: log in, create a workspace,
connect an account on the local Mastodon server, compose a post with an image, schedule it
a minute ahead, and watch it become "published" with its link. Then the same in French.

The screenshots in docs/screenshots/ (shown in the README) are taken here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from parvis.testing.images import png_bytes
from parvis.testing.parvis_server import ParvisUp
from parvis.web.tests.browser import (
    attach_image,
    browser_marks,
    live_checked,
    log_in,
    save_post,
    shot,
    workspace_with_mastodon,
)

pytestmark = browser_marks


def walk(page, parvis: ParvisUp, mastodon_server, tmp_path: Path, *, brand: str, text: str, lang: str) -> None:
    png_path = tmp_path / "baguette.png"
    png_path.write_bytes(png_bytes((800, 600), "goldenrod"))
    page.goto(f"{parvis.url}/login/")
    assert page.locator("html").get_attribute("lang") == lang
    log_in(page, parvis)

    workspace_id, local = workspace_with_mastodon(page, parvis, mastodon_server, name=brand, prefix=f"{lang}brand")
    assert page.locator(f"tr[data-account*='{local['username']}']").count() == 1
    if lang == "en":
        shot(page, "accounts")

    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", text)
    attach_image(page, png_path, "Une baguette dorée sur un comptoir")
    due = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    due += timedelta(minutes=1)  # the next whole minute at least a minute ahead
    scheduled_at = due.strftime("%Y-%m-%dT%H:%M")
    live_checked(page, lambda: page.fill("#id_scheduled_at", scheduled_at), "scheduled_at", scheduled_at)
    assert page.locator("[data-testid=count]").first.inner_text().endswith("/ 500")
    if lang == "en":
        shot(page, "compose")
    save_post(page, parvis=parvis)
    state = page.locator("[data-testid=state]").first
    assert "scheduled" in state.get_attribute("class")

    # The list refreshes itself (htmx) every 5 s: no reload needed to see it published.
    page.locator("[data-testid=state].published").first.wait_for(timeout=150_000)
    link = page.locator("[data-testid=remote-link]").first.get_attribute("href")
    status = mastodon_server.statuses_of(local)
    assert len(status) == 1 and link == status[0]["url"]
    assert status[0]["media_attachments"][0]["description"] == "Une baguette dorée sur un comptoir"
    if lang == "en":
        shot(page, "publications")  # the calendar's shots: test_browser_calendar.py


def test_cm_schedules_a_post_with_an_image_and_sees_it_published(browser, parvis, mastodon_server, tmp_path):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    walk(context.new_page(), parvis, mastodon_server, tmp_path, brand="Dupont Bakery",
         text="Fresh from the oven at 7am #bakery https://example.com/bread", lang="en")
    context.close()


def test_same_flow_in_french(browser, parvis, mastodon_server, tmp_path):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    walk(page, parvis, mastodon_server, tmp_path, brand="Boulangerie Dupont",
         text="Sortie du four à 7 h #boulangerie https://example.com/pain", lang="fr")
    from django.utils import translation

    with translation.override("fr"):
        published = translation.gettext("Published")
    assert page.locator("[data-testid=state].published").first.inner_text() == published
    context.close()

"""The editorial charter in Chromium against `parvis up`: a manager sets the rules, the
composer warns as the CM types (amber warnings, red blocking rules), and scheduling is
refused with the rule named until the text is fixed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from parvis.web.tests.browser import browser_marks, live_checked, log_in, save_post, shot, workspace_with_mastodon

pytestmark = browser_marks


def test_charter_warns_as_you_type_and_blocks_scheduling(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, name="Charter bakery",
                                                   prefix="charter")

    page.goto(f"{parvis.url}/w/{workspace_id}/settings/")
    page.click("[data-testid=charter-link]")
    page.fill("#id_banned_terms", "pas cher\narnaque")
    page.check("fieldset[data-rule=banned_terms] input[name=blocking]")
    page.fill("#id_max_emojis", "1")
    page.fill("#id_required_hashtags", "#boulangerie")
    page.check("input[name=utm_enabled]")
    page.click("form.charter-form button[type=submit]")
    page.locator(".flash").wait_for()
    shot(page, "charter")

    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", "Galettes pas chères ? Non, PAS CHER du tout 🥐🇫🇷 https://example.com/galette")
    blocking = page.locator("ul.charter-findings li.blocking")
    blocking.first.wait_for()
    assert "banned expression: “pas cher”" in blocking.first.inner_text()
    assert "blocks scheduling" in blocking.first.inner_text().lower()
    warnings = page.locator("ul.charter-findings li.warning").all_inner_texts()
    assert any("too many emojis: 2, 1 at most" in w for w in warnings)
    assert any("required hashtag missing: #boulangerie" in w for w in warnings)
    due = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    live_checked(page, lambda: page.fill("#id_scheduled_at", due), "scheduled_at", due)
    shot(page, "compose-charter")
    page.click("button.primary.big")
    errors = page.locator("[data-testid=errors]")
    errors.wait_for()
    assert "Charter — banned expression: “pas cher”" in errors.inner_text()

    page.fill("#id_text", "Galettes du jour 🥐 #boulangerie https://example.com/galette")
    page.fill("#id_scheduled_at", due)
    page.locator("ul.charter-findings li.blocking").wait_for(state="detached")
    save_post(page, parvis=parvis)
    context.close()

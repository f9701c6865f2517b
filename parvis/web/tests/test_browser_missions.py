"""The mission in Chromium against `parvis up`: a manager sets this month's promise for
the workspace's Mastodon account, plans a post, and the mission page, the calendar's
month and the home page show where the month stands; at 390 px none of them scrolls
sideways, and nothing breaks the Content-Security-Policy (the bars are SVG attributes)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from parvis.web.tests.browser import browser_marks, log_in, save_post, workspace_with_mastodon

pytestmark = browser_marks

PARIS = ZoneInfo("Europe/Paris")


def test_a_missions_progress_reads_at_a_glance_on_a_phone(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, parvis)
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, prefix="mission")
    mission = f"{parvis.url}/w/{workspace_id}/mission/"
    page.click("[data-testid=nav-mission]")
    page.wait_for_url(mission)
    page.fill("input[name='promises.mastodon']", "12")
    page.click("form.mission-form button[type=submit]")
    page.wait_for_url(re.compile(r"/mission/\?month=\d{4}-\d{2}$"))
    expect(page.locator(".mission-row[data-network=mastodon]")).to_contain_text("0 planned · 0 published · 12 promised")

    when = datetime.now(PARIS) + timedelta(hours=2)
    if when.month == datetime.now(PARIS).month:  # late on the month's last day the post would be next month's
        page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
        page.check("input[name=accounts]")
        page.fill("#id_text", "La galette du mois")
        page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
        save_post(page, parvis=parvis)
        page.goto(mission)
        expect(page.locator(".mission-row[data-network=mastodon]")).to_contain_text("1 planned · 0 published")

    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844},
                                storage_state=context.storage_state())
    small = phone.new_page()
    small.on("console", lambda message: refused.append(message.text)
             if "Content Security Policy" in message.text else None)
    for url in (mission, f"{parvis.url}/w/{workspace_id}/calendar/?view=month",
                f"{parvis.url}/w/{workspace_id}/calendar/?view=agenda", f"{parvis.url}/"):
        small.goto(url)
        expect(small.locator("svg.mission-bar").first).to_be_visible()
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide at 390 px"
    assert refused == []
    phone.close()
    context.close()

"""Queue slots and recurring posts in Chromium against `parvis up`: a manager sets an
account's weekly posting times, two posts are added to the queue from the composer, the
second is moved up with htmx; then a post repeating every Monday and Thursday is created
and its series page lists the occurrences at the same local time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from parvis.web.tests.browser import browser_marks, live_checked, log_in, save_post, shot, workspace_with_mastodon

pytestmark = browser_marks


def test_queue_slots_reorder_and_a_repeating_post(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, name="Fromagerie Martin",
                                                   prefix="fromagerie")
    base = f"{parvis.url}/w/{workspace_id}"

    page.goto(f"{base}/accounts/")
    page.click("[data-testid=queue-link]")
    page.wait_for_url(re.compile(r"/queue/$"))
    for day, at in (("1", "09:00"), ("3", "12:30")):
        page.select_option("tr.new-slot select[name=day]", day)
        page.fill("tr.new-slot input[name=time]", at)
        page.click("[data-testid=slots-form] button.primary")
        page.wait_for_url(re.compile(r"/queue/$"))
    assert page.locator("tr[data-slot]").count() == 2

    for text in ("Croissants tout chauds", "Le pain de la semaine"):
        page.goto(f"{base}/compose/")
        page.check("input[name=accounts]")
        page.fill("#id_text", text)
        page.check("[data-testid=mode-queue]")
        assert not page.locator("#id_scheduled_at").is_visible()  # no date to enter
        save_post(page, parvis=parvis)

    page.goto(f"{base}/accounts/")
    page.click("[data-testid=queue-link]")
    rows = page.locator("#queue-list tbody tr")
    assert rows.nth(0).inner_text().count("Croissants") == 1
    rows.nth(1).locator("button[value=up]").click()
    page.wait_for_function("() => document.querySelector('#queue-list tbody tr').innerText.includes('Le pain')")
    assert "Croissants" in page.locator("#queue-list tbody tr").nth(1).inner_text()
    shot(page, "queue")

    start = datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=2)
    page.goto(f"{base}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", "La fournée du lundi et du jeudi")
    page.fill("#id_scheduled_at", start.strftime("%Y-%m-%dT08:00"))
    page.click("[data-testid=repeat] summary")
    page.select_option("#id_repeat", "weekly")
    page.check("input[name=repeat_days][value='0']")
    page.check("input[name=repeat_days][value='3']")
    page.check("input[name=repeat_end][value=count]")
    count = page.locator("input[name=repeat_count]")

    def eight_times() -> None:
        count.fill("8")
        count.dispatch_event("change")  # as leaving the field does: the composer checks on change

    live_checked(page, eight_times, "repeat_count", "8")
    page.locator("[data-testid=count]").first.wait_for()
    shot(page, "compose-repeat")
    page.click("button.primary.big")
    page.wait_for_url(re.compile(r"/series/\d+/$"))
    occurrences = page.locator("[data-testid=occurrences] tbody tr[data-post]")
    assert occurrences.count() == 8
    assert {occurrences.nth(i).locator("time").inner_text()[-5:] for i in range(8)} == {"08:00"}
    shot(page, "series")
    context.close()

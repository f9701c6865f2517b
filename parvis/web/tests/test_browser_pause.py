"""Crisis pause in Chromium against `parvis up` (real dispatcher and worker): a manager
pauses from the settings page, a post published "now" is held and never reaches the
network, and on resume "publish now" sends it."""

from __future__ import annotations

import re

from parvis.web.tests.browser import browser_marks, log_in, save_post, shot, workspace_with_mastodon

pytestmark = browser_marks


def test_pause_holds_a_post_published_now_and_resume_sends_it(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id, local = workspace_with_mastodon(page, parvis, mastodon_server, name="Fromagerie Martin",
                                                  prefix="fromagerie")
    base = f"{parvis.url}/w/{workspace_id}"

    page.goto(f"{base}/settings/")
    page.fill("#id_reason", "Product recall: no promotion until the press release")
    page.check(".pause-switch input[name=confirm]")
    page.click(".pause-switch button.danger")
    page.wait_for_url(re.compile(r"/pause/$"))
    assert "Product recall" in page.locator("[data-testid=pause-banner]").inner_text()

    page.goto(f"{base}/compose/")
    assert page.locator("[data-testid=pause-compose]").is_visible()
    shot(page, "pause-compose")
    page.check("input[name=accounts]")
    page.fill("#id_text", "Our camembert is back in store!")
    page.check("input[name=mode][value=now]")
    save_post(page, parvis=parvis)
    # The list refreshes itself every 5 s: by its second refresh the worker has run the
    # "publish now" job and the dispatcher several passes (1 s apart); nothing went out.
    for _ in range(2):
        with page.expect_response(lambda r: "/publications/" in r.url and r.request.headers.get("hx-request") == "true",
                                  timeout=30_000):
            pass
    assert page.locator("[data-testid=state].published").count() == 0
    assert mastodon_server.statuses_of(local) == []

    page.goto(f"{base}/resume/")
    rows = page.locator("table.missed tbody tr")
    assert rows.count() == 1 and "camembert" in rows.first.inner_text()
    page.click("button[data-all=drop]")
    assert page.locator("[data-count=drop]").inner_text() == "1"
    page.click("button[data-all=reschedule]")
    assert page.locator("[data-when]").first.is_visible()
    page.click("button[data-all=publish_now]")
    assert page.locator("[data-count=publish_now]").inner_text() == "1"
    assert not page.locator("[data-when]").first.is_visible()
    shot(page, "pause-resume")
    page.click("form#resume button.primary")
    page.wait_for_url(re.compile(r"/publications/$"))
    assert page.locator("[data-testid=pause-banner]").count() == 0

    # The list refreshes itself (htmx, every 5 s): it shows the post once it went out.
    page.locator("[data-testid=state].published").first.wait_for(timeout=60_000)
    assert len(mastodon_server.statuses_of(local)) == 1
    context.close()

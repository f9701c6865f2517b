"""The analytics dashboard in Chromium against `parvis up`: a brand with a month of
published posts and their figures; the CM reads the key figures against the month
before, the charts and their figures as a table, narrows to a week and to one account,
and reads the same page on a phone at 390 px (README screenshots)."""

from __future__ import annotations

import json

from parvis.web.tests.browser import browser_marks, log_in, new_workspace, shot
from parvis.web.tests.test_browser_phone import in_parvis

pytestmark = browser_marks

HISTORY = '''
from django.utils import timezone
from parvis.accounts.models import Workspace
from parvis.networks.models import SocialAccount
from parvis.testing.analytics_history import seed_history

workspace = Workspace.objects.get(pk=WORKSPACE)
accounts = [SocialAccount.objects.create(workspace=workspace, network=network, server_url=url, remote_id=rid,
                                         handle=handle, credentials={"access_token": "x"})
            for network, url, rid, handle in (
                ("mastodon", "https://piaille.test", "1", "@dupont@piaille.test"),
                ("bluesky", "https://bsky.test", "did:plc:dupont", "@dupont.bsky.test"))]
seed_history(workspace, accounts, days=62, posts_per_day=1.5, now=timezone.now())
print(json.dumps([a.pk for a in accounts]))
'''


def test_a_cm_reads_the_months_figures_then_a_week_and_one_account(browser, parvis):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace = new_workspace(page, parvis, "Boulangerie Dupont")
    accounts = json.loads(in_parvis(parvis, "import json\n" + HISTORY.replace("WORKSPACE", workspace))
                          .strip().splitlines()[-1])
    page.goto(f"{parvis.url}/w/{workspace}/publications/")
    page.click("[data-testid=nav-analytics]")
    page.wait_for_url(f"**/w/{workspace}/analytics/")
    assert page.locator("[data-testid=kpi-posts] strong").inner_text().strip() != "0"
    assert page.locator("[data-testid=kpi-interactions] [data-testid=change]").count() == 1
    assert page.locator("[data-testid=chart] svg.chart").count() == 2
    assert page.locator("[data-testid=chart] polyline").count() == 2  # a line per account
    assert page.locator("[data-testid=per-account] tbody tr").count() == 2
    assert page.locator("[data-testid=top-posts] li").count() == 5
    shot(page, "analytics")
    page.locator("[data-testid=chart] summary").first.click()
    assert page.locator("[data-testid=chart] table").first.is_visible()

    page.click("[data-testid=periods] a >> nth=0")  # 7 days
    page.wait_for_url("**?days=7")
    week = int(page.locator("[data-testid=kpi-posts] strong").inner_text())
    page.select_option("#id_account", str(accounts[0]))
    page.click("[data-testid=period-form] button")
    page.wait_for_load_state()
    assert page.locator("[data-testid=chart] polyline").count() == 1
    assert int(page.locator("[data-testid=kpi-posts] strong").inner_text()) < week or week == 0

    page.fill("#id_start", "2026-11-10")
    page.fill("#id_end", "2026-11-01")
    page.click("[data-testid=period-form] button")
    assert page.locator("[data-testid=period-error]").is_visible()
    assert page.get_attribute("#id_end", "aria-invalid") == "true"

    # Best time to post: the seeded history does better on Tuesdays and late mornings.
    page.goto(f"{parvis.url}/w/{workspace}/analytics/")
    page.click("[data-testid=best-times-link]")
    assert page.locator("[data-testid=best-grid] td.heat-4").count() >= 1
    assert "Mardi" in page.locator("[data-testid=best-slots] li").first.inner_text()
    shot(page, "best-times")
    page.select_option("#id_weekday", "1")
    page.fill("#id_time_a", "08:00")
    page.fill("#id_time_b", "12:30")
    page.click("[data-testid=experiment-form] button[type=submit]")
    page.wait_for_selector("[data-testid=experiment-result]")
    assert "08:00" in page.locator("[data-testid=experiment]").first.inner_text()

    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{parvis.url}/w/{workspace}/analytics/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    shot(small, "analytics-phone", full_page=False)
    phone.close()
    context.close()

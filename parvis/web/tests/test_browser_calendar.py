"""The calendar as a planning tool, in Chromium against `parvis up`: a CM plans posts in a
campaign, drags one to another day and time in the week view, then to another day in the
month view (same time of day), and a refused move leaves the post where it was.

The "calendar" and "calendar-week" screenshots in docs/screenshots/ are taken here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from parvis.testing.parvis_server import ParvisUp
from parvis.web.tests.browser import browser_marks, log_in, shot, workspace_with_mastodon

pytestmark = browser_marks

PARIS = ZoneInfo("Europe/Paris")


def campaign(page, parvis: ParvisUp, workspace_id: str, name: str, colour: str) -> None:
    page.goto(f"{parvis.url}/w/{workspace_id}/campaigns/")
    form = page.locator("[data-testid=campaign-form]")
    form.locator("#id_name").fill(name)
    form.locator("#id_colour").fill(colour)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"[data-testid=campaigns] >> text={name}")


def plan_post(page, parvis: ParvisUp, workspace_id: str, text: str, when: datetime, campaign_name: str = "") -> None:
    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", text)
    page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    if campaign_name:
        page.select_option("#id_campaign", label=campaign_name)
    page.click("button.primary.big")
    page.wait_for_url(re.compile(r"/publications/\?post=\d+"))


def event(page, text: str):
    return page.locator("[data-testid=event]", has_text=text)


def cell_of(page, text: str) -> str:
    return event(page, text).locator("xpath=ancestor::td[1]").get_attribute("data-drop")


def test_drag_a_post_to_reschedule_it_in_week_and_month_views(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, prefix="calendar")
    campaign(page, parvis, workspace_id, "Epiphany", "#c2410c")

    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=7 - today.weekday())  # next week: every cell is in the future
    at = lambda d, h, m=0: datetime(d.year, d.month, d.day, h, m, tzinfo=PARIS)  # noqa: E731
    plan_post(page, parvis, workspace_id, "King cake is back", at(monday, 10), "Epiphany")
    plan_post(page, parvis, workspace_id, "Sourdough workshop on Saturday", at(monday + timedelta(days=2), 17, 30))
    plan_post(page, parvis, workspace_id, "Meet our new baker", at(monday + timedelta(days=3), 8, 30), "Epiphany")
    calendar = f"{parvis.url}/w/{workspace_id}/calendar/"

    # Week view: drop on Tuesday 14:30.
    page.goto(f"{calendar}?view=week&day={monday:%Y-%m-%d}")
    assert cell_of(page, "King cake") == f"{monday:%Y-%m-%d}T10:00"
    tuesday = monday + timedelta(days=1)
    target = f"{tuesday:%Y-%m-%d}T14:30"
    event(page, "King cake").drag_to(page.locator(f'td[data-drop="{target}"]'))
    page.wait_for_selector("#cal-status:not([hidden])")
    assert "14:30" in page.inner_text("#cal-status")
    assert cell_of(page, "King cake") == target  # moved in place, no reload
    page.reload()
    assert cell_of(page, "King cake") == target  # and saved
    assert event(page, "King cake").locator("time").inner_text() == "14:30"
    shot(page, "calendar-week")

    # The publication page shows the new time.
    event(page, "King cake").locator("a").first.click()
    page.wait_for_url(re.compile(r"/publications/\d+/$"))
    assert f"{tuesday.day} " in page.inner_text("time") and "14:30" in page.inner_text("time")

    # Month view: drop on Friday; the time of day (14:30) is kept.
    page.goto(f"{calendar}?day={monday:%Y-%m-%d}")
    friday = monday + timedelta(days=4)
    event(page, "King cake").drag_to(page.locator(f'td[data-drop="{friday:%Y-%m-%d}"]'))
    page.wait_for_function("() => document.querySelector('#cal-status').textContent.includes('14:30')")
    page.reload()
    assert cell_of(page, "King cake") == f"{friday:%Y-%m-%d}"
    page.goto(f"{calendar}?view=week&day={friday:%Y-%m-%d}")
    assert cell_of(page, "King cake") == f"{friday:%Y-%m-%d}T14:30"

    # A refused move (a time in the past): the message shows and the post stays.
    page.goto(f"{calendar}?day={monday:%Y-%m-%d}")
    saturday = f"{monday + timedelta(days=5):%Y-%m-%d}"
    page.eval_on_selector(f'td[data-drop="{saturday}"]', "cell => cell.dataset.drop = '2001-01-01'")
    event(page, "Sourdough").drag_to(page.locator('td[data-drop="2001-01-01"]'))
    page.wait_for_selector("#cal-status.error")
    assert "past" in page.inner_text("#cal-status")
    assert cell_of(page, "Sourdough") == f"{monday + timedelta(days=2):%Y-%m-%d}"
    page.reload()
    assert cell_of(page, "Sourdough") == f"{monday + timedelta(days=2):%Y-%m-%d}"

    # Filters survive navigation; the month screenshot.
    page.goto(f"{calendar}?day={monday:%Y-%m-%d}")
    page.select_option("select[name=campaign]", label="Epiphany")
    page.wait_for_url(re.compile(r"campaign=\d+"))
    assert event(page, "Sourdough").count() == 0 and event(page, "King cake").count() == 1
    page.click("[data-testid=next]")
    assert re.search(r"campaign=\d+", page.url)
    page.goto(f"{calendar}?day={monday:%Y-%m-%d}")
    shot(page, "calendar")
    context.close()


def test_keyboard_alternative_is_a_link_to_the_edit_page(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, prefix="calendar")
    day = date.today() + timedelta(days=10)
    plan_post(page, parvis, workspace_id, "Croissant day", datetime(day.year, day.month, day.day, 9, tzinfo=PARIS))
    page.goto(f"{parvis.url}/w/{workspace_id}/calendar/?day={day:%Y-%m-%d}")
    edit = event(page, "Croissant day").locator("a.edit")
    edit.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/posts/\d+/edit/$"))
    assert page.input_value("#id_scheduled_at") == f"{day:%Y-%m-%d}T09:00"
    context.close()

"""The calendar as a planning tool, in Chromium against `parvis up`: a CM plans posts in a
campaign, drags one to another day and time in the week view, then to another day in the
month view (same time of day), and a refused move leaves the post where it was.

The "calendar" and "calendar-week" screenshots in docs/screenshots/ are taken here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from parvis.testing.parvis_server import ParvisUp
from parvis.web.tests.browser import browser_marks, log_in, save_post, shot, workspace_with_mastodon

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
    save_post(page, parvis=parvis)


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


def test_by_keyboard_a_post_is_moved_in_place_or_edited(browser, parvis, mastodon_server):
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

    # Or moved in the calendar itself: M on the post, the arrows, Enter.
    page.goto(f"{parvis.url}/w/{workspace_id}/calendar/?day={day:%Y-%m-%d}")
    event(page, "Croissant day").locator("a").first.focus()
    page.keyboard.press("m")
    expect(page.locator("#cal-status")).to_contain_text("arrows")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    later = day + timedelta(days=2)
    page.wait_for_function("() => document.querySelector('#cal-status').textContent.includes('09:00')")
    assert cell_of(page, "Croissant day") == f"{later:%Y-%m-%d}"
    assert page.evaluate("document.activeElement.closest('[data-testid=event]') !== null")  # the keyboard stays
    # The week opens at the working day (08:00 without working hours), not at midnight; a
    # half hour later by the down arrow.
    page.goto(f"{parvis.url}/w/{workspace_id}/calendar/?view=week&day={later:%Y-%m-%d}")
    top = page.evaluate("""() => { const box = document.querySelector('[data-calendar]');
        return document.querySelector('tr[data-time="08:00"]').getBoundingClientRect().top
               - box.getBoundingClientRect().top - box.querySelector('thead').offsetHeight; }""")
    assert abs(top) <= 2, top
    event(page, "Croissant day").locator("a").first.focus()
    for key in ("m", "ArrowDown", "Enter"):
        page.keyboard.press(key)
    page.wait_for_function("() => document.querySelector('#cal-status').textContent.includes('09:30')")
    page.reload()
    assert cell_of(page, "Croissant day") == f"{later:%Y-%m-%d}T09:30"
    # Escape leaves it where it was.
    event(page, "Croissant day").locator("a").first.focus()
    for key in ("m", "ArrowUp", "Escape"):
        page.keyboard.press(key)
    expect(page.locator("#cal-status")).to_have_text("Not moved.")
    assert cell_of(page, "Croissant day") == f"{later:%Y-%m-%d}T09:30"
    context.close()


STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; object-src 'none'; base-uri 'none'")


def strict_policy(page) -> list[str]:
    """Serve every page of parvis with a strict Content-Security-Policy (no inline script
    or style, no eval); returns the list the browser's policy violations are added to."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    def with_policy(route) -> None:
        response = route.fetch(max_redirects=0)  # the browser follows redirects itself
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route("**/*", with_policy)
    return violations


def test_a_crowded_day_opens_in_place_under_a_strict_policy_and_fits_a_phone(browser, parvis, mastodon_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = strict_policy(page)
    log_in(page, parvis)
    # A long name: the all-workspaces filter lists it (it made the page 726 px wide on a phone).
    workspace_id, _local = workspace_with_mastodon(
        page, parvis, mastodon_server, prefix="crowded",
        name="Boulangerie-pâtisserie Dupont et fils, Lyon 7e arrondissement, atelier de la Croix-Rousse")
    campaign(page, parvis, workspace_id, "Spring", "#15803d")
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=7 - today.weekday())
    for n in range(6):
        when = datetime(monday.year, monday.month, monday.day, 9, 10 * n, tzinfo=PARIS)
        plan_post(page, parvis, workspace_id, f"Crowded post {n}", when, "Spring" if n == 5 else "")
    calendar = f"{parvis.url}/w/{workspace_id}/calendar/"
    page.goto(f"{calendar}?day={monday:%Y-%m-%d}")
    cell = page.locator(f'td[data-drop="{monday:%Y-%m-%d}"]')
    assert cell.locator("[data-testid=event]").count() == 3
    assert cell.locator("[data-testid=more]").inner_text() == "+3 more"

    # "+3 more" brings the three others into the cell, without leaving the page.
    cell.locator("[data-testid=more]").click()
    expect(cell.locator("[data-testid=event]")).to_have_count(6)  # (no wait_for_function: it needs eval)
    assert cell.locator("[data-testid=more]").count() == 0 and page.url.endswith(f"day={monday:%Y-%m-%d}")
    assert page.evaluate("document.activeElement.textContent").endswith("Crowded post 3")
    swatch = event(page, "Crowded post 5").locator(".swatch")
    assert swatch.evaluate("s => getComputedStyle(s).backgroundColor") == "rgb(21, 128, 61)"  # from data-colour

    # A post brought in that way can be dragged like the others.
    tuesday = f"{monday + timedelta(days=1):%Y-%m-%d}"
    event(page, "Crowded post 4").drag_to(page.locator(f'td[data-drop="{tuesday}"]'))
    expect(page.locator("#cal-status")).to_contain_text("09:40")
    page.reload()
    assert cell_of(page, "Crowded post 4") == tuesday

    # The filters apply on change (calendar.js, no inline handler).
    page.select_option("select[name=campaign]", label="Spring")
    page.wait_for_url(re.compile(r"campaign=\d+"))
    assert event(page, "Crowded post").count() == 1
    assert violations == []

    # At 390 px no calendar page scrolls sideways (the week's grid scrolls in its own box).
    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844},
                                storage_state=context.storage_state())
    small = phone.new_page()
    phone_violations = strict_policy(small)
    for url in (calendar, f"{parvis.url}/calendar/"):
        for view in ("month", "week"):
            small.goto(f"{url}?view={view}&day={monday:%Y-%m-%d}")
            width = small.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{url} {view} is {width} px wide"
    small.goto(f"{calendar}?day={monday:%Y-%m-%d}")  # no view chosen: a phone gets the agenda
    small.wait_for_url(re.compile(r"view=agenda"))
    expect(small.get_by_test_id("agenda")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    shot(small, "calendar-phone")
    assert phone_violations == []
    phone.close()
    context.close()

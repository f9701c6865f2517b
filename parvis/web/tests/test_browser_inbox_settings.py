"""The inbox's rules page in Chromium against `parvis up`: the workspace settings link to
it, "Test on past items" swaps the count in with htmx without leaving the form (nothing
typed is lost), a new rule is saved switched off and then switched on from the list."""

from __future__ import annotations

import re

from parvis.web.tests.browser import browser_marks, log_in, new_workspace

pytestmark = browser_marks


def test_in_chromium_the_test_button_swaps_in_the_count_without_leaving_the_form(browser, parvis):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    log_in(tab, parvis)
    workspace_id = new_workspace(tab, parvis, "Crêperie Le Goff")
    tab.goto(f"{parvis.url}/w/{workspace_id}/settings/")
    tab.click("[data-testid=inbox-settings-links] >> text=Rules")
    tab.click("[data-testid=new-rule]")
    form_url = tab.url
    tab.fill("#id_name", "Remboursements")
    tab.fill("#id_words", "rembours*\nargent")
    with tab.expect_response(re.compile(r"/inbox/rules/preview/$")) as preview:  # htmx, not a page load
        tab.click("[data-testid=preview]")
    assert preview.value.status == 200
    tab.locator("[data-testid=preview-count]").wait_for()
    assert "would have matched 0 items in the last 90 days" in tab.locator("#rule-preview").inner_text()
    assert tab.url == form_url and tab.input_value("#id_words") == "rembours*\nargent"  # nothing typed is lost
    tab.check("input[name=notify]")
    tab.click("[data-testid=save-rule]")
    tab.wait_for_url(re.compile(r"/inbox/rules/\d+/$"))
    assert tab.locator("[data-testid=test-first]").is_visible()
    tab.goto(f"{parvis.url}/w/{workspace_id}/inbox/rules/")
    tab.click("[data-testid=switch-on]")
    tab.locator("[data-testid=switch-off]").wait_for()
    context.close()

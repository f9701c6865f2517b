"""Connecting an account in Chromium to a server that never answers: the form says it is
working while parvis waits (a static script, no inline one), then says the server did
not answer within the limit it stated."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from parvis.testing.parvis_server import ParvisUp
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.web.tests.browser import browser_marks, log_in

pytestmark = browser_marks


@pytest.fixture(scope="module")
def parvis() -> Iterator[ParvisUp]:
    with ParvisUp(extra_env={"PARVIS_HTTP_TIMEOUT": "3"}) as server:  # a 3 s wait, not 15 s
        yield server


@pytest.mark.parametrize(("network", "field"), [("mastodon", "#id_instance"), ("bluesky", "#id_server")])
def test_the_connect_form_shows_it_waits_then_says_the_server_did_not_answer(browser, parvis, network, field):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    log_in(page, parvis)
    page.goto(f"{parvis.url}/workspaces/new/")
    page.fill("#id_name", f"Silence {network}")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/w/\d+/accounts/$"))
    workspace_id = re.search(r"/w/(\d+)/", page.url).group(1)
    with ScriptedServer() as silent:
        silent.answer("*", Answer(hang=True))
        page.goto(f"{parvis.url}/w/{workspace_id}/connect/{network}/")
        wait = page.locator("[data-connect-wait]")
        assert wait.is_hidden()
        if network == "bluesky":
            page.fill("#id_handle", "brand.example.social")
            page.fill("#id_app_password", "abcd-efgh-ijkl-mnop")
        page.fill(field, silent.url())
        # Hold the page at the moment it waits: a listener added after connect.js's keeps
        # the browser from leaving it, so what the person sees meanwhile can be checked.
        page.evaluate("document.querySelector('form[data-connect-form]')"
                      ".addEventListener('submit', event => event.preventDefault())")
        page.click("form.card button[type=submit]")
        expect(wait).to_be_visible()
        expect(wait).to_contain_text("waits up to 3 s")
        expect(page.locator("form.card button[type=submit]")).to_be_disabled()  # no second submit
        with page.expect_navigation(timeout=15_000):
            page.evaluate("document.querySelector('form[data-connect-form]').submit()")  # now send it
        error = page.locator(".error[data-field]")
        error.wait_for(timeout=15_000)
    assert error.inner_text().endswith("127.0.0.1 did not answer within 3 s.")
    assert page.locator("[data-connect-wait]").is_hidden()  # the answer page starts idle
    context.close()

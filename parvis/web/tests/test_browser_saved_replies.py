"""The saved replies picker in Chromium, on an inbox item's page: searching, inserting the
filled-in text into the reply box (a hostile author name stays text), counting the use."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

from parvis.accounts.actions import create_organisation, create_workspace
from parvis.accounts.models import User
from parvis.inbox.ingest import store
from parvis.inbox.models import Item, SavedReply
from parvis.inbox.saved_replies import SavedReplyInput, create_saved_reply
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.models import SocialAccount
from parvis.web.tests.browser import CHROMIUM, CHROMIUM_ARGS, browser_marks

pytestmark = [*browser_marks, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="window.pwned=1">Camille'
LIMITS = {"max_chars": 500, "max_media": 4, "url_length": 23,
          "image_mime_types": ["image/jpeg", "image/png"], "max_image_bytes": 8_000_000}


def no_analysis(items: list[Item]) -> None:
    """Language and sentiment are not what this test is about."""


def test_picker_inserts_the_filled_in_reply_as_text(live_server: Any) -> None:
    owner = User.objects.create_user("owner@agence.test", "pw", first_name="Léa")
    workspace = create_workspace(create_organisation("Agence", owner), "Boulangerie Dupont", owner)
    account = SocialAccount.objects.create(
        workspace=workspace, network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@dupont@example.social", credentials={"access_token": "x"}, config={"limits": LIMITS})
    item = store(account, [inbound("Vous livrez ?", by=author(HOSTILE, "camille@example.social"))],
                 analyser=no_analysis).new_in_inbox[0]
    create_saved_reply(workspace, owner, SavedReplyInput("Livraison", "Bonjour {name}, oui ! {me}"))
    create_saved_reply(workspace, owner, SavedReplyInput("Horaires", "7h-19h"))

    client = Client()
    client.force_login(owner)
    session = client.cookies["sessionid"].value
    # Chromium starts after the database is ready and stops before it is read again:
    # Playwright's sync API runs an event loop in this thread, where Django refuses the ORM.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB")
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/w/{workspace.pk}/inbox/items/{item.pk}/")
        found = page.locator("[data-testid=saved-replies-found]")
        found.locator("button", has_text="Horaires").wait_for()
        page.fill("[data-saved-reply-search]", "livr")
        found.locator("button", has_text="Horaires").wait_for(state="detached")
        page.press("[data-saved-reply-search]", "Enter")  # must not send the reply
        with page.expect_response(lambda r: r.url.endswith("/use/") and r.status == 204):
            found.locator("button", has_text="Livraison").click()
        inserted = page.locator('#reply-form textarea[name="text"]').input_value()
        pwned = page.evaluate("window.pwned")
        browser.close()

    assert inserted.endswith(f"Bonjour {HOSTILE}, oui ! Léa")
    assert pwned is None
    assert SavedReply.objects.get(title="Livraison").uses == 1
    assert not item.replies.exists()

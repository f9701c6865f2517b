"""The webhook pages in Chromium against `parvis up`, as a CM wires up an integration: from
the workspace settings, an endpoint on a loopback receiver (parvis up allows private
addresses), its secret shown once, events chosen, a test ping that `parvis up`'s own
worker delivers, signed with that secret (checked by the `standardwebhooks` reference
library), its attempt in the log, "Send again" (same webhook-id); and at 390 px nothing
scrolls sideways."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook

from parvis.testing.http_recorder import RecordingServer
from parvis.web.tests.browser import browser_marks, log_in, new_workspace, shot

pytestmark = browser_marks

EVENTS = ("inbox.item.received", "publication.published")


@pytest.fixture
def receiver() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


def reload_until_delivered(page: Any, count: int, timeout: float = 30) -> None:
    """Reload the endpoint's page until `count` deliveries show an attempt and none is
    still waiting: the page does not refresh itself, and the receiver hears a request
    just before the worker records its answer."""
    deadline = time.monotonic() + timeout
    while True:
        page.reload()
        states = page.locator("[data-testid=delivery-state]").all_inner_texts()
        if len(states) >= count and all(state in {"Delivered", "Failed"} for state in states):
            return
        assert time.monotonic() < deadline, f"deliveries still {states} after {timeout} s"


def signed_by(secret: str, request: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON body, once its Standard Webhooks headers verify with `secret`."""
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers)
    # Raises if the signature is wrong or the timestamp is not current (± 5 minutes).
    return Webhook(secret).verify(request["body"], headers)


def test_a_cm_adds_an_endpoint_pings_it_and_sends_the_ping_again(browser, parvis, receiver):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id = new_workspace(page, parvis, "Fromagerie Morel")

    # Workspace settings → Webhooks → a new endpoint subscribed to two events.
    page.goto(f"{parvis.url}/w/{workspace_id}/settings/")
    page.click("[data-testid=webhooks-link]")
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/webhooks/$"))
    page.locator("[data-testid=no-endpoints]").wait_for()
    form = page.locator("[data-testid=endpoint-form]")
    form.locator("#id_url").fill(receiver.url("/hook"))
    form.locator("#id_description").fill("n8n, orders flow")
    # Each event is described in the CM's language (en-GB here; the default is French).
    assert "inbox.item.received — A new message arrived in the inbox." in form.inner_text()
    for event in EVENTS:
        form.locator(f"input[name=event_types][value='{event}']").check()
    form.locator("button[type=submit]").click()

    # The secret is shown once, on the page that answers the creation.
    secret_box = page.locator("[data-testid=new-secret]")
    secret_box.wait_for()
    secret = secret_box.locator("code").inner_text().strip()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]{32}", secret)
    row = page.locator("[data-testid=endpoints] tr[data-endpoint]")
    assert row.count() == 1 and "2" in row.locator("td").nth(1).inner_text()
    row.locator("a").click()
    page.wait_for_url(re.compile(r"/webhooks/\d+/$"))
    endpoint_url = page.url
    assert page.locator("[data-testid=new-secret]").count() == 0  # never shown again
    assert secret not in page.content()
    assert sorted(page.locator("input[name=event_types]:checked").evaluate_all(
        "boxes => boxes.map(b => b.value)")) == sorted(EVENTS)

    # A test ping: parvis up's worker sends it, signed with the secret the CM copied.
    page.click("[data-testid=send-ping]")
    page.wait_for_url(endpoint_url)
    first = receiver.wait_for(1)[0]
    ping = signed_by(secret, first)
    assert ping["type"] == "webhook.ping" and ping["data"]["workspace_id"] == int(workspace_id)
    assert first["path"] == "/hook" and first["headers"]["Content-Type"] == "application/json"
    reload_until_delivered(page, 1)
    delivery = page.locator("details[data-delivery]").first
    assert delivery.locator("summary").inner_text().startswith("webhook.ping")
    delivery.locator("summary").click()
    assert first["headers"]["webhook-id"] in delivery.inner_text()
    attempt = delivery.locator("tbody tr").first
    assert attempt.locator("td").first.inner_text() == "1" and "HTTP 200" in attempt.inner_text()

    # "Send again": the same message (same webhook-id, same body), signed afresh.
    delivery.locator("[data-testid=send-again]").click()
    page.wait_for_url(endpoint_url)
    second = receiver.wait_for(2)[1]
    assert signed_by(secret, second) == ping
    assert second["headers"]["webhook-id"] == first["headers"]["webhook-id"]
    reload_until_delivered(page, 2)
    assert page.locator("[data-testid=delivery-state]").all_inner_texts() == ["Delivered", "Delivered"]
    page.locator("details[data-delivery] summary").first.click()
    shot(page, "webhooks")
    assert json.loads(page.locator("details[data-delivery] > pre.payload").first.inner_text())["type"] == "webhook.ping"

    # At 390 px nothing scrolls sideways: the list, the endpoint with its deliveries open,
    # and a rotated secret shown once (long addresses, ids and secrets wrap).
    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844},
                                storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{parvis.url}/w/{workspace_id}/webhooks/")
    assert_fits(small)
    small.goto(endpoint_url)
    small.locator("details[data-delivery]").evaluate_all("all => all.forEach(d => { d.open = true; })")
    assert_fits(small)
    small.click("[data-testid=rotate]")
    small.locator("[data-testid=new-secret]").wait_for()
    assert small.locator("[data-testid=new-secret] code").inner_text().strip() != secret
    assert_fits(small)
    phone.close()
    context.close()


def assert_fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"

"""Competitors in Chromium against `parvis up` and the local Bluesky network: a CM
connects the brand's Bluesky account, adds a competitor by its profile's address, and the
worker reads both from the AppView; the board compares them side by side, with what the
competitor covered that the brand did not — then the page at 390 px."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from parvis.testing.parvis_server import ParvisUp
from parvis.web.tests.browser import browser_marks, log_in, new_workspace, shot

pytestmark = browser_marks


@pytest.fixture(scope="module")
def parvis(bsky_network: Any) -> Iterator[ParvisUp]:
    with ParvisUp(extra_env={"PARVIS_BLUESKY_APPVIEW": bsky_network.appview_url}) as server:
        yield server


def test_a_competitor_is_followed_and_compared_with_the_brand(browser, parvis, bsky_network):
    suffix = secrets.token_hex(3)
    brand = bsky_network.create_account(f"dupont{suffix}", "main-password-123", display_name="Boulangerie Dupont")
    rival = bsky_network.create_account(f"martin{suffix}", "pw-martin-123", display_name="Boulangerie Martin")
    fans = [bsky_network.create_account(f"fan{n}{suffix}", "pw-fan-12345") for n in range(3)]
    bsky_network.post_as(brand["handle"], "Nos croissants du dimanche #croissant")
    liked = [bsky_network.post_as(rival["handle"], text) for text in (
        "La galette des rois est arrivée #galette #epiphanie",
        "Galette frangipane ou brioche ? #galette",
        "Le salon du chocolat ouvre samedi #chocolat")]
    for fan in fans:
        bsky_network.create_record(fan["handle"], "app.bsky.graph.follow", {
            "$type": "app.bsky.graph.follow", "subject": rival["did"], "createdAt": "2026-12-01T08:00:00.000Z"})
        bsky_network.like_as(fan["handle"], liked[0].uri)
    bsky_network.process_all()
    app_password = bsky_network.create_app_password(brand["handle"], "main-password-123", "parvis")

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id = new_workspace(page, parvis, "Boulangerie Dupont")
    base = f"{parvis.url}/w/{workspace_id}"
    page.goto(f"{base}/connect/bluesky/")
    page.fill("#id_handle", brand["handle"])
    page.fill("#id_app_password", app_password)
    page.fill("#id_server", bsky_network.url)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/$"))

    page.goto(f"{base}/veille/competitors/")
    page.fill("[data-testid=add-competitor] #id_name", "Boulangerie Martin")
    page.click("[data-testid=add-competitor] button[type=submit]")
    page.wait_for_url(re.compile(r"/veille/competitors/"))
    form = page.locator("[data-testid=competitor]", has_text="Boulangerie Martin").locator("[data-testid=add-account]")
    form.locator("select[name=network]").select_option("bluesky")
    form.locator("input[name=handle]").fill(f"https://bsky.app/profile/{rival['handle']}")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/veille/competitors/"))
    assert "suivi" in page.locator("p.flash").first.inner_text()

    # The worker reads both accounts at its next passes.
    for _attempt in range(60):
        posts = page.locator("[data-testid=competitor-posts]").all_inner_texts()
        if posts == ["1", "3"]:
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert page.locator("[data-testid=competitor-posts]").all_inner_texts() == ["1", "3"]
    figures = page.locator("[data-testid=competitor-figures]").inner_text()
    assert "#galette" in figures and "Boulangerie Martin" in figures
    gaps = page.locator("[data-testid=competitor-gaps]").inner_text()
    assert "#galette" in gaps and "#croissant" not in gaps  # the brand covered croissants
    assert page.locator("[data-testid=heatmap]").count() == 2
    shot(page, "veille-competitors")

    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{base}/veille/competitors/")
    overflow = small.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    context.close()
    phone.close()

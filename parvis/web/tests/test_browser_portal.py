"""Approval with the client, in Chromium against `parvis up`: a manager turns approval on,
adds a client approver and sends two posts for review; the client opens the link from
the email parvis sent (file-based email backend), approves one post and asks for changes
on the other; the team sees both decisions.

Screenshots: docs/screenshots/portal.png and review.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from parvis.testing.images import png_bytes
from parvis.testing.parvis_server import ParvisUp
from parvis.web.tests.browser import attach_image, browser_marks, log_in, save_post, shot, workspace_with_mastodon

pytestmark = browser_marks
CLIENT_EMAIL = "claire@boulangerie.test"


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def parvis(mailbox: Path) -> Iterator[ParvisUp]:
    """`parvis up` writing its emails to files the test can read."""
    with ParvisUp(extra_env={"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                             "EMAIL_FILE_PATH": str(mailbox)}) as server:
        yield server


def portal_link(mailbox: Path, base_url: str) -> str:
    """The newest portal link emailed to the client."""
    links = []
    for path in sorted(mailbox.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for message in path.read_text(errors="replace").split("-" * 79):
            if f"To: {CLIENT_EMAIL}" in message:
                links += re.findall(re.escape(base_url) + r"/portal/[A-Za-z0-9_-]+/", message)
    assert links, f"no portal link emailed to {CLIENT_EMAIL}"
    return links[-1]


def set_up_workspace(page, parvis: ParvisUp, mastodon_server) -> str:
    """A workspace with a Mastodon account, approval required and Claire as client approver."""
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, prefix="portal")
    page.goto(f"{parvis.url}/w/{workspace_id}/settings/")
    page.click("[data-testid=approval-settings]")
    page.check("#id_requires_approval")
    page.click("form:has(input[value=settings]) button[type=submit]")
    page.wait_for_url(re.compile(r"/approvals/$"))
    page.fill("#id_name", "Claire Martin")
    page.fill("#id_email", CLIENT_EMAIL)
    page.select_option("#id_language", "en")
    page.click("form:has(input[value=add]) button[type=submit]")
    page.locator(f"tr[data-client='{CLIENT_EMAIL}']").wait_for()
    return workspace_id


def send_for_review(page, parvis: ParvisUp, workspace_id: str, text: str, days: int,
                    image: Path | None = None) -> str:
    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", text)
    if image is not None:
        attach_image(page, image, "Three golden galettes on a wooden table")
    when = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=days)).replace(hour=9, minute=30)
    page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    post_id = save_post(page, "[data-testid=save-and-submit]", parvis=parvis)
    assert "in_review" in page.locator("[data-testid=approval]").first.get_attribute("class")
    return post_id


def test_client_approves_one_post_and_asks_for_changes_on_the_other(browser, parvis, mailbox, mastodon_server,
                                                                   tmp_path):
    image = tmp_path / "galette.png"
    image.write_bytes(png_bytes((800, 500), "goldenrod"))
    team = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = team.new_page()
    log_in(page, parvis)
    workspace_id = set_up_workspace(page, parvis, mastodon_server)
    first = send_for_review(page, parvis, workspace_id, "Galette des rois all week #epiphany", days=3,
                            image=image)
    second = send_for_review(page, parvis, workspace_id, "New sourdough: 4.50 € a loaf", days=4)

    # The client: no account, no password, only the link from the email.
    outside = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
    portal = outside.new_page()
    portal.goto(portal_link(mailbox, parvis.url))
    assert portal.locator("html").get_attribute("lang") == "en"  # the approver's language
    assert portal.locator("[data-testid=portal-post]").count() == 2
    assert portal.locator("nav.tabs").count() == 0  # none of the team's navigation
    preview = portal.locator(f"[data-post='{first}'] [data-testid=preview]")
    assert preview.get_attribute("data-network") == "mastodon"
    assert "/ 500" in preview.locator("[data-testid=preview-count]").inner_text()
    picture = preview.locator("img")
    assert picture.get_attribute("alt") == "Three golden galettes on a wooden table"
    assert portal.evaluate("img => img.complete && img.naturalWidth", picture.element_handle()) == 800
    shot(portal, "portal")

    portal.click(f"[data-post='{first}'] [data-testid=approve]")
    portal.wait_for_load_state()
    portal.locator(f"[data-testid=portal-decided][data-post='{first}']").wait_for()
    # Asking for changes without saying which is refused, naming the field.
    portal.click(f"[data-post='{second}'] [data-testid=request-changes]")
    assert portal.locator(f"[data-post='{second}'] [data-field=comment]").count() == 1
    portal.fill(f"[data-post='{second}'] textarea[name=comment]", "The price is 4.80 € since January.")
    portal.click(f"[data-post='{second}'] [data-testid=request-changes]")
    portal.locator("[data-testid=nothing-to-review]").wait_for()
    outside.close()

    # Back in parvis, the team sees both decisions.
    page.goto(f"{parvis.url}/w/{workspace_id}/posts/{first}/review/")
    assert "approved" in page.locator("[data-testid=approval]").first.get_attribute("class").split()
    page.goto(f"{parvis.url}/w/{workspace_id}/posts/{second}/review/")
    assert "changes_requested" in page.locator("[data-testid=approval]").first.get_attribute("class").split()
    assert "The price is 4.80 € since January." in page.locator("[data-testid=thread]").inner_text()
    assert "Claire Martin" in page.locator("[data-testid=history]").inner_text()
    shot(page, "review")
    page.goto(f"{parvis.url}/w/{workspace_id}/audit/")
    assert page.locator("tr[data-action='post.changes_requested']").count() == 1
    team.close()

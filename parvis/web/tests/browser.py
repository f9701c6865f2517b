"""What every browser test shares: Chromium's path and flags, when to skip, screenshots,
and the first steps of most walks (log in as the admin, a workspace with a Mastodon account).

The `browser` and `parvis` fixtures are in this folder's conftest.py (one Chromium and
one `parvis up` per test module)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest

if TYPE_CHECKING:
    from parvis.testing.mastodon_server import LocalMastodon, LocalUser
    from parvis.testing.parvis_server import ParvisUp

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Without these, Chromium tries to reach Google's services at start and on a closed
# network its connections are refused many at a time.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

browser_marks = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium: run scripts/install_browser.sh"),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass (parvis up's mode)"),
]


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """Take a screenshot of the screen the README shows as <name> (the whole page, or what
    a phone's screen shows); write it to docs/screenshots/<name>.png only when asked
    (PARVIS_SCREENSHOTS=1, or pytest's --screenshots), so that a test run leaves the
    tracked images alone."""
    image = page.screenshot(full_page=full_page)
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 1000, f"screenshot {name} is empty"
    if os.environ.get("PARVIS_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"{name}.png").write_bytes(image)


def settled(page: Any) -> None:
    """Wait until htmx has no request in flight and nothing left to swap or settle."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def sent_values(request: Any, field: str) -> list[str]:
    """The values a form request sent for `field`, whether urlencoded or multipart."""
    body = request.post_data or ""
    if "multipart/form-data" in (request.headers.get("content-type") or ""):
        return re.findall(rf'name="{re.escape(field)}"\r\n\r\n(.*?)\r\n', body, re.S)
    return parse_qs(body).get(field, [])


def live_checked(page: Any, change: Callable[[], object], field: str, value: str, *, sent: bool = True) -> None:
    """Make `change` in the composer, then wait for the live check to answer a form that
    sent `value` for `field` (with `sent=False`: that no longer sent it; an earlier check's
    answer does not count) and for its swap.

    A check still in flight first settles: htmx drops a request its element triggers
    while another is running, so the change would go unchecked."""
    def answers(response: Any) -> bool:
        return "/compose/check/" in response.url and (value in sent_values(response.request, field)) == sent

    settled(page)
    with page.expect_response(answers):
        change()
    settled(page)


def save_post(page: Any, button: str = "button.primary.big", parvis: ParvisUp | None = None) -> str:
    """Click one of the composer's save buttons and wait for the post's publications page;
    returns the post's id. When the page does not come, say what the browser shows instead
    (the form's errors, or the page's text) and the end of `parvis up`'s log, so that a
    failure names its cause rather than a bare timeout."""
    settled(page)  # a live check in flight answers first: the click then meets a still form
    page.click(button)
    try:
        page.wait_for_url(re.compile(r"/publications/\?post=\d+"), timeout=45_000)
    except Exception as error:  # playwright's TimeoutError: its module is imported lazily
        errors = page.locator("[data-testid=errors]")
        shown = errors.inner_text() if errors.count() else page.locator("body").inner_text()[:800]
        log = parvis.log.read_text(errors="replace")[-3000:] if parvis is not None else ""
        raise AssertionError(f"the post was not saved: still on {page.url}\n{shown}\n{log}") from error
    return re.search(r"post=(\d+)", page.url).group(1)  # type: ignore[union-attr]


def unique_username(prefix: str) -> str:
    """A Mastodon username no other browser test module takes: each module has its own
    `parvis up` (ids start again at 1) but they all share one mastodon-mock."""
    import secrets

    return f"{prefix}{secrets.token_hex(3)}"


def log_in(page: Any, parvis: ParvisUp) -> None:
    """Log in as `parvis up`'s admin; ends on the home page."""
    page.goto(f"{parvis.url}/login/")
    page.fill("#id_username", parvis.admin_email)
    page.fill("#id_password", parvis.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{parvis.url}/")


def attach_image(page: Any, path: Path, alt: str) -> str:
    """Pick an image in the composer: it is uploaded into the library at once and shown
    among the post's chosen media, where its alt text for this post is typed. Returns its
    library id (its fields are `library_media` and `library_alt_<id>`)."""
    before = page.locator("#chosen-media [data-testid=media-choice]").count()
    page.set_input_files("#id_media", str(path))
    item = page.locator("#chosen-media [data-testid=media-choice]").nth(before)
    item.wait_for()
    item.locator("input[type=text]").fill(alt)
    return str(item.get_attribute("data-asset"))


def new_workspace(page: Any, parvis: ParvisUp, name: str, timezone: str = "Europe/Paris") -> str:
    """Create a workspace through its form (needs a logged-in page); ends on its accounts
    page. Returns its id."""
    page.goto(f"{parvis.url}/workspaces/new/")
    page.fill("#id_name", name)
    page.select_option("#id_timezone", timezone)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/w/\d+/accounts/$"))
    return re.search(r"/w/(\d+)/", page.url).group(1)  # type: ignore[union-attr]


def workspace_with_mastodon(page: Any, parvis: ParvisUp, mastodon_server: LocalMastodon, *,
                            name: str = "Boulangerie Dupont", prefix: str = "brand") -> tuple[str, LocalUser]:
    """Create a workspace in Europe/Paris and connect a new mastodon-mock user to it by
    pasting its token; ends on the workspace's accounts page. Needs a logged-in page.
    Returns the workspace id and the mastodon-mock user (its token, id, username)."""
    workspace_id = new_workspace(page, parvis, name)
    local = mastodon_server.create_user(unique_username(prefix))
    page.goto(f"{parvis.url}/w/{workspace_id}/connect/mastodon/")
    page.fill("#id_instance", mastodon_server.url)
    page.fill("#id_access_token", local["access_token"])
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/$"))
    return workspace_id, local

"""The Content-Security-Policy in Chromium against `parvis up`: every page of the URL
list that a CM's first hour reaches (a workspace, a connected account, a library image, a
scheduled post) loads with no violation reported, Swagger UI included; and what the
pages do with script still works under the policy: htmx's live check, a filter that
submits itself, a confirmation before a destructive form, the OAuth redirect to an
instance."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse

from parvis.testing.images import png_bytes
from parvis.web.tests.browser import browser_marks, log_in, save_post, workspace_with_mastodon
from parvis.web.tests.test_csp import url_patterns

pytestmark = browser_marks

# Violations as the page itself sees them (init scripts are not subject to the policy).
RECORD_VIOLATIONS = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                    + " at " + e.sourceFile + ":" + e.lineNumber);
});"""


class Watch:
    """Every CSP violation of a context's pages: reported events and console errors."""

    def __init__(self, context: Any) -> None:
        self.console: list[str] = []
        context.add_init_script(RECORD_VIOLATIONS)
        context.on("page", self.attach)

    def attach(self, page: Any) -> None:
        page.on("console", lambda msg: self.console.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        page.on("pageerror", lambda error: self.console.append(str(error))
                if "Content Security Policy" in str(error) or "unsafe-eval" in str(error) else None)

    def violations(self, page: Any) -> list[str]:
        page.wait_for_load_state("networkidle")
        reported = page.evaluate("window.__csp || []")
        found, self.console = self.console + reported, []
        return found


def test_main_pages_load_with_no_csp_violation_and_their_scripts_still_work(
        browser, parvis, mastodon_server, tmp_path: Path):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    watch = Watch(context)
    page = context.new_page()
    log_in(page, parvis)
    # The policy is in force, and this watch sees what it blocks.
    page.evaluate("""() => { const s = document.createElement("script");
                             s.textContent = "window.__inlineRan = true"; document.head.append(s); }""")
    assert page.evaluate("window.__inlineRan === undefined")
    assert [v for v in watch.violations(page) if "script-src" in v]
    workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, name="Boulangerie CSP",
                                                   prefix="csp")
    base = f"{parvis.url}/w/{workspace_id}"
    ids: dict[str, str] = {"workspace_id": workspace_id}

    # An image in the library, a scheduled post: the pages then have something to show.
    image = tmp_path / "pain.png"
    image.write_bytes(png_bytes((320, 240), "goldenrod"))
    page.goto(f"{base}/library/")
    page.click(".library-upload summary")
    page.set_input_files("#id_files", str(image))
    page.click(".library-upload button[type=submit]")
    ids["asset_id"] = page.locator("[data-asset]").first.get_attribute("data-asset")
    page.goto(f"{base}/compose/")
    page.check("input[name=accounts]")
    page.fill("#id_text", "Pain de campagne, sans erreur de politique")
    page.fill("#id_scheduled_at", "2031-05-04T09:30")
    page.locator("#checks [data-testid=count]").first.wait_for()  # htmx ran the live check, without eval
    save_post(page, parvis=parvis)
    ids["post_id"] = re.search(r"post=(\d+)", page.url).group(1)
    ids["publication_id"] = page.locator("tr[data-publication]").first.get_attribute("data-publication")
    page.goto(f"{base}/accounts/")
    queue = page.locator("[data-testid=queue-link]").first.get_attribute("href")
    ids["account_id"] = re.search(r"/accounts/(\d+)/queue/", queue).group(1)
    assert watch.violations(page) == []

    visited, problems = [], {}
    for name, _route, params in url_patterns():
        if not set(params) <= set(ids) or name == "web:logout":
            continue
        url = parvis.url + reverse(name, kwargs={p: ids[p] for p in params})
        answer = page.request.get(url, max_redirects=0)  # pages only: not files, nor POST-only URLs
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        assert "script-src 'self';" in answer.headers["content-security-policy"] + ";", name
        page.goto(url)
        visited.append(name)
        found = watch.violations(page)
        if found:
            problems[name] = found
    assert problems == {}
    assert {"web:home", "web:compose", "web:publications", "web:publication", "web:library", "web:library_asset",
            "web:accounts", "web:queue", "web:inbox", "web:post_edit", "web:settings", "api:docs"} <= set(visited)

    # Swagger UI draws the API under its own policy.
    page.goto(f"{parvis.url}/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert watch.violations(page) == []

    # A filter submits itself on change (parvis.js, no inline onchange).
    page.goto(f"{base}/publications/")
    page.select_option("select[name=state]", "scheduled")
    page.wait_for_url(re.compile(r"state=scheduled"))
    # "Disconnect" asks first; cancelling keeps the account.
    page.goto(f"{base}/accounts/")
    posted: list[str] = []

    def record_post(request: Any) -> None:
        if request.method == "POST":
            posted.append(request.url)

    page.on("request", record_post)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form[data-confirm] button.danger")
    # A form sent anyway is sent by the click's default action, before the next frame.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
    page.remove_listener("request", record_post)
    assert posted == []
    assert page.url == f"{base}/accounts/" and page.locator("tr[data-account]").count() == 1
    # OAuth: the connect form's answer redirects to the instance, which form-action allows.
    page.goto(f"{base}/connect/mastodon/")
    page.fill("#id_instance", mastodon_server.url)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(re.escape(mastodon_server.url) + r"/oauth/authorize"))
    assert watch.violations(page) == []
    context.close()


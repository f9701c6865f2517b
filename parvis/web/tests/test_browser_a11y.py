"""The accessibility audit: axe-core (the rules behind Lighthouse's and most audits) run
on parvis's main pages, in French, in light and in dark mode, at desk and phone widths.
Every WCAG 2.0/2.1/2.2 A and AA rule it checks must pass: contrast of every text against
what is behind it (AA: 4.5:1, 3:1 for large text), names of controls and links, labels
of fields, landmarks and headings, the page's language.

axe-core comes from npm (scripts/install_browser.sh, parvis/testing/axe)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parvis.web.tests.browser import browser_marks, log_in, new_workspace, shot
from parvis.web.tests.test_browser_phone import seed

AXE = Path(os.environ.get("PARVIS_CACHE_DIR", Path.home() / ".cache" / "parvis")) / "axe" / "node_modules" / \
    "axe-core" / "axe.min.js"

pytestmark = [*browser_marks,
              pytest.mark.skipif(not AXE.exists(), reason="no axe-core: run scripts/install_browser.sh")]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({rule: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(
    n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
}"""


def audit(page, url: str) -> list[dict]:
    page.goto(url, wait_until="networkidle")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # the audit context allows it (bypass_csp): parvis's CSP has its own test
    return page.evaluate(RUN, TAGS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_pages_pass_the_wcag_aa_audit(browser, parvis, scheme):
    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, color_scheme=scheme,
                               bypass_csp=True)
    page = desk.new_page()
    log_in(page, parvis)
    name = f"Audit {scheme}"
    workspace = new_workspace(page, parvis, name)
    made = seed(parvis, name)
    w = f"{parvis.url}/w/{workspace}"
    pages = [f"{parvis.url}/", f"{w}/publications/", f"{w}/publications/{made['publication']}/", f"{w}/compose/",
             f"{w}/calendar/?view=month", f"{w}/calendar/?view=week", f"{w}/inbox/",
             f"{w}/inbox/items/{made['item']}/", f"{w}/accounts/", f"{w}/settings/", f"{w}/library/",
             f"{w}/campaigns/", f"{parvis.url}/settings/notifications/", f"{parvis.url}/notifications/",
             f"{w}/veille/", f"{w}/veille/sources/", f"{w}/veille/monitors/", f"{w}/veille/digest/",
             f"{w}/veille/competitors/", f"{w}/veille/stories/", f"{w}/analytics/",
             f"{w}/analytics/best-times/", f"{parvis.url}/analytics/", f"{w}/reports/", f"{w}/reports/new/",
             f"{parvis.url}/reports/look/", f"{w}/analytics/roi/", f"{w}/relations/parcels/",
             f"{w}/relations/parcels/{made['parcel']}/", f"{w}/relations/gifts/", f"{w}/relations/settings/",
             f"{w}/relations/events/", f"{w}/relations/events/{made['event']}/",
             f"{w}/relations/events/{made['event']}/door/",
             f"{w}/relations/contests/", f"{w}/relations/contests/{made['contest']}/"]
    failed = {url.removeprefix(parvis.url): found for url in pages if (found := audit(page, url))}
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, color_scheme=scheme, bypass_csp=True,
                                storage_state=desk.storage_state())
    small = phone.new_page()
    for url in (f"{w}/calendar/?view=agenda", f"{w}/publications/", f"{w}/inbox/"):
        if found := audit(small, url):
            failed["phone " + url.removeprefix(parvis.url)] = found
    # Where the keyboard is, always visible (WCAG 2.4.7): the focused control has an outline.
    page.goto(f"{w}/publications/")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                            "return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert outline[0] != "BODY" and outline[1] != "none" and outline[2] >= 2, outline
    if scheme == "dark":
        shot(page, "dark", full_page=False)
    assert failed == {}, "\n".join(f"{url}: {v['rule']} ({v['impact']}): {' | '.join(v['nodes'])}"
                                   for url, found in failed.items() for v in found)
    phone.close()
    desk.close()

"""La veille in Chromium against `parvis up` and a loopback feed server: a CM imports her
reader's OPML file, the worker fetches the feeds, she reads by keyboard (j/k, s saves, m
marks), writes a monitor while the query lab counts and highlights, and turns an article
into a scheduled post — then the same pages at 390 px."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from parvis.listening.tests.feeds_factory import items, rss
from parvis.testing.feed_server import FeedServer
from parvis.web.tests.browser import browser_marks, log_in, save_post, settled, shot, workspace_with_mastodon

pytestmark = browser_marks


def opml(server: FeedServer) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Mes flux</title></head><body>
  <outline text="Réseaux sociaux">
    <outline type="rss" text="Le Blog du Modérateur" xmlUrl="{server.url('/bdm.xml')}"/>
    <outline type="rss" text="Presse locale" xmlUrl="{server.url('/presse.xml')}"/>
  </outline>
</body></opml>""".encode()


def test_opml_keyboard_reading_query_lab_and_an_article_into_a_scheduled_post(browser, parvis, mastodon_server,
                                                                             tmp_path):
    now = datetime.now(ZoneInfo("UTC"))
    with FeedServer() as feeds:
        feeds.put("/bdm.xml", rss(items(6, start=now, prefix="Instagram", site="https://bdm.example"),
                                  title="Le Blog du Modérateur"), etag='"a"')
        feeds.put("/presse.xml", rss([{"title": "L’Oréal ouvre un atelier à Lyon", "link": "https://presse.example/a",
                                       "guid": "p1", "description": "<p>Les client·e·s de L'Oréal sont invités.</p>",
                                       "date": now.strftime("%a, %d %b %Y %H:%M:%S +0000")}],
                                     title="Presse locale"))
        (tmp_path / "flux.opml").write_bytes(opml(feeds))
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, parvis)
        workspace_id, _local = workspace_with_mastodon(page, parvis, mastodon_server, name="Salon Lumière",
                                                       prefix="salon")
        base = f"{parvis.url}/w/{workspace_id}"

        page.goto(f"{base}/veille/sources/")
        page.set_input_files("#id_opml", str(tmp_path / "flux.opml"))
        page.click("[data-testid=import-opml] button")
        page.wait_for_url(re.compile(r"/veille/sources/$"))
        assert "2 flux ajoutés" in page.locator("body").inner_text()
        # The worker fetches them at its next passes (the dispatcher claims due sources).
        for _attempt in range(60):
            if feeds.hits("/bdm.xml") and feeds.hits("/presse.xml"):
                break
            page.wait_for_timeout(500)
        page.goto(f"{base}/veille/")
        page.wait_for_selector("li.veille-entry")
        for _attempt in range(20):
            if page.locator("li.veille-entry").count() == 7:
                break
            page.wait_for_timeout(500)
            page.reload()
        assert page.locator("li.veille-entry").count() == 7
        assert page.locator("[data-testid=unread-total]").inner_text() == "7"
        shot(page, "veille")

        # By keyboard: j selects the first, j again marks it read and moves on; s saves.
        page.keyboard.press("j")
        first = page.locator("li.veille-entry.current")
        first_id = first.get_attribute("data-id")
        with page.expect_response(lambda r: "/veille/mark/" in r.url):
            page.keyboard.press("j")
        assert page.locator(f"#entry-{first_id}").get_attribute("class").count("read") == 1
        with page.expect_response(lambda r: "/veille/mark/" in r.url):
            page.keyboard.press("s")
        page.goto(f"{base}/veille/?show=saved")
        assert page.locator("li.veille-entry").count() == 1

        # A monitor, written in the query lab: it counts and highlights as one types.
        page.goto(f"{base}/veille/monitors/")
        page.fill("#id_name", "L'Oréal")
        with page.expect_response(lambda r: "/monitors/lab/" in r.url and "query=" in r.url):
            page.fill("#id_query", "oréal AND client")
        settled(page)
        assert page.locator("[data-testid=lab-count]").inner_text() == "1"
        assert page.locator("#query-lab mark").first.inner_text() in ("L’Oréal", "L'Oréal")
        with page.expect_response(lambda r: "/monitors/lab/" in r.url):
            page.fill("#id_query", "oréal AND (client")
        settled(page)
        assert page.locator("[data-testid=lab-error]").is_visible()
        with page.expect_response(lambda r: "/monitors/lab/" in r.url):
            page.fill("#id_query", "oréal AND client")
        settled(page)
        shot(page, "veille-monitor-lab")
        page.click("[data-testid=monitor-form] button.primary")
        page.wait_for_url(re.compile(r"/veille/monitors/\d+/$"))
        for _attempt in range(30):  # applied to the last 30 days by the worker
            if page.locator("[data-testid=hits] li.hit").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        assert "L’Oréal ouvre un atelier" in page.locator("[data-testid=hits]").inner_text()

        # From an article to a scheduled post: w opens the composer with it.
        page.goto(f"{base}/veille/?show=all&q=atelier")
        page.keyboard.press("j")
        page.keyboard.press("w")
        page.wait_for_url(re.compile(r"/compose/\?entry=\d+"))
        text = page.locator("#id_text").input_value()
        assert text.startswith("L’Oréal ouvre un atelier à Lyon") and "https://presse.example/a" in text
        page.check("input[name=accounts]")
        page.fill("#id_text", text.replace("« ", "Bonne nouvelle : « ", 1))
        at = datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=1)
        page.fill("#id_scheduled_at", at.strftime("%Y-%m-%dT10:00"))
        save_post(page, parvis=parvis)
        listed = page.locator("body").inner_text()
        assert "L’Oréal ouvre un atelier à Lyon Bonne nouvelle" in listed and "Programmée" in listed

        # The same pages on a phone.
        phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                    has_touch=True)
        small = phone.new_page()
        log_in(small, parvis)
        for path in ("/veille/", "/veille/sources/", "/veille/monitors/"):
            small.goto(f"{base}{path}")
            wide = small.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= 390, f"{path} is {wide} px wide at 390 px"
        small.goto(f"{base}/veille/")
        shot(small, "veille-phone", full_page=False)
        phone.close()
        context.close()

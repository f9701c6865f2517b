"""The workspace's settings area: every settings page shows the same sidebar, with the
page it is on marked, and only the pages the person's role opens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from parvis.testing.factories import client_for
from parvis.web.settings_nav import GROUPS, PAGES

pytestmark = pytest.mark.django_db


def sidebar(html: str) -> str:
    return html.split('data-testid="settings-nav"', 1)[1].split("</details>", 1)[0]


def sidebar_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', sidebar(html))


def test_every_settings_page_of_a_manager_shows_every_section(people):
    client = client_for(people["owner"])
    w = people["workspace"].pk
    for url_name in ("workspace_settings", "charter", "inbox_rules", "inbox_hours", "webhooks", "members"):
        page = client.get(reverse(f"web:{url_name}", args=[w]))
        assert page.status_code == 200, url_name
        links = sidebar_links(page.content.decode())
        assert len(links) == sum(len(entries) for _label, entries in GROUPS), url_name
        assert re.findall(r'<a href="([^"]+)" aria-current="page"', sidebar(page.content.decode())) == [
            reverse(f"web:{url_name}", args=[w])]


def test_each_link_of_the_sidebar_opens_for_whoever_sees_it(people):
    w = people["workspace"].pk
    for role in ("owner", "editor", "viewer"):
        client = client_for(people[role])
        links = sidebar_links(client.get(reverse("web:members", args=[w])).content.decode())
        assert links, role
        assert all(client.get(url).status_code == 200 for url in links), role
    viewer_links = sidebar_links(client_for(people["viewer"]).get(reverse("web:members", args=[w])).content.decode())
    assert reverse("web:charter", args=[w]) not in viewer_links


def test_pages_outside_the_settings_area_have_no_sidebar(people):
    client = client_for(people["owner"])
    for url in (reverse("web:publications", args=[people["workspace"].pk]), reverse("web:home")):
        assert 'data-testid="settings-nav"' not in client.get(url).content.decode()
    assert "publications" not in PAGES and "compose" not in PAGES

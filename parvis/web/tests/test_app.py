"""parvis as an installable app: a manifest browsers accept (name, start address,
standalone display, real icons of the sizes it says), a service worker served at the root
that keeps only the offline page and parvis's own files, and an offline page that carries
nothing of anyone's."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_parvis_installable_with_real_icons() -> None:
    answer = Client().get("/manifest.webmanifest")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/manifest+json"
    data = json.loads(answer.content)
    assert (data["name"], data["start_url"], data["scope"], data["display"]) == ("parvis", "/", "/", "standalone")
    assert {icon["purpose"] for icon in data["icons"]} == {"any", "maskable"}
    for icon in data["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        with Image.open(found) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"] and image.format == "PNG"
    assert [s["url"] for s in data["shortcuts"]] == ["/inbox/", "/calendar/"]


def test_the_manifest_speaks_the_persons_language() -> None:
    data = json.loads(Client(headers={"accept-language": "fr"}).get("/manifest.webmanifest").content)
    assert data["shortcuts"][0]["name"] == "Boîte de réception"


def test_every_page_names_the_manifest(people: dict[str, Any]) -> None:
    page = client_for(people["owner"]).get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page and 'name="theme-color"' in page


def test_the_service_worker_keeps_only_the_offline_page_and_parvis_files() -> None:
    answer = Client().get("/sw.js")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/javascript")
    assert "no-cache" in answer["Cache-Control"]  # a new version reaches browsers at once
    script = answer.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", script).group(1))  # type: ignore[union-attr]
    assert shell[0] == "/offline/" and all(url.startswith("/static/parvis/") for url in shell[1:])
    for url in shell[1:]:
        assert finders.find(url.removeprefix("/static/")), url
    assert re.search(r'const CACHE = "parvis-shell-[0-9a-f]{12}";', script)


def test_the_offline_page_is_the_same_for_everyone(people: dict[str, Any]) -> None:
    anonymous = Client().get("/offline/")
    signed_in = client_for(people["owner"]).get("/offline/")
    assert anonymous.status_code == signed_in.status_code == 200
    page = signed_in.content.decode()
    assert "csrfmiddlewaretoken" not in page and people["owner"].email not in page
    assert 'data-testid="offline"' in page


def test_the_committed_icons_are_what_the_script_draws() -> None:
    from PIL import ImageChops, ImageStat

    from scripts.make_icons import draw

    for name, size, maskable in (("icon-192.png", 192, False), ("icon-maskable-512.png", 512, True)):
        with Image.open(finders.find(f"parvis/{name}")) as committed:
            difference = ImageChops.difference(committed.convert("RGBA"), draw(size, maskable))
            assert max(ImageStat.Stat(difference).mean) < 1.0, name  # the same picture, whatever the encoder

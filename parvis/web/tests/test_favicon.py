"""/favicon.ico is a real icon, served at the root with an icon's content type, and every
page names its icons."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db


def test_favicon_is_an_icon_at_the_site_root(people):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/vnd.microsoft.icon"
    assert "max-age=" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as icon:
        assert icon.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])


def test_pages_name_their_icons(people):
    for page in (Client().get("/login/"), client_for(people["owner"]).get("/")):
        html = page.content.decode()
        assert 'rel="icon" href="/static/parvis/favicon.ico"' in html
        assert 'rel="icon" href="/static/parvis/favicon.svg" type="image/svg+xml"' in html
    assert Client().get("/static/parvis/favicon.svg")["Content-Type"].startswith("image/svg+xml")

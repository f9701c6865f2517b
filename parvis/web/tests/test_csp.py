"""The Content-Security-Policy: on every response, strict (no inline script or handler,
no eval, no inline style, no plugin, never framed, forms posted to parvis only), and the
pages written so that they need nothing more: every template found on disk when the test
runs, and every page of the URL list that can be reached with the objects made here, is
free of inline handlers, inline scripts, `javascript:` URLs and style attributes.
HSTS when parvis says it is served over HTTPS. (Chromium loading the pages with the
policy on: test_browser_csp.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parvis.networks.models import SocialAccount
from parvis.publishing import library
from parvis.publishing.actions import Upload
from parvis.publishing.models import Campaign, Label
from parvis.publishing.tests.helpers import schedule
from parvis.testing.factories import client_for
from parvis.web.tests.test_pages import authorisation_url

EXPECTED = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
    "object-src": "'none'", "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
}


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


# -- the header ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_kind_of_response_carries_the_strict_policy(people, png):
    workspace = people["workspace"]
    asset = library.add_asset(workspace, people["owner"], Upload("pain.png", _stream(png), len(png))).asset
    client = client_for(people["owner"])
    responses = {
        "login page": Client().get("/login/"),
        "page": client.get("/"),
        "form error": client.post(reverse("web:compose", args=[workspace.pk]), {"text": ""}),
        "not found": client.get("/w/999999/compose/"),
        "static file": Client().get("/static/parvis/parvis.js"),
        "media file": client.get(reverse("web:library_file", args=[workspace.pk, asset.pk])),
        "API": client.get("/api/v1/workspaces/"),
        "icon": Client().get("/favicon.ico"),
    }
    for kind, response in responses.items():
        assert policy(response) == EXPECTED, kind


def _stream(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


@pytest.mark.django_db
def test_the_api_docs_keep_the_policy_and_only_add_data_images(people):
    page = client_for(people["owner"]).get("/api/v1/docs/")
    assert page.status_code == 200
    assert policy(page) == {**EXPECTED, "img-src": "'self' data:"}  # Swagger UI's icons
    assert inline_code(page.content.decode()) == []
    script = re.search(r'<script src="(/api/v1/docs/\?[^"]*script[^"]*)"', page.content.decode())
    assert script is not None  # its set-up script is a file, not inline
    served = client_for(people["owner"]).get(script.group(1).replace("&amp;", "&"))
    assert served.status_code == 200 and "SwaggerUIBundle" in served.content.decode()


@pytest.mark.django_db
def test_leaving_for_the_mastodon_oauth_page_needs_no_wider_form_action(people, mastodon_server):
    # Chromium holds a form's redirects to form-action: the answer is a page that moves on.
    client = client_for(people["owner"])
    response = client.post(reverse("mastodon:connect", args=[people["workspace"].pk]),
                           {"instance": mastodon_server.url})
    assert response.status_code == 200 and policy(response) == EXPECTED
    assert authorisation_url(response).startswith(mastodon_server.url + "/oauth/authorize")


# -- HSTS ------------------------------------------------------------------------------------

def settings_with(**env: str) -> dict[str, Any]:
    """The HSTS settings parvis.settings computes from these environment variables."""
    code = ("import json, parvis.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
            "('SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER')}))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PARVIS_SECURE", "PARVIS_HSTS"))}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[3])
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_hsts_comes_with_secure_cookies_for_a_year_without_subdomains_unless_asked():
    assert settings_with()["SECURE_HSTS_SECONDS"] is None
    on = settings_with(PARVIS_SECURE_COOKIES="1")
    assert on == {"SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
                  "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}
    wider = settings_with(PARVIS_SECURE_COOKIES="1", PARVIS_HSTS_INCLUDE_SUBDOMAINS="1", PARVIS_HSTS_SECONDS="600")
    assert (wider["SECURE_HSTS_SECONDS"], wider["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (600, True)


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
                   SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_hsts_is_sent_on_requests_the_tls_proxy_marks_as_https():
    behind_proxy = Client().get("/login/", headers={"x-forwarded-proto": "https"})
    assert behind_proxy["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in Client().get("/login/")  # plain HTTP: never


# -- the pages need nothing more -------------------------------------------------------------

EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}


class InlineCode(HTMLParser):
    """Collects what the policy would block: on* handlers, style attributes and elements,
    scripts without src (JSON data blocks are fine), javascript: URLs, htmx's eval forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on") or name.startswith("hx-on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            elif name in {"href", "src", "action", "formaction"} and text.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
            elif name in {"hx-vals", "hx-vars"} and (name == "hx-vars" or text.startswith("js:")):
                self.found.append(f"<{tag} {name}={value}> (eval)")
        if tag == "script" and "src" not in values and (values.get("type") or "").lower() in EXECUTABLE_SCRIPT_TYPES:
            self.found.append("<script> inline")
        if tag == "style":
            self.found.append("<style> inline")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def template_files() -> list[Path]:
    """Every template of parvis's apps on disk, whoever added it."""
    return sorted(Path(__file__).resolve().parents[2].glob("**/templates/**/*.html"))


def test_templates_on_disk_are_found():
    names = {path.name for path in template_files()}
    assert {"base.html", "compose.html", "connect.html", "api_docs.html"} <= names and len(names) > 60


def test_no_template_has_inline_handlers_scripts_or_styles():
    offenders = {}
    for path in template_files():
        # Template tags can sit inside a tag ({% if %}checked{% endif %}): blank them first.
        source = re.sub(r"{%.*?%}|{#.*?#}", " ", path.read_text(), flags=re.S)
        found = inline_code(source)
        if found:
            offenders[str(path.relative_to(Path(__file__).resolve().parents[2]))] = found
    assert offenders == {}


def test_the_htmx_config_forbids_eval_and_swapped_scripts():
    base = (Path(__file__).resolve().parents[1] / "templates" / "parvis" / "base.html").read_text()
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']*)'", base).group(1))
    assert config == {"includeIndicatorStyles": False, "allowEval": False, "allowScriptTags": False}


# -- every page reachable with the objects made here -------------------------------------------

def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
                 ) -> list[tuple[str, str, list[str]]]:
    """(name, route, parameter names) of every named URL, namespaced."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            found.append((namespace + entry.name, route, re.findall(r"<(?:\w+:)?(\w+)>", route)))
    return found


@pytest.fixture
def world(people: dict[str, Any], png: bytes) -> dict[str, int]:
    """One object of each kind the pages show, by the URL parameter that names it."""
    workspace, owner = people["workspace"], people["owner"]
    account = SocialAccount.objects.create(
        workspace=workspace, network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@brand@example.social", profile_url="https://example.social/@brand",
        credentials={"access_token": "x"})
    asset = library.add_asset(workspace, owner, Upload("pain.png", _stream(png), len(png))).asset
    post = schedule(workspace, owner, [account], "Pain chaud", delay=3600)
    return {"workspace_id": workspace.pk, "account_id": account.pk, "asset_id": asset.pk, "post_id": post.pk,
            "publication_id": post.publications.get().pk,
            "campaign_id": Campaign.objects.create(workspace=workspace, name="Été", slug="ete").pk,
            "label_id": Label.objects.create(workspace=workspace, name="Promo").pk}


@pytest.mark.django_db
def test_every_page_of_the_url_list_renders_without_inline_code(people, world):
    client = client_for(people["owner"])
    checked, offenders = [], {}
    for name, _route, params in url_patterns():
        if not set(params) <= set(world):
            continue  # another kind of object: its templates are still scanned above
        response = client.get(reverse(name, kwargs={p: world[p] for p in params}))
        assert response.status_code < 500, name
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            checked.append(name)
            found = inline_code(response.content.decode())
            if found:
                offenders[name] = found
    assert offenders == {}
    assert {"web:home", "web:compose", "web:publications", "web:publication", "web:library", "web:accounts",
            "web:inbox", "web:campaigns", "mastodon:connect", "api:docs"} <= set(checked)

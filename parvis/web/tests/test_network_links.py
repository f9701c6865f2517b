"""Links that come from a network (an account's profile, a live post, an author's page)
are only ever put in an href when they are web addresses: a server that answers
`javascript:` or `data:` gets its text shown, never a link. One filter does it
(`web_link`, parvis/web/templatetags/parvis_tags.py), for the inbox as for the rest, and
no template puts a variable in an href or a src without it (unless the URL is parvis's own)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import schedule
from parvis.testing.factories import client_for
from parvis.web.templatetags.parvis_tags import web_link

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
]


@pytest.mark.parametrize("url", HOSTILE + ["//evil.example/x", "https:no-host", "", None])
def test_only_web_addresses_pass(url):
    assert web_link(url) == ""


@pytest.mark.parametrize("url", ["https://mastodon.example/@brand", "http://127.0.0.1:8000/@a/1",
                                 "HTTPS://bsky.app/profile/brand.bsky.social"])
def test_web_addresses_pass_unchanged(url):
    assert web_link(url) == url


@pytest.fixture
def hostile_mastodon(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback server that speaks enough Mastodon to connect an account and publish a
    status, and answers the URL it is given (request.param) as the account's profile
    and as the status's address."""
    url = request.param

    class Handler(BaseHTTPRequestHandler):
        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if self.path.startswith("/api/v1/instance"):  # the connect form asks what the server is
                self._json({"uri": "hostile.example", "version": "4.3.0"})
            elif self.path.startswith("/api/v1/accounts/verify_credentials"):
                self._json({"id": "1", "username": "brand", "acct": "brand", "display_name": "Brand",
                            "url": url, "avatar": url, "avatar_static": url})
            elif self.path.startswith("/api/v1/accounts/1/statuses"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")
            else:
                self._json({"error": "Record not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/api/v1/statuses"):
                self._json({"id": "9", "url": url, "uri": url, "content": "<p>Pain</p>",
                            "created_at": timezone.now().isoformat()})
            else:
                self._json({"error": "Record not found"}, 404)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("hostile_mastodon", HOSTILE[::3] + [HOSTILE[1]], indirect=True)
def test_hostile_links_from_a_network_are_shown_as_text_never_as_links(people, hostile_mastodon):
    client = client_for(people["owner"])
    workspace = people["workspace"]
    answered = client.post(reverse("mastodon:connect", args=[workspace.pk]),
                           {"instance": hostile_mastodon, "access_token": "token-from-the-server"})
    assert answered.status_code == 302, answered.content.decode()[:2000]
    account = SocialAccount.objects.get(workspace=workspace)
    hostile = account.profile_url
    assert hostile.strip().lower().startswith(("javascript:", "data:"))  # stored as the network said

    accounts_page = client.get(reverse("web:accounts", args=[workspace.pk])).content.decode()
    assert account.handle in accounts_page and 'data-testid="profile-link"' not in accounts_page

    post = schedule(workspace, people["owner"], [account], "Pain chaud")
    publication = post.publications.get()
    assert engine.publish(publication.pk) == "published"
    publication = Publication.objects.get(pk=publication.pk)
    assert publication.state == State.PUBLISHED and publication.remote_url == hostile
    listing = client.get(reverse("web:publications", args=[workspace.pk])).content.decode()
    detail = client.get(reverse("web:publication", args=[workspace.pk, publication.pk])).content.decode()
    for page in (accounts_page, listing, detail):
        assert not [h for h in hrefs(page) if not h.startswith(("/", "#", "?", "http://", "https://"))], page
    assert 'data-testid="remote-link"' not in listing + detail


@pytest.mark.django_db
def test_web_addresses_from_a_network_are_still_links(people):
    client = client_for(people["owner"])
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@brand@example.social", profile_url="https://example.social/@brand",
        credentials={"access_token": "x"})
    post = schedule(people["workspace"], people["owner"], [account], "Pain chaud")
    post.publications.update(state=State.PUBLISHED, remote_url="https://example.social/@brand/9")
    publication = post.publications.get()
    accounts_page = client.get(reverse("web:accounts", args=[people["workspace"].pk])).content.decode()
    detail = client.get(reverse("web:publication", args=[people["workspace"].pk, publication.pk])).content.decode()
    assert 'href="https://example.social/@brand"' in accounts_page
    assert 'href="https://example.social/@brand/9"' in detail


# -- every template --------------------------------------------------------------------------

# Variables put in an href or a src that are parvis's own addresses, never a network's:
# anything else must go through `|web_link`.
OWN_URLS = {
    "n.url",  # a notification's link, built by parvis with reverse()
    "image.url",  # the portal's preview images: parvis's media view
    "feed_url",  # the calendar's private ICS address
    # The calendar's items and cells (web/views/calendar_cells.py: built with reverse()).
    "e.thumb", "e.href", "e.edit", "cell.more_url", "back",
    "request.get_full_path",
    "link.url",  # the settings area's sidebar (web/settings_nav.py: built with reverse())
    "next_url", "url",  # la veille's next page and its tabs (web/views/veille.py: built with reverse())
    "page_url",  # the digest email's link to its page (listening/digests.py: absolute_url(reverse()))
    "proof_url",  # a contest's public proof page (relations/contests.py: absolute_url(reverse()))
    "source", "b.source",  # a benefit's parcel or event page (web/views/relations_gifts.py: reverse())
    # The API docs page: drf-spectacular's static files and set-up script.
    "swagger_ui_css", "swagger_ui_bundle", "swagger_ui_standalone", "script_url",
}
URL_ATTRIBUTE = re.compile(r'(?<![\w-])(?:href|src|action|formaction|poster)="\{\{\s*([^}|\s]+)\s*(\|[^}]*)?\}\}')


def template_files() -> list[Path]:
    """Every template of parvis's apps, found on disk when the test runs."""
    root = Path(__file__).resolve().parents[2]
    return sorted(root.glob("**/templates/**/*.html"))


def test_no_template_puts_a_network_url_in_a_link_without_the_filter():
    offenders = []
    for path in template_files():
        for match in URL_ATTRIBUTE.finditer(path.read_text()):
            variable, filters = match.group(1), match.group(2) or ""
            if "web_link" not in filters and variable not in OWN_URLS:
                offenders.append(f"{path.name}: {match.group(0)}")
    assert offenders == [], ("pass network-supplied URLs through |web_link (or, for parvis's own "
                             f"addresses, add the variable to OWN_URLS): {offenders}")

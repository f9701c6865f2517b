"""Adding a network touches its package and the registry, nothing else: Kestrel, a
network that exists only in tests (parvis/networks/tests/kestrel/), is registered here
and the rest of parvis serves it from its NetworkInfo alone."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from parvis.networks import registry
from parvis.networks.info import NetworkInfo
from parvis.networks.models import SocialAccount
from parvis.publishing.charter import check_charter, mention_network
from parvis.publishing.importer.check import RowCheck, load_context, resolve_accounts
from parvis.publishing.models import Charter
from parvis.publishing.types import PostInput
from parvis.testing.factories import client_for

KESTREL = "parvis.networks.tests.kestrel"


@pytest.fixture
def kestrel(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkInfo]:
    """The registry with Kestrel's one line added, and the site's URLs built again from it."""
    from parvis.urls import build_urlpatterns

    monkeypatch.setattr(registry, "PACKAGES", [*registry.PACKAGES, KESTREL])
    monkeypatch.setattr(registry, "NETWORKS", registry.load(registry.PACKAGES))
    site = types.ModuleType("kestrel_site_urls")
    site.urlpatterns = build_urlpatterns()  # type: ignore[attr-defined]
    registry.connector_class.cache_clear()
    with override_settings(ROOT_URLCONF=site):
        yield registry.get("kestrel")
    registry.connector_class.cache_clear()


@pytest.fixture
def kestrel_account(people: dict[str, Any], kestrel: NetworkInfo) -> SocialAccount:
    return SocialAccount.objects.create(workspace=people["workspace"], network="kestrel",
                                        server_url="https://kestrel.test", remote_id="7",
                                        handle="@brand-kestrel", credentials={})


def test_its_app_and_its_urls_come_from_the_registry(kestrel):
    assert KESTREL in registry.apps()
    assert reverse("kestrel:connect", args=[1]) == "/w/1/connect/kestrel/"


def test_the_charter_recognises_its_handles_and_requires_them_only_in_its_texts(kestrel, english):
    assert mention_network("@alice-kestrel") == "kestrel"
    assert mention_network("@alice@example.social") == "mastodon"
    assert mention_network("@alice") is None
    charter = Charter(required_mentions=["@alice-kestrel"])
    data = PostInput(text="Bonjour", accounts=[], mode="draft")
    assert check_charter(charter, data, "mastodon") == []
    missing = [f.message for f in check_charter(charter, data, "kestrel")]
    assert len(missing) == 1 and "required mention missing: @alice-kestrel" in missing[0]


@pytest.mark.django_db
def test_the_importer_accepts_its_key_and_its_handle_aliases(people, kestrel_account):
    ctx = load_context(people["workspace"])
    for written in ("kestrel:@brand-kestrel", "Kestrel:brand", "@brand-kestrel"):
        check = RowCheck()
        assert resolve_accounts(ctx, written, check) == [kestrel_account], written
        assert check.errors == {}


@pytest.mark.django_db
def test_the_network_stylesheet_carries_its_colour(people, kestrel):
    response = client_for(people["owner"]).get("/networks.css")
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert ".net.kestrel { background:#0a7d5a; }" in css
    assert ".event.net-kestrel {" in css and ".net.mastodon { background:#6364ff; }" in css


@pytest.mark.django_db
def test_the_composer_counts_its_text_its_way(people, kestrel_account):
    # Code points, not graphemes (the family emoji is 5), and a link counts as 10.
    text = "👩‍👩‍👧 https://example.com/a/very/long/path/indeed"
    response = client_for(people["owner"]).post(reverse("web:compose_check", args=[people["workspace"].pk]),
                                                {"text": text, "accounts": [kestrel_account.pk]})
    assert "16 / 200" in response.content.decode()


@pytest.mark.django_db
def test_the_account_list_shows_its_label_and_its_connect_button(people, kestrel_account):
    page = client_for(people["owner"]).get(reverse("web:accounts", args=[people["workspace"].pk]))
    html = page.content.decode()
    assert '<span class="net kestrel">Kestrel</span>' in html
    assert f'href="/w/{people["workspace"].pk}/connect/kestrel/">Kestrel</a>' in html

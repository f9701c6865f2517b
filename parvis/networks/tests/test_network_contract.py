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
from parvis.networks.style import contrast, fill_for_white_text
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
    # A brand colour too light for a badge's white label is darkened just enough (WCAG AA).
    assert ".event.net-kestrel {" in css and ".net.mastodon { background:#6061f7; }" in css
    assert ".event .dot.mastodon { background:#6364ff; }" in css  # the brand colour itself elsewhere
    for info in registry.NETWORKS.values():
        assert contrast(fill_for_white_text(info.colour), "#ffffff") >= 4.5, info.key
    # In dark mode the light tints give way to mixes into the dark surface.
    dark = css.split("@media (prefers-color-scheme: dark)", 1)[1]
    assert ".event.net-kestrel { background:color-mix(in srgb, #0a7d5a 22%, var(--card)); }" in dark


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


# -- its post options and its own rules, from its package alone -------------------------

def compose(people: dict[str, Any], account: SocialAccount, **fields: Any) -> Any:
    data = {"text": "Nouvel article", "accounts": [account.pk], "mode": "schedule",
            "scheduled_at": "2030-01-07T09:00", "timezone": "Europe/Paris", **fields}
    return client_for(people["owner"]).post(reverse("web:compose", args=[people["workspace"].pk]), data)


@pytest.mark.django_db
def test_the_composer_shows_its_options_and_names_its_missing_title_and_its_rule(people, kestrel_account):
    page = client_for(people["owner"]).get(reverse("web:compose", args=[people["workspace"].pk]))
    assert 'data-testid="options-kestrel"' in page.content.decode()
    assert 'name="opt_kestrel-title"' in page.content.decode()
    refused = compose(people, kestrel_account)
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'data-field="options.kestrel.title"' in html and "Kestrel, Title:" in html
    assert "Kestrel (@brand-kestrel): An image is needed." in html  # its connector's own rule
    assert not kestrel_account.publications.exists()


@pytest.mark.django_db
def test_a_draft_may_wait_for_its_title_but_not_take_a_malformed_one(people, kestrel_account):
    assert compose(people, kestrel_account, mode="draft").status_code == 302
    too_long = compose(people, kestrel_account, mode="draft", **{"opt_kestrel-title": "t" * 81})
    assert too_long.status_code == 400 and 'data-field="options.kestrel.title"' in too_long.content.decode()


@pytest.mark.django_db
def test_its_options_are_cleaned_by_its_form_and_kept_with_the_post(people, kestrel_account):
    assert compose(people, kestrel_account, mode="draft",
                   **{"opt_kestrel-title": " Les nouveautés ", "opt_kestrel-tags": "pain, , viennoiserie"}
                   ).status_code == 302
    post = kestrel_account.publications.get().post
    assert post.options == {"kestrel": {"title": "Les nouveautés", "tags": ["pain", "viennoiserie"]}}
    # Shown again in the composer when the post is edited.
    page = client_for(people["owner"]).get(reverse("web:post_edit", args=[people["workspace"].pk, post.pk]))
    assert 'value="Les nouveautés"' in page.content.decode()


@pytest.mark.django_db
def test_the_live_check_lists_its_problems_before_scheduling(people, kestrel_account):
    response = client_for(people["owner"]).post(reverse("web:compose_check", args=[people["workspace"].pk]),
                                                {"text": "Bonjour", "accounts": [kestrel_account.pk],
                                                 "mode": "schedule", "scheduled_at": "2030-01-07T09:00"})
    html = response.content.decode()
    assert "An image is needed." in html and "Kestrel (@brand-kestrel): An image is needed." in html


@pytest.mark.django_db
def test_the_api_takes_its_options_and_names_the_field_of_each_problem(people, kestrel_account):
    client = client_for(people["owner"])
    url = f"/api/v1/workspaces/{people['workspace'].pk}/posts/"
    body = {"text": "Par l'API", "accounts": [kestrel_account.pk], "mode": "draft",
            "options": {"kestrel": {"title": "t" * 81}, "nowhere": {}}}
    refused = client.post(url, body, content_type="application/json")
    errors = refused.json()["errors"]
    assert refused.status_code == 400 and set(errors) >= {"options", "options.kestrel.title"}
    body["options"] = {"kestrel": {"title": "Titre", "tags": "a,b"}}
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["options"] == {"kestrel": {"title": "Titre", "tags": ["a", "b"]}}


# -- the parts of the contract a network offers when it can ---------------------------

def test_a_connector_that_lists_contest_entrants_keeps_the_whole_contest_contract():
    """A contest reads who took part in a post through `ContestConnector`: a connector
    that has one of its methods has them all, with the protocol's parameters, so that the
    contest logic can ask any network the same way."""
    import inspect

    from parvis.networks.base import ContestConnector

    methods = [name for name in ("contest_ways", "participants", "followers_among", "send_direct")
               if callable(getattr(ContestConnector, name, None))]
    assert len(methods) == 4
    offering = []
    for key in registry.NETWORKS:
        cls = registry.connector_class(key)
        present = [name for name in methods if callable(getattr(cls, name, None))]
        if not present:
            continue
        offering.append(key)
        assert present == methods, key
        for name in methods:
            wanted = list(inspect.signature(getattr(ContestConnector, name)).parameters)
            assert list(inspect.signature(getattr(cls, name)).parameters) == wanted, (key, name)
    assert len(offering) >= 2  # the two networks with local servers to test against

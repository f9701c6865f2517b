"""The editorial charter in the web UI: the managers' settings page, the composer's live
warnings, and scheduling refused by a blocking rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Charter, Post
from parvis.testing.factories import client_for
from parvis.web.tests.test_pages import in_one_hour_paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def bluesky(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})


def charter_url(people: dict[str, Any]) -> str:
    return reverse("web:charter", args=[people["workspace"].pk])


def form(**changes: Any) -> dict[str, Any]:
    """A full settings form, as the browser sends it."""
    return {"banned_terms": "", "required_hashtags": "", "required_mentions": "", "max_hashtags": "",
            "max_emojis": "", "allowed_languages": "", "link_policy": "any", "allowed_domains": "",
            "blocked_domains": "", **changes}


def live_check(client: Client, people: dict[str, Any], **data: Any) -> str:
    response = client.post(reverse("web:compose_check", args=[people["workspace"].pk]), data)
    assert response.status_code == 200
    return response.content.decode()


# -- settings page -----------------------------------------------------------------------

def test_workspace_settings_link_to_the_charter(people):
    page = client_for(people["manager"]).get(reverse("web:workspace_settings", args=[people["workspace"].pk]))
    assert charter_url(people) in page.content.decode()


def test_manager_sets_every_rule_and_the_change_is_audited(people):
    client = client_for(people["manager"])
    assert client.get(charter_url(people)).status_code == 200
    response = client.post(charter_url(people), form(
        banned_terms="pas cher\narnaque", required_hashtags="#dupont, boulangerie",
        required_mentions="@dupont", max_hashtags="3", max_emojis="2", require_alt_text="on",
        allowed_languages="fr, en", link_policy="allowed", allowed_domains="dupont.example",
        blocked_domains="concurrent.example", blocking=["banned_terms", "links"], utm_enabled="on"))
    assert response.status_code == 302
    charter = Charter.objects.get(workspace=people["workspace"])
    assert charter.banned_terms == ["pas cher", "arnaque"]
    assert charter.required_hashtags == ["#dupont", "#boulangerie"]
    assert (charter.max_hashtags, charter.max_emojis, charter.require_alt_text) == (3, 2, True)
    assert charter.allowed_languages == ["fr", "en"] and charter.link_policy == "allowed"
    assert charter.blocking == ["banned_terms", "links"] and charter.utm_enabled
    entry = AuditEntry.objects.get(workspace=people["workspace"], action="charter_changed")
    assert entry.actor == people["manager"]
    assert "Banned words and expressions: —" in entry.before
    assert "Banned words and expressions: pas cher, arnaque" in entry.after

    page = client.get(charter_url(people)).content.decode()
    assert "pas cher\narnaque</textarea>" in page
    assert 'name="blocking" value="links" checked' in page


def test_unticking_a_box_turns_the_rule_off(people):
    Charter.objects.create(workspace=people["workspace"], require_alt_text=True, utm_enabled=True,
                           blocking=["require_alt_text"])
    client_for(people["manager"]).post(charter_url(people), form())
    charter = Charter.objects.get()
    assert not charter.require_alt_text and not charter.utm_enabled and charter.blocking == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("max_emojis", "-2", "Maximum emojis: enter a whole number, 0 or more"),
    ("allowed_domains", "dupont example", "Allowed domains: “dupont example” is not a valid domain name"),
    ("allowed_languages", "fr, francais", "Allowed languages: “francais” is not an ISO 639-1 language code"),
])
def test_bad_input_is_refused_naming_the_field_and_kept_in_the_form(people, field, value, message):
    response = client_for(people["manager"]).post(charter_url(people), form(**{field: value}))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-field="{field}"' in page and message in page
    assert value in page  # what was typed is not lost
    assert not Charter.objects.exists()


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editor_and_viewer_cannot_change_the_charter(people, role):
    client = client_for(people[role])
    assert client.get(charter_url(people)).status_code == 403
    assert client.post(charter_url(people), form(banned_terms="tout")).status_code == 403
    assert not Charter.objects.exists()


def test_outsider_gets_not_found(people):
    assert client_for(people["outsider"]).get(charter_url(people)).status_code == 404


# -- composer ----------------------------------------------------------------------------

def test_composer_shows_warnings_in_amber_and_blocking_rules_in_red(people, bluesky):
    Charter.objects.create(workspace=people["workspace"], banned_terms=["pas cher"], max_emojis=1,
                           blocking=["banned_terms"])
    page = live_check(client_for(people["editor"]), people, text="Pas cher ! 🥐🥖", accounts=[bluesky.pk],
                      mode="schedule", scheduled_at=in_one_hour_paris(), timezone="Europe/Paris")
    assert ('<li class="finding blocking" data-rule="banned_terms" data-field="text">'
            "Charter — banned expression: “pas cher” <strong class=\"blocks\">blocks scheduling</strong>") in page
    assert ('<li class="finding warning" data-rule="max_emojis" data-field="text">'
            "Charter — too many emojis: 2, 1 at most</li>") in page
    # Each finding is shown once: not again among the other problems.
    assert page.count("banned expression") == 1


def test_composer_warns_on_drafts_too(people, bluesky):
    Charter.objects.create(workspace=people["workspace"], required_hashtags=["#dupont"],
                           blocking=["required_hashtags"])
    page = live_check(client_for(people["editor"]), people, text="Brouillon", accounts=[bluesky.pk], mode="draft")
    assert "Charter — required hashtag missing: #dupont" in page


def test_composer_checks_the_alt_text_typed_for_each_new_image(people, bluesky):
    Charter.objects.create(workspace=people["workspace"], require_alt_text=True)
    client = client_for(people["editor"])
    page = live_check(client, people, text="Photos", accounts=[bluesky.pk], mode="draft", media_count="2",
                      alt_0="Une miche", alt_1="")
    assert "Charter — alt text required: “image 2” has none" in page
    assert "image 1" not in page
    assert "alt text required" not in live_check(client, people, text="Photos", mode="draft", media_count="1",
                                                 alt_0="Une miche")


def test_composer_counts_the_text_with_its_utm_parameters(people, bluesky):
    Charter.objects.create(workspace=people["workspace"], utm_enabled=True)
    page = live_check(client_for(people["editor"]), people, text="https://dupont.example/",
                      accounts=[bluesky.pk], mode="draft")
    tagged = "https://dupont.example/?utm_source=bluesky&utm_medium=social"
    assert f"{len(tagged)} / 300" in page


def test_composer_offers_only_the_allowed_languages(people, bluesky):
    Charter.objects.create(workspace=people["workspace"], allowed_languages=["fr", "en"])
    page = client_for(people["editor"]).get(reverse("web:compose", args=[people["workspace"].pk])).content.decode()
    assert 'lang="fr" >français (fr)</option>' in page and 'lang="en" >English (en)</option>' in page
    assert 'value="de"' not in page


def test_scheduling_with_a_blocking_finding_is_refused_naming_the_rule(people, bluesky):
    Charter.objects.create(workspace=people["workspace"], allowed_languages=["fr"], blocking=["allowed_languages"])
    client = client_for(people["editor"])
    data = {"text": "Hello", "accounts": [bluesky.pk], "mode": "schedule", "scheduled_at": in_one_hour_paris(),
            "timezone": "Europe/Paris", "language": "en"}
    response = client.post(reverse("web:compose", args=[people["workspace"].pk]), data)
    assert response.status_code == 400
    assert "Charter — language not allowed: English (en) (allowed: français (fr))" in response.content.decode()
    assert not Post.objects.exists()
    response = client.post(reverse("web:compose", args=[people["workspace"].pk]), {**data, "mode": "draft"})
    assert response.status_code == 302 and Post.objects.get().is_draft
    response = client.post(reverse("web:compose", args=[people["workspace"].pk]), {**data, "language": "fr"})
    assert response.status_code == 302

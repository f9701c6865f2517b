"""The editorial charter through the API: blocking rules refuse scheduling with the same
messages as the composer; managers read and change the charter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, Membership, Role, User
from parvis.api.tests.conftest import World
from parvis.api.tests.test_api import YEAR, create, errors
from parvis.publishing.models import Charter, Post

pytestmark = pytest.mark.django_db


def english(client: APIClient) -> APIClient:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def manager(world: World) -> User:
    user = User.objects.create_user("manager@example.com", "pw")
    Membership.objects.create(workspace=world.workspace, user=user, role=Role.MANAGER)
    return user


def charter_url(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/charter/"


# -- posts -------------------------------------------------------------------------------

def test_scheduling_a_post_that_breaks_a_blocking_rule_is_400_naming_the_rule(api, world):
    Charter.objects.create(workspace=world.workspace, banned_terms=["pas cher"], blocking=["banned_terms"])
    response = create(english(api), world, text="Galettes pas chères ? Non : PAS CHER !",
                      accounts=[world.mastodon.pk], scheduled_at=f"{YEAR}-01-06T09:00")
    assert errors(response) == {"text": ["Charter — banned expression: “pas cher”"]}
    assert not Post.objects.exists()


def test_warning_rules_do_not_stop_scheduling(api, world):
    Charter.objects.create(workspace=world.workspace, banned_terms=["pas cher"])
    response = create(api, world, text="Pas cher", accounts=[world.mastodon.pk], scheduled_at=f"{YEAR}-01-06T09:00")
    assert response.status_code == 201


def test_blocking_rule_on_a_network_variant_names_that_field(api, world):
    Charter.objects.create(workspace=world.workspace, max_hashtags=1, blocking=["max_hashtags"])
    response = create(english(api), world, text="#galette", variants={"bluesky": "#galette #roi"},
                      accounts=[world.bluesky.pk], scheduled_at=f"{YEAR}-01-06T09:00")
    assert errors(response) == {
        "variants.bluesky": ["Charter — too many hashtags: 2, 1 at most (text for Bluesky)"]}


def test_a_draft_is_saved_whatever_the_charter(api, world):
    Charter.objects.create(workspace=world.workspace, required_hashtags=["#dupont"], blocking=["required_hashtags"])
    response = create(api, world, text="Idée", accounts=[world.mastodon.pk], mode="draft")
    assert response.status_code == 201
    post_id = response.json()["id"]
    response = english(api).patch(f"/api/v1/posts/{post_id}/", {"mode": "schedule",
                                                                 "scheduled_at": f"{YEAR}-01-06T09:00"}, format="json")
    assert errors(response) == {"text": ["Charter — required hashtag missing: #dupont"]}


# -- the charter itself ------------------------------------------------------------------

def test_any_member_reads_the_charter_defaults_included(world, client_for):
    body = client_for(world.viewer).get(charter_url(world)).json()
    assert body["banned_terms"] == [] and body["link_policy"] == "any" and body["blocking"] == []
    Charter.objects.create(workspace=world.workspace, banned_terms=["arnaque"], utm_enabled=True)
    body = client_for(world.editor).get(charter_url(world)).json()
    assert body["banned_terms"] == ["arnaque"] and body["utm_enabled"] is True


def test_manager_changes_the_charter_and_it_is_audited(world, client_for, manager):
    client = english(client_for(manager))
    response = client.put(charter_url(world), {
        "banned_terms": ["pas cher"], "required_hashtags": ["dupont"], "max_emojis": 3,
        "allowed_languages": ["FR"], "link_policy": "allowed", "allowed_domains": ["dupont.example"],
        "blocking": ["links", "banned_terms"], "utm_enabled": True}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["required_hashtags"] == ["#dupont"] and body["allowed_languages"] == ["fr"]
    assert body["blocking"] == ["banned_terms", "links"] and body["max_emojis"] == 3
    # Fields left out keep their value.
    response = client.patch(charter_url(world), {"max_emojis": None}, format="json")
    assert response.json()["max_emojis"] is None and response.json()["banned_terms"] == ["pas cher"]
    assert AuditEntry.objects.filter(workspace=world.workspace, action="charter_changed", actor=manager).count() == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"max_hashtags": -1}, "max_hashtags"),
    ({"allowed_domains": ["pas un domaine"]}, "allowed_domains"),
    ({"allowed_languages": ["klingon"]}, "allowed_languages"),
    ({"blocking": ["everything"]}, "blocking"),
    ({"link_policy": "allowed"}, "allowed_domains"),
])
def test_bad_charter_is_400_naming_the_field(world, client_for, manager, body: dict[str, Any], field: str):
    response = client_for(manager).put(charter_url(world), body, format="json")
    assert list(errors(response)) == [field]
    assert not Charter.objects.exists()


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editor_and_viewer_cannot_change_the_charter(world, client_for: Callable[[User], APIClient], who):
    response = client_for(getattr(world, who)).put(charter_url(world), {"banned_terms": ["x"]}, format="json")
    assert response.status_code == 403
    assert not Charter.objects.exists()


def test_outsider_gets_404(world, client_for):
    assert client_for(world.outsider).get(charter_url(world)).status_code == 404
    assert client_for(world.outsider).put(charter_url(world), {}, format="json").status_code == 404

"""Campaigns and labels through the API: list and create them, put them on posts; ids from
another workspace are "unknown", with the field named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.publishing.models import Campaign, Label

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 2


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def post_body(world: World, **extra: Any) -> dict[str, Any]:
    return {"text": "Joyeux Noël", "accounts": [world.mastodon.pk], "scheduled_at": f"{YEAR}-12-24T18:30",
            **extra}


def test_create_and_list_campaigns(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/campaigns/"
    response = api.post(url, {"name": "Noël 2030", "colour": "#aa3300", "starts_on": f"{YEAR}-12-01",
                              "ends_on": f"{YEAR}-12-31"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "noel-2030"
    assert [c["name"] for c in api.get(url).json()["results"]] == ["Noël 2030"]


def test_campaign_rules_name_the_field(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/campaigns/"
    api.post(url, {"name": "Noël"}, format="json")
    assert "name" in errors(api.post(url, {"name": "noël"}, format="json"))
    assert "ends_on" in errors(api.post(url, {"name": "Été", "starts_on": f"{YEAR}-07-10",
                                              "ends_on": f"{YEAR}-07-01"}, format="json"))
    assert "colour" in errors(api.post(url, {"name": "Rentrée", "colour": "red"}, format="json"))


def test_create_and_list_labels(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/labels/"
    assert api.post(url, {"name": "Recette"}, format="json").status_code == 201
    assert "name" in errors(api.post(url, {"name": "recette"}, format="json"))
    assert [label["name"] for label in api.get(url).json()["results"]] == ["Recette"]


def test_viewer_reads_but_cannot_create(world: World, client_for: Callable[[User], APIClient]) -> None:
    viewer = client_for(world.viewer)
    url = f"/api/v1/workspaces/{world.workspace.pk}/labels/"
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, {"name": "Recette"}, format="json").status_code == 403


def test_outsider_gets_not_found(world: World, client_for: Callable[[User], APIClient]) -> None:
    outsider = client_for(world.outsider)
    assert outsider.get(f"/api/v1/workspaces/{world.workspace.pk}/campaigns/").status_code == 404


def test_post_carries_campaign_and_labels(api: APIClient, world: World) -> None:
    campaign = Campaign.objects.create(workspace=world.workspace, name="Noël", slug="noel")
    labels = [Label.objects.create(workspace=world.workspace, name=n) for n in ("Recette", "Vidéo")]
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/",
                        post_body(world, campaign=campaign.pk, labels=[labels[0].pk, labels[1].pk]),
                        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["campaign"] == campaign.pk and sorted(body["labels"]) == sorted(label.pk for label in labels)
    # PATCH without them keeps them; with null / [] clears them.
    patched = api.patch(f"/api/v1/posts/{body['id']}/", {"text": "Joyeux Noël !"}, format="json").json()
    assert patched["campaign"] == campaign.pk and len(patched["labels"]) == 2
    cleared = api.patch(f"/api/v1/posts/{body['id']}/", {"campaign": None, "labels": []}, format="json").json()
    assert cleared["campaign"] is None and cleared["labels"] == []


def test_campaign_or_label_of_another_workspace_is_unknown(api: APIClient, world: World) -> None:
    foreign_campaign = Campaign.objects.create(workspace=world.other_workspace, name="X", slug="x")
    foreign_label = Label.objects.create(workspace=world.other_workspace, name="X")
    url = f"/api/v1/workspaces/{world.workspace.pk}/posts/"
    assert "campaign" in errors(api.post(url, post_body(world, campaign=foreign_campaign.pk), format="json"))
    assert "labels" in errors(api.post(url, post_body(world, labels=[foreign_label.pk]), format="json"))

"""Changing and archiving campaigns, changing and deleting labels, through the API:
editors, the shared rules naming the field, the audit log, 404 elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, User
from parvis.api.tests.conftest import World
from parvis.publishing.campaigns import CampaignInput, LabelInput, save_campaign, save_label
from parvis.publishing.models import Campaign, Label

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


@pytest.fixture
def campaign(world: World) -> Campaign:
    return save_campaign(world.workspace, world.owner, CampaignInput(name="Noël"))


@pytest.fixture
def label(world: World) -> Label:
    return save_label(world.workspace, world.owner, LabelInput(name="Promo"))


def test_editors_change_a_campaign(world: World, campaign: Campaign,
                                   client_for: Callable[[User], APIClient]) -> None:
    editor = client_for(world.editor)
    url = reverse("api:campaign", args=[campaign.pk])
    response = editor.patch(url, {"colour": "#AA3300"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["colour"], response.json()["slug"]) == ("Noël", "#aa3300", "noel")
    assert AuditEntry.objects.filter(action="campaign.updated").exists()
    assert client_for(world.viewer).get(url).json()["name"] == "Noël"
    assert client_for(world.viewer).patch(url, {"name": "X"}, format="json").status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404


def test_campaign_rules_name_the_field_on_change(world: World, campaign: Campaign, api: APIClient) -> None:
    save_campaign(world.workspace, world.owner, CampaignInput(name="Été"))
    url = reverse("api:campaign", args=[campaign.pk])
    assert "name" in errors(api.patch(url, {"name": "été"}, format="json"))
    assert "colour" in errors(api.patch(url, {"colour": "red"}, format="json"))
    assert "ends_on" in errors(api.patch(url, {"starts_on": "2030-07-10", "ends_on": "2030-07-01"}, format="json"))


def test_archive_and_restore_a_campaign(world: World, campaign: Campaign, api: APIClient,
                                        client_for: Callable[[User], APIClient]) -> None:
    url = reverse("api:campaign-archive", args=[campaign.pk])
    assert client_for(world.viewer).post(url, {}, format="json").status_code == 403
    assert api.post(url, {}, format="json").json()["archived"] is True
    assert api.post(url, {"archived": False}, format="json").json()["archived"] is False
    assert list(AuditEntry.objects.filter(action__in=["campaign.archived", "campaign.restored"])
                .order_by("pk").values_list("action", flat=True)) == ["campaign.archived", "campaign.restored"]
    assert "archived" in errors(api.post(url, {"archived": "perhaps"}, format="json"))
    assert client_for(world.outsider).post(url, {}, format="json").status_code == 404


def test_change_and_delete_a_label(world: World, label: Label, api: APIClient,
                                   client_for: Callable[[User], APIClient]) -> None:
    save_label(world.workspace, world.owner, LabelInput(name="FAQ"))
    url = reverse("api:label", args=[label.pk])
    assert "name" in errors(api.patch(url, {"name": "faq"}, format="json"))
    assert api.patch(url, {"name": "Promos"}, format="json").json()["name"] == "Promos"
    assert client_for(world.viewer).delete(url).status_code == 403
    assert client_for(world.outsider).delete(url).status_code == 404
    assert client_for(world.editor).delete(url).status_code == 204
    assert not Label.objects.filter(pk=label.pk).exists()
    assert AuditEntry.objects.filter(action="label.deleted").exists()

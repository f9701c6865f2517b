"""Creating a workspace, changing its settings, disconnecting an account, through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.api.tests.conftest import World
from parvis.networks.models import SocialAccount

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_anyone_creates_a_workspace_they_own(world: World, client_for: Callable[[User], APIClient]) -> None:
    viewer = client_for(world.viewer)
    response = viewer.post(reverse("api:workspaces"), {"name": "Boulangerie", "timezone": "America/Montreal"},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["timezone"], body["role"]) == ("Boulangerie", "America/Montreal", "owner")
    assert Membership.objects.get(workspace_id=body["id"], user=world.viewer).role == Role.OWNER


def test_workspace_create_names_the_bad_field(api: APIClient) -> None:
    assert "name" in errors(api.post(reverse("api:workspaces"), {"name": "  "}, format="json"))
    assert "timezone" in errors(api.post(reverse("api:workspaces"), {"name": "A", "timezone": "Nowhere"},
                                         format="json"))
    assert "language" in errors(api.post(reverse("api:workspaces"), {"name": "A", "language": "xx"}, format="json"))


def test_managers_change_the_workspace_settings(world: World, api: APIClient,
                                               client_for: Callable[[User], APIClient]) -> None:
    url = reverse("api:workspace", args=[world.workspace.pk])
    response = api.patch(url, {"name": "Brand 2", "language": "en"}, format="json")
    assert response.status_code == 200, response.content
    world.workspace.refresh_from_db()
    assert (world.workspace.name, world.workspace.language, world.workspace.timezone) == (
        "Brand 2", "en", "Europe/Paris")
    assert client_for(world.editor).patch(url, {"name": "Mine"}, format="json").status_code == 403
    assert api.patch(reverse("api:workspace", args=[world.other_workspace.pk]), {"name": "X"},
                     format="json").status_code == 404
    assert Workspace.objects.get(pk=world.other_workspace.pk).name == "Other brand"


def test_managers_disconnect_an_account(world: World, api: APIClient,
                                        client_for: Callable[[User], APIClient]) -> None:
    url = reverse("api:account", args=[world.bluesky.pk])
    assert client_for(world.editor).delete(url).status_code == 403
    assert api.delete(reverse("api:account", args=[world.other_account.pk])).status_code == 404
    assert api.delete(url).status_code == 204
    assert not SocialAccount.objects.filter(pk=world.bluesky.pk).exists()
    assert SocialAccount.objects.filter(pk=world.other_account.pk).exists()

"""Moving one queued publication through the API: editors, neighbours swap times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, User
from parvis.api.tests.conftest import World
from parvis.publishing import queue

pytestmark = pytest.mark.django_db


def queued_ids(api: APIClient, world: World) -> list[int]:
    return [p["id"] for p in api.get(reverse("api:account-queue", args=[world.mastodon.pk])).json()["queued"]]


@pytest.fixture
def line(world: World, api: APIClient) -> list[int]:
    queue.set_slots(world.mastodon, [(0, time(9)), (3, time(18))])
    for text in ("Un", "Deux", "Trois"):
        response = api.post(reverse("api:posts", args=[world.workspace.pk]),
                            {"text": text, "accounts": [world.mastodon.pk], "mode": "queue"}, format="json")
        assert response.status_code == 201, response.content
    return queued_ids(api, world)


def test_editors_move_a_publication_up(world: World, line: list[int],
                                       client_for: Callable[[User], APIClient]) -> None:
    editor = client_for(world.editor)
    url = reverse("api:account-queue-move", args=[world.mastodon.pk])
    response = editor.post(url, {"publication": line[2], "direction": "up"}, format="json")
    assert response.status_code == 200, response.content
    assert [p["id"] for p in response.json()["queued"]] == [line[0], line[2], line[1]]
    assert AuditEntry.objects.filter(action="queue.move").exists()


def test_refusals(world: World, line: list[int], api: APIClient,
                  client_for: Callable[[User], APIClient]) -> None:
    url = reverse("api:account-queue-move", args=[world.mastodon.pk])
    assert client_for(world.viewer).post(url, {"publication": line[1], "direction": "up"},
                                         format="json").status_code == 403
    assert client_for(world.outsider).post(url, {"publication": line[1], "direction": "up"},
                                           format="json").status_code == 404
    response: Any = api.post(url, {"publication": line[0], "direction": "up"}, format="json")
    assert response.status_code == 409 and "direction" in response.json()["errors"]
    assert "direction" in api.post(url, {"publication": line[0], "direction": "left"}, format="json").json()["errors"]
    other = reverse("api:account-queue-move", args=[world.bluesky.pk])
    assert "publication" in api.post(other, {"publication": line[0], "direction": "down"},
                                     format="json").json()["errors"]
    assert queued_ids(api, world) == line

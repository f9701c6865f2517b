"""A workspace's mission through the API: any member reads a month, managers change it,
and bad input is a 400 naming the field, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from parvis.accounts.models import Membership, Role, User
from parvis.api.tests.conftest import World
from parvis.api.tests.test_api import YEAR, errors
from parvis.publishing.models import Mission, Post, Publication, State

pytestmark = pytest.mark.django_db

MONTH = f"{YEAR}-03"


@pytest.fixture
def manager(world: World, client_for: Callable[[User], APIClient]) -> APIClient:
    user = User.objects.create_user("manager@example.com", "pw")
    Membership.objects.create(workspace=world.workspace, user=user, role=Role.MANAGER)
    return client_for(user)


def mission_url(world: World, month: str = MONTH) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/mission/{month}/"


def put(client: APIClient, world: World, body: Any, month: str = MONTH) -> Any:
    return client.put(mission_url(world, month), body, format="json")


def test_a_manager_sets_promises_and_any_member_reads_the_progress(world, manager, client_for):
    response = put(manager, world, {"promises": {"mastodon": 20, "bluesky": "8"}})
    assert response.status_code == 200, response.content
    post = Post.objects.create(workspace=world.workspace, text="Galette")
    Publication.objects.create(post=post, account=world.mastodon, state=State.PUBLISHED,
                               due_at=f"{YEAR}-03-10T09:00:00+01:00")
    body = client_for(world.viewer).get(mission_url(world)).json()
    assert body == {"month": MONTH, "carried_from": None, "networks": [
        {"network": "mastodon", "label": "Mastodon", "promised": 20, "planned": 1, "published": 1,
         "short_by": 19, "at_risk": False},
        {"network": "bluesky", "label": "Bluesky", "promised": 8, "planned": 0, "published": 0,
         "short_by": 8, "at_risk": False}]}
    later = client_for(world.viewer).get(mission_url(world, f"{YEAR}-05")).json()
    assert later["carried_from"] == MONTH and [n["promised"] for n in later["networks"]] == [20, 8]


def test_networks_left_out_keep_their_promise_and_null_or_zero_removes_one(world, manager):
    put(manager, world, {"promises": {"mastodon": 20, "bluesky": 8}})
    body = put(manager, world, {"promises": {"bluesky": None, "wordpress": 0}}).json()
    assert [(n["network"], n["promised"]) for n in body["networks"]] == [("mastodon", 20)]


def test_only_managers_change_the_mission_and_outsiders_do_not_see_it(world, api, client_for):
    assert put(client_for(world.editor), world, {"promises": {"mastodon": 2}}).status_code == 403
    assert client_for(world.outsider).get(mission_url(world)).status_code == 404
    assert put(api, world, {"promises": {"mastodon": 2}}).status_code == 200  # the owner
    assert Mission.objects.get().promised == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"promises": {"myspace": 20}}, "promises.myspace"),
    ({"promises": {"mastodon": -1}}, "promises.mastodon"),
    ({"promises": {"mastodon": "vingt"}}, "promises.mastodon"),
    ({"promises": {"mastodon": 2.5}}, "promises.mastodon"),
    ({"promises": {"mastodon": 10**30}}, "promises.mastodon"),
    ({"promises": {"mastodon": {"n": 1}}}, "promises.mastodon"),
    ({"promises": [1, 2]}, "promises"),
    ({"promises": "mastodon"}, "promises"),
    ({}, "promises"),
    ([1, 2], "body"),
])
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(world, manager, body, field):
    assert list(errors(put(manager, world, body))) == [field]
    assert not Mission.objects.exists()


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-12", "2026-12-01", "décembre", "0999-12", "%00"])
def test_a_month_not_written_yyyy_mm_is_a_400_on_month(world, manager, month):
    assert errors(manager.get(mission_url(world, month))) == {"month": ["Enter a month like 2026-12."]}
    assert list(errors(put(manager, world, {"promises": {"mastodon": 2}}, month))) == ["month"]


def test_the_operation_is_in_the_published_schema(generated_schema):
    operation = generated_schema["paths"]["/api/v1/workspaces/{workspace_id}/mission/{month}/"]
    assert {"get", "put"} <= set(operation)
    assert "400" in operation["get"]["responses"] and "403" in operation["put"]["responses"]

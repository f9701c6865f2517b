"""The calendar through the API: publications by day range (per workspace and across the
requester's workspaces), and the review list (posts by approval state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import Membership, Role, User
from parvis.api.tests.conftest import World
from parvis.publishing.models import ApprovalState, Post

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 2


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def schedule(client: APIClient, workspace_id: int, account_id: int, when: str, text: str = "Pain") -> int:
    response = client.post(reverse("api:posts", args=[workspace_id]),
                           {"text": text, "accounts": [account_id], "scheduled_at": when}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]  # type: ignore[no-any-return]


def test_days_are_cut_in_the_workspace_zone(world: World, api: APIClient) -> None:
    # 23:30 in Paris on the 1st is the 1st there, the 1st in UTC too; 00:30 on the 2nd is the 2nd.
    schedule(api, world.workspace.pk, world.mastodon.pk, f"{YEAR}-03-01T23:30", "Lundi")
    schedule(api, world.workspace.pk, world.mastodon.pk, f"{YEAR}-03-02T00:30", "Mardi")
    url = reverse("api:publications", args=[world.workspace.pk])
    day_one = api.get(url, {"since": f"{YEAR}-03-01", "until": f"{YEAR}-03-01"}).json()
    assert day_one["count"] == 1
    assert api.get(url, {"since": f"{YEAR}-03-02"}).json()["count"] == 1
    # In Montreal both are on the 1st (evening).
    assert api.get(url, {"since": f"{YEAR}-03-01", "until": f"{YEAR}-03-01", "tz": "America/Montreal"}
                   ).json()["count"] == 2


def test_bad_range_names_the_field(world: World, api: APIClient) -> None:
    url = reverse("api:publications", args=[world.workspace.pk])
    assert "until" in errors(api.get(url, {"since": f"{YEAR}-03-02", "until": f"{YEAR}-03-01"}))
    assert "since" in errors(api.get(url, {"since": "9999-01-01"}))
    assert "tz" in errors(api.get(url, {"tz": "Nowhere/Land"}))
    assert "approval_state" in errors(api.get(url, {"approval_state": "maybe"}))


def test_all_workspaces_calendar_holds_only_ones_own(world: World, api: APIClient,
                                                     client_for: Callable[[User], APIClient]) -> None:
    outsider = client_for(world.outsider)
    schedule(api, world.workspace.pk, world.mastodon.pk, f"{YEAR}-03-01T10:00")
    schedule(outsider, world.other_workspace.pk, world.other_account.pk, f"{YEAR}-03-01T11:00")
    url = reverse("api:all-publications")
    assert api.get(url, {"since": f"{YEAR}-03-01"}).json()["count"] == 1
    assert api.get(url, {"workspace": world.other_workspace.pk}).json()["count"] == 0
    Membership.objects.create(workspace=world.other_workspace, user=world.owner, role=Role.VIEWER)
    both = api.get(url, {"since": f"{YEAR}-03-01", "until": f"{YEAR}-03-01"}).json()["results"]
    assert len(both) == 2 and both[0]["due_at"] < both[1]["due_at"]
    assert "workspace" in errors(api.get(url, {"workspace": "x"}))


def test_the_review_list_is_posts_in_review(world: World, api: APIClient) -> None:
    waiting = schedule(api, world.workspace.pk, world.mastodon.pk, f"{YEAR}-03-01T10:00")
    schedule(api, world.workspace.pk, world.mastodon.pk, f"{YEAR}-03-02T10:00")
    Post.objects.filter(pk=waiting).update(approval_state=ApprovalState.IN_REVIEW)
    url = reverse("api:posts", args=[world.workspace.pk])
    assert [p["id"] for p in api.get(url, {"approval_state": "in_review"}).json()["results"]] == [waiting]
    assert api.get(url).json()["count"] == 2
    assert "approval_state" in errors(api.get(url, {"approval_state": "soon"}))
    assert api.get(reverse("api:posts", args=[world.other_workspace.pk]),
                   {"approval_state": "in_review"}).status_code == 404

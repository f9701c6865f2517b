"""Crisis pause through the API: status, pause, resume with decisions; managers only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, Membership, Role, User
from parvis.api.tests.conftest import World
from parvis.publishing.models import EditorialSettings, Post, Publication, State
from parvis.publishing.pause import pause_workspace
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = pytest.mark.django_db


def pause_url(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/pause/"


def resume_url(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/resume/"


def held(world: World, text: str, delay: float = -60) -> Post:
    return schedule(world.workspace, world.owner, [world.mastodon], text, delay=delay)


def paused(world: World, reason: str = "Crise en cours") -> None:
    pause_workspace(world.workspace, world.owner, reason)


def errors(response: Any, status: int = 400) -> dict[str, list[str]]:
    assert response.status_code == status, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_pause_then_status_lists_what_is_held(api: APIClient, world: World) -> None:
    post = held(world, "Promo du jour")
    held(world, "Demain", delay=86400)
    response = api.post(pause_url(world), {"reason": "Rappel produit"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["paused"] is True and response.json()["reason"] == "Rappel produit"
    status = api.get(pause_url(world)).json()
    assert status["paused_by"]["id"] == world.owner.pk
    assert status["paused_at"].endswith("Z") and status["in_flight"] == 0
    assert [m["id"] for m in status["missed"]] == [pub(post).pk]
    assert status["missed"][0]["text"] == "Promo du jour"
    assert AuditEntry.objects.filter(action="workspace.pause").count() == 1


def test_status_of_a_running_workspace(api: APIClient, world: World) -> None:
    body = api.get(pause_url(world)).json()
    assert body["paused"] is False and body["paused_at"] is None and body["missed"] == []


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_pause_without_a_reason_names_the_field(api: APIClient, world: World, body: dict[str, Any]) -> None:
    assert list(errors(api.post(pause_url(world), body, format="json"))) == ["reason"]


def test_pause_twice_is_a_conflict(api: APIClient, world: World) -> None:
    paused(world)
    assert list(errors(api.post(pause_url(world), {"reason": "Encore"}, format="json"), 409)) == ["workspace"]


def test_resume_when_running_is_a_conflict(api: APIClient, world: World) -> None:
    assert list(errors(api.post(resume_url(world), {"default": "drop"}, format="json"), 409)) == ["workspace"]


def test_only_managers_may_see_pause_or_resume(world: World, client_for: Callable[[User], APIClient]) -> None:
    manager = User.objects.create_user("manager@example.com", "pw")
    Membership.objects.create(workspace=world.workspace, user=manager, role=Role.MANAGER)
    for user in (world.editor, world.viewer):
        client = client_for(user)
        assert client.get(pause_url(world)).status_code == 403
        assert client.post(pause_url(world), {"reason": "x"}, format="json").status_code == 403
        assert client.post(resume_url(world), {"default": "drop"}, format="json").status_code == 403
    outsider = client_for(world.outsider)
    assert outsider.get(pause_url(world)).status_code == 404
    assert outsider.post(pause_url(world), {"reason": "x"}, format="json").status_code == 404
    assert outsider.post(resume_url(world), {"default": "drop"}, format="json").status_code == 404
    assert client_for(manager).post(pause_url(world), {"reason": "Crise"}, format="json").status_code == 200


def test_resume_applies_mixed_decisions(api: APIClient, world: World) -> None:
    now_post, moved, dropped, other = (held(world, t) for t in ("Maintenant", "Plus tard", "Jamais", "Reste"))
    future = held(world, "Demain", delay=86400)
    paused(world)
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = api.post(resume_url(world), {"default": "publish_now", "decisions": [
        {"publication": pub(now_post).pk, "action": "publish_now"},
        {"publication": pub(moved).pk, "action": "reschedule",
         "scheduled_at": when.astimezone(world.workspace.tz).isoformat()},
        {"publication": pub(dropped).pk, "action": "drop"},
    ]}, format="json")
    assert response.status_code == 200, response.content
    outcomes = {o["publication"]: o["action"] for o in response.json()}
    assert outcomes == {pub(now_post).pk: "publish_now", pub(moved).pk: "reschedule",
                        pub(dropped).pk: "drop", pub(other).pk: "publish_now"}
    world.workspace.refresh_from_db()
    assert not EditorialSettings.of(world.workspace).is_paused
    assert pub(moved).due_at == when and pub(dropped).state == State.CANCELLED
    future_due = pub(future).due_at
    assert pub(future).state == State.SCHEDULED and future_due and future_due > timezone.now() + timedelta(hours=23)


def test_resume_errors_name_the_decision_and_field(api: APIClient, world: World) -> None:
    first, second, third = (held(world, t) for t in ("Un", "Deux", "Trois"))
    paused(world)
    response = api.post(resume_url(world), {"default": "drop", "decisions": [
        {"publication": pub(first).pk, "action": "publish_now"},
        {"publication": pub(second).pk, "action": "tweet"},
        {"publication": pub(third).pk, "action": "reschedule", "scheduled_at": "2030-01-01T09:00:00"},
    ]}, format="json")
    assert set(errors(response)) == {"decisions[1].action", "decisions[2].scheduled_at"}
    world.workspace.refresh_from_db()
    assert EditorialSettings.of(world.workspace).is_paused


def test_resume_refuses_a_past_time_or_a_missing_one(api: APIClient, world: World) -> None:
    first, second = held(world, "Un"), held(world, "Deux")
    paused(world)
    response = api.post(resume_url(world), {"default": "drop", "decisions": [
        {"publication": pub(first).pk, "action": "reschedule", "scheduled_at": "2001-01-01T09:00:00+01:00"},
        {"publication": pub(second).pk, "action": "reschedule"},
    ]}, format="json")
    assert set(errors(response)) == {"decisions[0].scheduled_at", "decisions[1].scheduled_at"}


def test_resume_without_default_while_some_are_undecided_names_default(api: APIClient, world: World) -> None:
    first = held(world, "Un")
    held(world, "Deux")
    paused(world)
    response = api.post(resume_url(world), {"decisions": [{"publication": pub(first).pk, "action": "drop"}]},
                        format="json")
    assert list(errors(response)) == ["default"]


@pytest.mark.parametrize(("body", "field"), [
    ({"default": "explode"}, "default"),
    ({"default": "drop", "decisions": "all"}, "decisions"),
    ({"default": "drop", "decisions": ["x"]}, "decisions[0]"),
    ({"default": "drop", "decisions": [{"action": "drop"}]}, "decisions[0].publication"),
])
def test_malformed_resume_bodies_name_the_field(api: APIClient, world: World, body: dict[str, Any],
                                                field: str) -> None:
    paused(world)
    assert field in errors(api.post(resume_url(world), body, format="json"))


def test_a_publication_of_another_workspace_is_not_decided_on(api: APIClient, world: World) -> None:
    theirs = schedule(world.other_workspace, world.outsider, [world.other_account], "Pas à vous")
    paused(world)
    response = api.post(resume_url(world), {"default": "drop", "decisions": [
        {"publication": pub(theirs).pk, "action": "drop"}]}, format="json")
    assert list(errors(response)) == ["decisions[0].publication"]
    assert pub(theirs).state == State.SCHEDULED


def test_post_created_with_mode_now_while_paused_is_held(api: APIClient, world: World) -> None:
    paused(world)
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/",
                        {"text": "Urgent", "accounts": [world.mastodon.pk], "mode": "now"}, format="json")
    assert response.status_code == 201, response.content
    publication = Publication.objects.get(post_id=response.json()["id"])
    assert [m["id"] for m in api.get(pause_url(world)).json()["missed"]] == [publication.pk]
    assert publication.state == State.SCHEDULED and publication.published_at is None
    assert publication.next_attempt_at and publication.next_attempt_at <= datetime.now(UTC)

"""The person behind the token: settings, email (with the current password), notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from parvis.accounts.models import Notification, User
from parvis.api.tests.conftest import World

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_reads_and_changes_own_language_and_time_zone(api: APIClient, world: World) -> None:
    assert api.get(reverse("api:me")).json()["email"] == "owner@example.com"
    response = api.patch(reverse("api:me"), {"language": "en", "timezone": "America/Montreal",
                                             "first_name": "Odile"}, format="json")
    assert response.status_code == 200, response.content
    world.owner.refresh_from_db()
    assert (world.owner.language, world.owner.timezone, world.owner.first_name) == ("en", "America/Montreal", "Odile")


def test_bad_settings_name_the_field_and_email_is_not_changed_here(api: APIClient, world: World) -> None:
    assert "timezone" in errors(api.patch(reverse("api:me"), {"timezone": "Mars/Olympus"}, format="json"))
    assert "language" in errors(api.patch(reverse("api:me"), {"language": "xx"}, format="json"))
    api.patch(reverse("api:me"), {"email": "thief@example.com"}, format="json")
    world.owner.refresh_from_db()
    assert world.owner.email == "owner@example.com"  # read-only here: it takes the password


def test_email_change_takes_the_current_password(api: APIClient, world: World) -> None:
    url = reverse("api:me-email")
    assert "password" in errors(api.post(url, {"email": "new@example.com", "password": "wrong"}, format="json"))
    assert "email" in errors(api.post(url, {"email": "editor@example.com", "password": "pw"}, format="json"))
    assert "email" in errors(api.post(url, {"email": "not an email", "password": "pw"}, format="json"))
    response = api.post(url, {"email": "New@Example.com", "password": "pw"}, format="json")
    assert response.status_code == 200, response.content
    world.owner.refresh_from_db()
    assert world.owner.email == "new@example.com" and world.owner.check_password("pw")


def test_notifications_are_ones_own_and_marked_read_on_request(
        world: World, client_for: Callable[[User], APIClient]) -> None:
    mine = [Notification.objects.create(user=world.editor, workspace=world.workspace, kind="failed",
                                        message=f"Échec {n}", url="/w/1/") for n in range(3)]
    theirs = Notification.objects.create(user=world.outsider, kind="failed", message="Pas pour vous")
    editor = client_for(world.editor)
    listed = editor.get(reverse("api:me-notifications")).json()
    assert listed["count"] == 3 and listed["results"][0]["url"].endswith("/w/1/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 4  # reading does not mark them
    marked = editor.post(reverse("api:me-notifications-read"), {"ids": [mine[0].pk, theirs.pk]}, format="json")
    assert marked.json() == {"marked": 1}
    assert editor.get(reverse("api:me-notifications"), {"unread": "true"}).json()["count"] == 2
    assert editor.post(reverse("api:me-notifications-read"), {}, format="json").json() == {"marked": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "ids" in errors(editor.post(reverse("api:me-notifications-read"), {"ids": ["x"]}, format="json"))


def test_reads_and_changes_own_notification_choices(api: APIClient) -> None:
    url = reverse("api:me-notification-choices")

    def by_topic(answer: Any, channel: str) -> dict[str, bool]:
        return {row["topic"]: row[channel] for row in answer.json()["choices"]}

    assert by_topic(api.get(url), "push")["crisis"] is True
    changed = api.put(url, {"choices": [{"topic": "crisis", "app": True, "email": False, "push": False}]},
                      format="json")
    assert changed.status_code == 200, changed.content
    assert (by_topic(changed, "email")["crisis"], by_topic(changed, "push")["crisis"]) == (False, False)
    assert by_topic(changed, "email")["inbox"] is True  # the others keep theirs
    refused = api.put(url, {"choices": [{"topic": "weather", "app": True, "email": True, "push": True}]},
                      format="json")
    assert list(errors(refused)) == ["choices[0].topic"]

"""Members and invitations through the API: the link is emailed, never answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from parvis.accounts.models import Invitation, User
from parvis.api.tests.conftest import World

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_members_are_listed_with_their_roles(world: World, client_for: Callable[[User], APIClient]) -> None:
    listed = client_for(world.viewer).get(reverse("api:members", args=[world.workspace.pk])).json()["results"]
    assert [(m["email"], m["role"]) for m in listed] == [
        ("editor@example.com", "editor"), ("owner@example.com", "owner"), ("viewer@example.com", "viewer")]
    assert client_for(world.viewer).get(reverse("api:members", args=[world.other_workspace.pk])).status_code == 404


def test_an_invitation_is_emailed_and_its_link_never_answered(
        world: World, api: APIClient, django_capture_on_commit_callbacks: Any) -> None:
    url = reverse("api:invitations", args=[world.workspace.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"email": "New@Example.com", "role": "manager"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new@example.com" and response.json()["role"] == "manager"
    assert "/invitations/" not in response.content.decode() and "token" not in response.json()
    assert len(mail.outbox) == 1 and "/invitations/" in mail.outbox[0].body
    assert [i["email"] for i in api.get(url).json()["results"]] == ["new@example.com"]


def test_who_may_invite_and_bad_input(world: World, api: APIClient,
                                      client_for: Callable[[User], APIClient]) -> None:
    url = reverse("api:invitations", args=[world.workspace.pk])
    assert client_for(world.editor).post(url, {"email": "a@example.com"}, format="json").status_code == 403
    assert client_for(world.outsider).post(url, {"email": "a@example.com"}, format="json").status_code == 404
    assert "email" in errors(api.post(url, {"email": "nope"}, format="json"))
    assert "role" in errors(api.post(url, {"email": "a@example.com", "role": "king"}, format="json"))
    assert not Invitation.objects.exists()


def test_only_an_owner_invites_an_owner(world: World, api: APIClient,
                                        client_for: Callable[[User], APIClient]) -> None:
    world.editor.memberships.update(role="manager")
    url = reverse("api:invitations", args=[world.workspace.pk])
    assert "role" in errors(client_for(world.editor).post(url, {"email": "a@example.com", "role": "owner"},
                                                           format="json"))
    assert api.post(url, {"email": "a@example.com", "role": "owner"}, format="json").status_code == 201


def test_managers_revoke_an_invitation(world: World, api: APIClient,
                                       client_for: Callable[[User], APIClient]) -> None:
    invitation, _token = Invitation.issue(world.workspace, "a@example.com", "editor", world.owner)
    theirs, _token = Invitation.issue(world.other_workspace, "b@example.com", "editor", world.outsider)
    url = reverse("api:invitation", args=[invitation.pk])
    assert client_for(world.editor).delete(url).status_code == 403
    assert api.delete(reverse("api:invitation", args=[theirs.pk])).status_code == 404
    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 409
    assert not Invitation.objects.pending().filter(pk=invitation.pk).exists()
    assert Invitation.objects.pending().filter(pk=theirs.pk).exists()

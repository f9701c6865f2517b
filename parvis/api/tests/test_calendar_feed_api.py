"""The calendar feed through the API: managers create, rotate and revoke it; its address
is in the answer that issues it and never again; it works until rotated or revoked;
editors get 403, outsiders 404; every change is in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, Membership, Role, User
from parvis.api.tests.conftest import World

pytestmark = pytest.mark.django_db


def feed(world: World, suffix: str = "") -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/calendar-feed/{suffix}"


def reads(address: str) -> int:
    return Client().get(urlsplit(address).path).status_code


def test_the_address_is_shown_once_and_works_until_rotated_then_revoked(world: World, api: APIClient) -> None:
    assert api.get(feed(world)).json() == {"exists": False, "created_at": None}
    created = api.post(feed(world))
    assert created.status_code == 201
    first = created.json()
    assert first["exists"] and first["created_at"].endswith("Z") and reads(first["url"]) == 200
    status = api.get(feed(world)).json()
    assert status == {"exists": True, "created_at": first["created_at"]}  # no address, ever again
    assert api.post(feed(world)).status_code == 409  # one feed: rotate it instead
    rotated = api.post(feed(world, "rotate/")).json()
    assert rotated["url"] != first["url"] and reads(first["url"]) == 404 and reads(rotated["url"]) == 200
    assert api.delete(feed(world)).status_code == 204
    assert reads(rotated["url"]) == 404
    assert api.get(feed(world)).json() == {"exists": False, "created_at": None}
    assert api.post(feed(world, "rotate/")).json()["errors"]["feed"]
    assert list(AuditEntry.objects.filter(workspace=world.workspace).order_by("pk").values_list(
        "action", flat=True)) == ["ics.created", "ics.regenerated", "ics.revoked"]


def test_only_managers_reach_the_feed(world: World, client_for: Callable[[User], APIClient]) -> None:
    editor = client_for(world.editor)
    assert editor.get(feed(world)).status_code == 403
    assert editor.post(feed(world)).status_code == 403
    outsider = client_for(world.outsider)
    assert outsider.get(feed(world)).status_code == 404 and outsider.delete(feed(world)).status_code == 404
    Membership.objects.filter(user=world.editor).update(role=Role.MANAGER)
    assert editor.post(feed(world)).status_code == 201

"""Approval settings and client approvers through the API: managers only, links emailed
and never answered, revocations recorded in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, ClientApprover, Membership, PortalLink, User
from parvis.api.tests.conftest import World

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_managers_change_the_approval_settings(world: World, api: APIClient,
                                               client_for: Callable[[User], APIClient]) -> None:
    url = reverse("api:approval-settings", args=[world.workspace.pk])
    assert api.get(url).json() == {"requires_approval": False, "approval_mode": "any",
                                   "approval_notice_hours": 24, "named_approvers": []}
    response = api.put(url, {"requires_approval": True, "approval_mode": "all",
                             "named_approvers": [world.owner.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"requires_approval": True, "approval_mode": "all", "approval_notice_hours": 24,
                               "named_approvers": [world.owner.pk]}
    assert AuditEntry.objects.filter(action="workspace.approval_settings").count() == 1
    assert client_for(world.editor).get(url).status_code == 403
    assert client_for(world.editor).put(url, {"requires_approval": False}, format="json").status_code == 403
    assert api.get(reverse("api:approval-settings", args=[world.other_workspace.pk])).status_code == 404


def test_bad_settings_name_the_field(world: World, api: APIClient) -> None:
    url = reverse("api:approval-settings", args=[world.workspace.pk])
    assert "named_approvers" in errors(api.put(url, {"named_approvers": [world.editor.pk]}, format="json"))
    assert "named_approvers" in errors(api.put(url, {"named_approvers": [world.outsider.pk]}, format="json"))
    assert "approval_notice_hours" in errors(api.put(url, {"approval_notice_hours": 0}, format="json"))
    assert "approval_mode" in errors(api.put(url, {"approval_mode": "some"}, format="json"))
    assert not Membership.objects.filter(is_named_approver=True).exists()


def test_client_approvers_get_their_link_by_email_only(
        world: World, api: APIClient, django_capture_on_commit_callbacks: Any) -> None:
    url = reverse("api:client-approvers", args=[world.workspace.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"name": "Claire", "email": "Claire@Client.example"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "claire@client.example" and len(body["links"]) == 1
    assert "/portal/" not in response.content.decode() and "token" not in body["links"][0]
    assert len(mail.outbox) == 1 and "/portal/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(reverse("api:client-approver-send-link", args=[body["id"]]))
    assert sent.status_code == 200 and len(sent.json()["links"]) == 2 and len(mail.outbox) == 2
    assert "email" in errors(api.post(url, {"name": "Claire", "email": "claire@client.example"}, format="json"))
    assert "email" in errors(api.post(url, {"name": "Bob", "email": "bob"}, format="json"))
    assert "name" in errors(api.post(url, {"name": "", "email": "bob@client.example"}, format="json"))


def test_revoke_a_link_then_the_approver(world: World, api: APIClient,
                                         client_for: Callable[[User], APIClient]) -> None:
    client = ClientApprover.objects.create(workspace=world.workspace, name="Claire", email="c@client.example")
    first, _token = PortalLink.issue(client)
    second, _token = PortalLink.issue(client)
    assert client_for(world.editor).post(reverse("api:portal-link-revoke", args=[first.pk])).status_code == 403
    assert client_for(world.outsider).post(reverse("api:portal-link-revoke", args=[first.pk])).status_code == 404
    assert api.post(reverse("api:portal-link-revoke", args=[first.pk])).status_code == 204
    assert list(PortalLink.objects.valid().values_list("pk", flat=True)) == [second.pk]
    assert client_for(world.outsider).post(reverse("api:client-approver-revoke", args=[client.pk])).status_code == 404
    revoked = api.post(reverse("api:client-approver-revoke", args=[client.pk]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] and revoked.json()["links"] == []
    assert not PortalLink.objects.valid().exists()
    ClientApprover.objects.create(workspace=world.workspace, name="Zoé", email="z@client.example")
    listed = api.get(reverse("api:client-approvers", args=[world.workspace.pk])).json()["results"]
    assert [c["name"] for c in listed] == ["Zoé", "Claire"]  # active ones first
    resent: Any = api.post(reverse("api:client-approver-send-link", args=[client.pk]))
    assert resent.status_code == 409 and "client" in resent.json()["errors"]
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "client_approver.link_revoked", "client_approver.revoked"}

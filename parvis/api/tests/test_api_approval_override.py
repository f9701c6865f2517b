"""The API says when approval holds a publication (`awaiting_approval`), and managers and
owners publish a post without approval through it, with a reason, audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import AuditEntry, User
from parvis.api.tests.conftest import World
from parvis.api.tests.test_api import scheduled
from parvis.publishing.models import EditorialSettings, Post, Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def approving(world: World) -> World:
    editorial = EditorialSettings.of(world.workspace)
    editorial.requires_approval = True
    editorial.save()
    return world


def override(client: APIClient, post_id: int, **body: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/posts/{post_id}/publish-without-approval/", body, format="json")


def test_publications_say_when_approval_holds_them(api, approving):
    post = scheduled(api, approving)
    assert [p["state"] for p in post["publications"]] == ["scheduled", "scheduled"]
    assert [p["awaiting_approval"] for p in post["publications"]] == [True, True]
    listed = api.get(f"/api/v1/workspaces/{approving.workspace.pk}/publications/").json()["results"]
    assert {p["awaiting_approval"] for p in listed} == {True}
    Post.objects.filter(pk=post["id"]).update(approval_state="approved")
    listed = api.get(f"/api/v1/workspaces/{approving.workspace.pk}/publications/").json()["results"]
    assert {p["awaiting_approval"] for p in listed} == {False}


def test_the_publication_list_reads_approval_without_a_query_per_row(api, approving):
    for _ in range(4):
        scheduled(api, approving)
    url = f"/api/v1/workspaces/{approving.workspace.pk}/publications/"
    api.get(url)
    with CaptureQueriesContext(connection) as few:
        api.get(url, {"limit": 2})
    with CaptureQueriesContext(connection) as many:
        api.get(url, {"limit": 8})
    assert len(many) == len(few)


def test_a_manager_publishes_without_approval_through_the_api(api, approving):
    post = scheduled(api, approving)
    missing = override(api, post["id"])
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = override(api, post["id"], reason="Validé par téléphone")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["approval_state"] == "approved"
    assert [p["awaiting_approval"] for p in body["publications"]] == [False, False]
    due = Publication.objects.filter(post_id=post["id"]).values_list("next_attempt_at", flat=True)
    assert all(when <= timezone.now() for when in due)
    assert AuditEntry.objects.filter(action="post.approval_overridden", target_id=str(post["id"])).exists()
    assert override(api, post["id"], reason="Encore").status_code == 409


def test_editors_outsiders_and_workspaces_without_approval_are_refused(api, approving, world,
                                                                       client_for: Callable[[User], APIClient]):
    post = scheduled(api, approving)
    assert override(client_for(world.editor), post["id"], reason="Vite").status_code == 403
    assert override(client_for(world.outsider), post["id"], reason="Vite").status_code == 404
    editorial = EditorialSettings.of(world.workspace)
    editorial.requires_approval = False
    editorial.save()
    refused = override(api, post["id"], reason="Vite")
    assert refused.status_code == 409 and "post" in refused.json()["errors"]

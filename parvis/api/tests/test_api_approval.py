"""Approval through the API: submit, approve, request changes, the review thread;
scoped like every post endpoint, 409 for a state that refuses the action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.api.tests.test_api import scheduled
from parvis.publishing.models import Comment, EditorialSettings, Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def approving(world: World) -> World:
    editorial = EditorialSettings.of(world.workspace)
    editorial.requires_approval = True
    editorial.save()
    return world


def call(client: APIClient, post_id: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/posts/{post_id}/{action}/", body, format="json")


def test_post_shows_its_approval_state(api, approving):
    post = scheduled(api, approving)
    assert post["approval_state"] == "none" and post["revision"] == 1


def test_submit_approve_flow(api, approving, client_for: Callable[[User], APIClient]):
    post = scheduled(api, approving)
    editor = client_for(approving.editor)
    submitted = call(editor, post["id"], "submit", comment="Pour validation")
    assert submitted.status_code == 200 and submitted.json()["approval_state"] == "in_review"
    again = call(editor, post["id"], "submit")
    assert again.status_code == 409 and "post" in again.json()["errors"]
    # Editors propose, managers and owners decide.
    assert call(editor, post["id"], "approve").status_code == 403
    approved = call(api, post["id"], "approve")
    assert approved.status_code == 200 and approved.json()["approval_state"] == "approved"
    assert call(api, post["id"], "approve").status_code == 409


def test_request_changes_names_the_missing_comment(api, approving):
    post = scheduled(api, approving)
    call(api, post["id"], "submit")
    missing = call(api, post["id"], "request-changes")
    assert missing.status_code == 400 and "comment" in missing.json()["errors"]
    done = call(api, post["id"], "request-changes", comment="Ajoutez le prix")
    assert done.status_code == 200 and done.json()["approval_state"] == "changes_requested"


def test_submit_is_refused_where_approval_is_not_required(api, world):
    post = scheduled(api, world)
    assert call(api, post["id"], "submit").status_code == 409


def test_comments_thread(api, approving, client_for: Callable[[User], APIClient]):
    post = scheduled(api, approving)
    call(api, post["id"], "submit")
    Comment.objects.create(post_id=post["id"], author_label="Olivia", body="Note interne", internal=True)
    created = api.post(f"/api/v1/posts/{post['id']}/comments/", {"comment": "Vu, merci"}, format="json")
    assert created.status_code == 201 and created.json()["internal"] is False
    listed = client_for(approving.viewer).get(f"/api/v1/posts/{post['id']}/comments/").json()
    assert listed["count"] == 3
    assert [(c["kind"], c["internal"]) for c in listed["results"]] == [("submitted", False), ("comment", True),
                                                                      ("comment", False)]
    empty = api.post(f"/api/v1/posts/{post['id']}/comments/", {"comment": ""}, format="json")
    assert empty.status_code == 400 and "comment" in empty.json()["errors"]
    assert client_for(approving.viewer).post(f"/api/v1/posts/{post['id']}/comments/", {"comment": "x"},
                                             format="json").status_code == 403


def test_other_workspaces_posts_are_not_found(approving, client_for: Callable[[User], APIClient], api):
    post = scheduled(api, approving)
    outsider = client_for(approving.outsider)
    for action in ("submit", "approve", "request-changes", "comments"):
        assert call(outsider, post["id"], action, comment="x").status_code == 404
    assert outsider.get(f"/api/v1/posts/{post['id']}/comments/").status_code == 404
    assert Post.objects.get(pk=post["id"]).approval_state == "none"


def test_editing_an_approved_post_through_the_api_sends_it_back(api, approving):
    post = scheduled(api, approving)
    call(api, post["id"], "submit")
    call(api, post["id"], "approve")
    edited = api.patch(f"/api/v1/posts/{post['id']}/", {"text": "Nouveau texte"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["approval_state"] == "in_review" and edited.json()["revision"] == 2

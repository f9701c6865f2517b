"""One workspace with an owner, an editor, a viewer, two accounts; an outsider with a
workspace of their own. Clients authenticate with real API tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from parvis.accounts.actions import create_organisation, create_workspace
from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.api.models import ApiToken
from parvis.networks.models import SocialAccount

MASTODON_LIMITS = {"max_chars": 500, "max_media": 4, "url_length": 23,
                   "image_mime_types": ["image/jpeg", "image/png"], "max_image_bytes": 8_000_000}


@dataclass
class World:
    owner: User
    editor: User
    viewer: User
    outsider: User
    workspace: Workspace
    other_workspace: Workspace
    mastodon: SocialAccount
    bluesky: SocialAccount
    other_account: SocialAccount
    enqueued: list[int] = field(default_factory=list)


def make_mastodon(workspace: Workspace, remote_id: str = "1") -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=workspace, network="mastodon", server_url="https://example.social",
        remote_id=remote_id, handle="@brand@example.social", display_name="Brand",
        profile_url="https://example.social/@brand", credentials={"access_token": "x"},
        config={"limits": MASTODON_LIMITS})


@pytest.fixture
def world(db: None, monkeypatch: pytest.MonkeyPatch) -> World:
    owner = User.objects.create_user("owner@example.com", "pw")
    editor = User.objects.create_user("editor@example.com", "pw")
    viewer = User.objects.create_user("viewer@example.com", "pw")
    outsider = User.objects.create_user("outsider@example.com", "pw")
    workspace = create_workspace(create_organisation("Agence", owner), "Brand", owner)
    Membership.objects.create(workspace=workspace, user=editor, role=Role.EDITOR)
    Membership.objects.create(workspace=workspace, user=viewer, role=Role.VIEWER)
    other = create_workspace(create_organisation("Other", outsider), "Other brand", outsider)
    bluesky = SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:abc", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    enqueued: list[int] = []
    # "Publish now" enqueues a huey task after commit: record it instead, no network.
    monkeypatch.setattr("parvis.publishing.actions._enqueue_now", enqueued.extend)
    return World(owner, editor, viewer, outsider, workspace, other, make_mastodon(workspace),
                 bluesky, make_mastodon(other, remote_id="2"), enqueued)


@pytest.fixture
def client_for(db: None) -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        _token, raw = ApiToken.issue(user, "tests")
        client = APIClient()
        # Messages in English unless a test asks otherwise (the server's default is French).
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client
    return make


@pytest.fixture
def api(world: World, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(world.owner)


@pytest.fixture(scope="session")
def generated_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The OpenAPI document as `manage.py spectacular --validate --fail-on-warn` writes it
    (that command fails on any warning or invalid schema), generated once per session:
    it takes seconds and does not depend on what a test seeded."""
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    out = tmp_path_factory.mktemp("schema") / "openapi.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    return json.loads(out.read_text())  # type: ignore[no-any-return]

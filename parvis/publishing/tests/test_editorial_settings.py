"""Every workspace has its editorial settings: a new one needs no approval and is not
paused, whichever way it was created; and one whose row went missing all the same is
read the same way by the engine's query, its claim and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from parvis.accounts.models import Organisation, Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.models import EditorialSettings, Publication
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = pytest.mark.django_db


def _account(workspace: Workspace) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:plain",
        handle="@plain.bsky.social", credentials={"identifier": "plain.bsky.social", "app_password": "x"})


def _released(publication: Publication) -> tuple[bool, bool]:
    """What the dispatcher's query and the claim's check each say of `publication`."""
    in_sql = Publication.objects.filter(engine.released_filter(), pk=publication.pk).exists()
    fetched = engine.claim_row(publication.pk, timezone.now())
    return in_sql, engine.is_released(fetched)


def test_a_workspace_created_directly_needs_no_approval_and_is_not_paused(people: dict[str, Any]) -> None:
    workspace = Workspace.objects.create(organisation=Organisation.objects.create(name="Brut"), name="Brut")
    editorial = EditorialSettings.objects.get(workspace=workspace)
    assert (editorial.requires_approval, editorial.is_paused, editorial.approval_notice_hours) == (False, False, 24)
    post = schedule(workspace, people["owner"], [_account(workspace)], "Sans validation")
    assert _released(pub(post)) == (True, True)


def test_the_workspaces_made_by_the_app_each_have_their_settings(people: dict[str, Any]) -> None:
    made = [people["workspace"], people["other_workspace"]]
    assert EditorialSettings.objects.filter(workspace__in=made).count() == 2


def test_a_workspace_without_its_row_is_released_and_gets_the_row_back_with_the_defaults(
        people: dict[str, Any]) -> None:
    workspace = people["workspace"]
    post = schedule(workspace, people["owner"], [_account(workspace)], "Ligne perdue")
    EditorialSettings.objects.filter(workspace=workspace).delete()
    in_sql = Publication.objects.filter(engine.released_filter(), pk=pub(post).pk).exists()
    assert in_sql  # the dispatcher does not hold it
    assert not EditorialSettings.objects.filter(workspace=workspace).exists()
    fresh = Workspace.objects.get(pk=workspace.pk)
    assert not EditorialSettings.of(fresh).requires_approval and not EditorialSettings.of(fresh).is_paused
    assert EditorialSettings.objects.filter(workspace=workspace).count() == 1
    assert _released(pub(post)) == (True, True)


def test_settings_read_with_the_workspace_cost_no_further_query(
        people: dict[str, Any], django_assert_num_queries: Any) -> None:
    workspace = Workspace.objects.select_related("editorial").get(pk=people["workspace"].pk)
    with django_assert_num_queries(0):
        assert not EditorialSettings.of(workspace).is_paused


def test_the_engine_holds_what_the_settings_say(people: dict[str, Any]) -> None:
    workspace = people["workspace"]
    post = schedule(workspace, people["owner"], [_account(workspace)], "Retenu")
    settings = EditorialSettings.objects.filter(workspace=workspace)
    settings.update(requires_approval=True)
    assert _released(pub(post)) == (False, False)
    settings.update(requires_approval=False, paused_at=timezone.now())
    assert _released(pub(post)) == (False, False)
    settings.update(paused_at=None)
    assert _released(pub(post)) == (True, True)

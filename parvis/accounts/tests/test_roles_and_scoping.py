"""Roles rank owner > manager > editor > viewer; every lookup is scoped to the person's
workspaces, and a workspace they are not in answers like one that does not exist."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from parvis.accounts.actions import change_email, create_organisation, create_workspace, owners_of
from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import (
    member_of,
    membership_in,
    membership_view,
    workspace_for,
    workspace_view,
    workspaces_for,
)
from parvis.publishing.models import EditorialSettings

pytestmark = pytest.mark.django_db

ORDER = [Role.VIEWER, Role.EDITOR, Role.MANAGER, Role.OWNER]


@pytest.mark.parametrize("held", ORDER)
@pytest.mark.parametrize("needed", ORDER)
def test_a_role_is_at_least_every_role_below_it_and_no_role_above(held: Role, needed: Role) -> None:
    assert Membership(role=held).at_least(needed) is (ORDER.index(held) >= ORDER.index(needed))


def test_users_sign_in_with_their_lowercased_email() -> None:
    user = User.objects.create_user("Olivia@Agence.TEST", "pw-olivia-123")
    assert user.email == user.username == "olivia@agence.test" and user.check_password("pw-olivia-123")
    admin = User.objects.create_superuser("admin@agence.test", "pw-admin-123")
    assert admin.is_staff and admin.is_superuser
    assert str(User(email="x@agence.test")) == "x@agence.test"
    assert str(User(email="x@agence.test", first_name="Léa", last_name="Martin")) == "Léa Martin"


def test_a_workspace_needs_a_known_time_zone() -> None:
    owner = User.objects.create_user("owner@agence.test", "pw")
    with pytest.raises(ValidationError) as raised:
        create_workspace(create_organisation("Agence", owner), "Dupont", owner, "Europe/Lutece")
    assert raised.value.error_dict["timezone"][0].code == "invalid_timezone"
    workspace = create_workspace(create_organisation("Agence", owner), "Dupont", owner, "America/Montreal")
    assert workspace.tz.key == "America/Montreal" and not EditorialSettings.of(workspace).is_paused
    assert Membership.objects.get(workspace=workspace, user=owner).role == Role.OWNER


def test_a_stranger_and_a_missing_workspace_get_the_same_not_found(people: dict[str, Any]) -> None:
    ours = people["workspace"].pk
    for workspace_id in (people["other_workspace"].pk, 999_999, "abc", None, ""):
        with pytest.raises(Http404):
            membership_in(people["owner"], workspace_id)  # type: ignore[arg-type]
    with pytest.raises(Http404):
        workspace_for(AnonymousUser(), ours)  # type: ignore[arg-type]
    assert workspace_for(people["viewer"], str(ours)) == people["workspace"]


def test_a_role_too_low_is_forbidden_not_hidden(people: dict[str, Any]) -> None:
    ours = people["workspace"].pk
    with pytest.raises(PermissionDenied):
        workspace_for(people["viewer"], ours, min_role=Role.EDITOR)
    with pytest.raises(PermissionDenied):
        workspace_for(people["manager"], ours, min_role=Role.OWNER)
    assert workspace_for(people["editor"], ours, min_role=Role.EDITOR) == people["workspace"]


def test_people_see_only_their_workspaces(people: dict[str, Any]) -> None:
    assert list(workspaces_for(people["editor"])) == [people["workspace"]]
    assert list(workspaces_for(people["outsider"])) == [people["other_workspace"]]
    assert not workspaces_for(AnonymousUser()).exists()  # type: ignore[arg-type]


@workspace_view(Role.EDITOR)
def _editor_page(request: AuthedRequest, workspace: Workspace, tab: str = "") -> HttpResponse:
    return HttpResponse(f"{request.user.email} {workspace.name} {tab}")


@membership_view(min_role_post=Role.MANAGER)
def _member_page(request: AuthedRequest, membership: Membership) -> HttpResponse:
    return HttpResponse(f"{membership.workspace.name} {membership.role}")


def _get(user: User | AnonymousUser) -> Any:
    request = RequestFactory().get("/w/page/?x=1")
    request.user = user
    return request


def test_a_workspace_view_hands_the_workspace_to_a_member_with_the_role(people: dict[str, Any]) -> None:
    ours = people["workspace"]
    response = _editor_page(_get(people["editor"]), workspace_id=ours.pk, tab="drafts")
    assert response.content.decode() == f"{people['editor'].email} {ours.name} drafts"
    response = _member_page(_get(people["viewer"]), workspace_id=ours.pk)
    assert response.content.decode() == f"{ours.name} {Role.VIEWER}"


def test_a_workspace_view_can_ask_a_higher_role_to_post(people: dict[str, Any]) -> None:
    ours = people["workspace"].pk
    for user in (people["viewer"], people["editor"]):
        request = RequestFactory().post("/w/page/")
        request.user = user
        with pytest.raises(PermissionDenied):
            _member_page(request, workspace_id=ours)
    request = RequestFactory().post("/w/page/")
    request.user = people["manager"]
    assert _member_page(request, workspace_id=ours).status_code == 200


def test_a_workspace_view_hides_other_workspaces_forbids_low_roles_and_signs_in_strangers(
    people: dict[str, Any],
) -> None:
    ours = people["workspace"].pk
    for workspace_id in (people["other_workspace"].pk, 999_999):
        with pytest.raises(Http404):
            _editor_page(_get(people["editor"]), workspace_id=workspace_id)
    with pytest.raises(PermissionDenied):
        _editor_page(_get(people["viewer"]), workspace_id=ours)
    response = _editor_page(_get(AnonymousUser()), workspace_id=ours)
    assert response.status_code == 302 and "next=/w/page/%3Fx%3D1" in response["Location"]


def test_member_lookup_says_nothing_about_non_members(people: dict[str, Any]) -> None:
    workspace_id = people["workspace"].pk
    assert member_of(workspace_id, people["editor"].pk) == people["editor"]
    assert member_of(workspace_id, str(people["editor"].pk)) == people["editor"]
    for user_id in (people["outsider"].pk, 999_999, "x", None, 2**70, True):
        assert member_of(workspace_id, user_id) is None


def test_owners_of_a_workspace_are_its_owners_and_managers(people: dict[str, Any]) -> None:
    assert {u.email for u in owners_of(people["workspace"])} == {"owner@agence.test", "manager@agence.test"}


def test_a_new_email_is_lowercased_and_must_be_free(people: dict[str, Any]) -> None:
    editor = people["editor"]
    change_email(editor, "  Chloe.Martin@Agence.TEST ")
    editor.refresh_from_db()
    assert editor.email == editor.username == "chloe.martin@agence.test"
    change_email(editor, "chloe.martin@agence.test")  # one's own address is not "taken"
    with pytest.raises(ValidationError) as raised:
        change_email(editor, "OWNER@agence.test")
    assert raised.value.code == "email_taken"

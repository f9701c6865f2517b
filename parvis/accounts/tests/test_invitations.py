"""Invitations: only a hash is kept, a link works while pending and only for the invited
address, and accepting never lowers a role someone already has."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from parvis.accounts.actions import accept_invitation, invite
from parvis.accounts.models import Invitation, Membership, OrganisationMember, Role, User, hash_token

pytestmark = pytest.mark.django_db


def test_only_the_tokens_hash_is_stored_and_the_token_finds_its_invitation(people: dict[str, Any]) -> None:
    invitation, token = Invitation.issue(people["workspace"], "Nina@Agence.test", Role.EDITOR, people["owner"])
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert invitation.email == "nina@agence.test"
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    assert Invitation.objects.by_token(token) == invitation
    assert Invitation.objects.by_token(invitation.token_hash) is None  # the hash is not a token
    assert Invitation.objects.by_token(token + "x") is None


@pytest.mark.parametrize("ended", ["accepted_at", "revoked_at", "expires_at"])
def test_an_accepted_revoked_or_expired_invitation_is_no_longer_found(people: dict[str, Any], ended: str) -> None:
    invitation, token = Invitation.issue(people["workspace"], "nina@agence.test", Role.EDITOR, people["owner"])
    setattr(invitation, ended, timezone.now() - timedelta(seconds=1))
    invitation.save(update_fields=[ended])
    assert Invitation.objects.by_token(token) is None
    assert not Invitation.objects.pending().exists()


def test_an_invitation_is_for_its_address_whatever_the_case(people: dict[str, Any]) -> None:
    invitation, _token = Invitation.issue(people["workspace"], "nina@agence.test", Role.VIEWER, people["owner"])
    assert invitation.is_for(User(email="NINA@agence.TEST"))
    assert not invitation.is_for(User(email="nina@agence.test.evil"))
    assert not invitation.is_for(User(email=""))


def test_someone_else_cannot_accept_and_becomes_nothing(people: dict[str, Any]) -> None:
    invitation, _token = Invitation.issue(people["workspace"], "nina@agence.test", Role.MANAGER, people["owner"])
    with pytest.raises(PermissionDenied):
        accept_invitation(invitation, people["outsider"])
    assert not Membership.objects.filter(workspace=people["workspace"], user=people["outsider"]).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_makes_a_member_of_the_workspace_and_its_organisation(people: dict[str, Any]) -> None:
    nina = User.objects.create_user("nina@agence.test", "pw-nina-123")
    invitation, token = Invitation.issue(people["workspace"], "nina@agence.test", Role.EDITOR, people["owner"])
    membership = accept_invitation(invitation, nina)
    assert (membership.workspace, membership.user, membership.role) == (people["workspace"], nina, Role.EDITOR)
    assert OrganisationMember.objects.filter(organisation=people["organisation"], user=nina, is_admin=False).exists()
    assert Invitation.objects.by_token(token) is None  # used up


def test_accepting_a_lower_role_keeps_the_higher_one_and_a_higher_role_promotes(people: dict[str, Any]) -> None:
    manager = people["manager"]
    lower, _ = Invitation.issue(people["workspace"], manager.email, Role.VIEWER, people["owner"])
    assert accept_invitation(lower, manager).role == Role.MANAGER
    viewer = people["viewer"]
    higher, _ = Invitation.issue(people["workspace"], viewer.email, Role.EDITOR, people["owner"])
    assert accept_invitation(higher, viewer).role == Role.EDITOR
    assert Membership.objects.get(workspace=people["workspace"], user=viewer).role == Role.EDITOR


def test_the_email_carries_the_link_and_leaves_after_commit(
        people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(people["workspace"], "nina@agence.test", Role.EDITOR, people["owner"], "/join/{token}/")
        assert mail.outbox == []  # nothing leaves before the invitation is committed
    (message,) = mail.outbox
    assert message.to == ["nina@agence.test"]
    token = message.body.split("/join/")[1].split("/")[0]
    assert Invitation.objects.by_token(token) == invitation
    assert "Boulangerie Dupont" in message.subject and "Boulangerie Dupont" in message.body

"""Internal comments with @mentions: only workspace members are ever notified, each once,
in the app and by email with the post's link; the comment is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from parvis.accounts.models import AuditEntry, Membership, Notification, Role, User
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.comments import add_internal_comment, mention_handles, resolve_mentions
from parvis.publishing.models import Comment, Post
from parvis.publishing.validation import PostInput, PostValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(people: dict[str, Any]) -> Post:
    workspace = people["workspace"]
    account = SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
        handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    return save_post(workspace, people["editor"], PostInput(
        text="Galette des rois", accounts=[account], mode="schedule",
        scheduled_at=datetime(2030, 1, 6, 8, 30, tzinfo=UTC), timezone_name="Europe/Paris"))


@pytest.fixture
def chloe(people: dict[str, Any]) -> User:
    user = User.objects.create_user("chloe.martin@agence.test", "pw-chloe-123", first_name="Chloé")
    Membership.objects.create(workspace=people["workspace"], user=user, role=Role.EDITOR)
    return user


def test_mention_handles_read_first_names_local_parts_and_emails():
    body = "Merci @Chloé et @jean.dupont. Voir avec @marie@agence.test, pas mail@example.com"
    assert mention_handles(body) == ["chloé", "jean.dupont", "marie@agence.test"]


def test_a_comment_is_internal_and_audited(people, post):
    comment = add_internal_comment(post, people["editor"], "  Texte validé par le boulanger.  ")
    assert comment.internal and comment.body == "Texte validé par le boulanger."
    assert comment.author == people["editor"]
    entry = AuditEntry.objects.get(action="comment.internal")
    assert entry.actor == people["editor"] and entry.after == "Texte validé par le boulanger."


@pytest.mark.parametrize("mention", ["@Chloé", "@chloe.martin", "@chloe.martin@agence.test", "@CHLOÉ."])
def test_each_way_of_mentioning_notifies_the_member(people, post, chloe, mention,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_internal_comment(post, people["editor"], f"{mention} tu peux relire ?")
    notice = Notification.objects.get(user=chloe)
    assert notice.kind == "mention" and notice.workspace == people["workspace"]
    assert notice.url == f"/w/{people['workspace'].pk}/publications/{post.publications.get().pk}/"
    assert [m.to for m in mail.outbox] == [[chloe.email]]
    assert notice.url in mail.outbox[0].body and "tu peux relire" in mail.outbox[0].body


def test_a_member_named_several_ways_is_notified_once(people, post, chloe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_internal_comment(post, people["editor"], "@Chloé @chloe.martin @chloe.martin@agence.test !")
    assert Notification.objects.filter(user=chloe).count() == 1
    assert len(mail.outbox) == 1


def test_people_outside_the_workspace_are_never_notified(people, post, django_capture_on_commit_callbacks):
    outsider = people["outsider"]  # owner of another workspace
    with django_capture_on_commit_callbacks(execute=True):
        add_internal_comment(post, people["editor"], f"@outsider @{outsider.email} regardez")
    assert resolve_mentions(people["workspace"], "@outsider") == []
    assert not Notification.objects.filter(user=outsider).exists()
    assert mail.outbox == []


def test_several_members_are_each_notified(people, post, chloe, django_capture_on_commit_callbacks):
    translation.deactivate()  # the default language, whatever an earlier test left active
    with django_capture_on_commit_callbacks(execute=True):
        add_internal_comment(post, people["editor"], "@Olivia et @manager, avis ?")
    assert set(Notification.objects.values_list("user__email", flat=True)) == {
        "owner@agence.test", "manager@agence.test"}
    # The summary reads in the reader's language (here French, the default).
    assert "mentions\u00a0: owner@agence.test, manager@agence.test" in AuditEntry.objects.get(
        action="comment.internal").summary


def test_mentioning_oneself_notifies_nobody(people, post, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_internal_comment(post, people["editor"], "Note pour @editor : relancer lundi")
    assert not Notification.objects.exists()


def test_an_empty_comment_is_refused_naming_the_field(people, post):
    with pytest.raises(PostValidationError) as refused:
        add_internal_comment(post, people["editor"], "   ")
    assert list(refused.value.by_field()) == ["body"]
    assert not Comment.objects.exists()

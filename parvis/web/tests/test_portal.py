"""The client portal (a personal link, no login: only that brand's posts sent for review,
never internal notes) and the team's approval pages: settings and client approvers, the
review list and page, the composer's "send for review", the audit log and its CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parvis.accounts import audit
from parvis.accounts.models import AuditEntry, ClientApprover, Membership, PortalLink, hash_token
from parvis.networks.models import SocialAccount
from parvis.publishing import approval
from parvis.publishing.actions import Upload, save_post
from parvis.publishing.models import ApprovalState, Comment, EditorialSettings, Post, PostMedia
from parvis.publishing.validation import PostInput
from parvis.testing.factories import client_for
from parvis.web.tests.test_pages import in_one_hour_paris

pytestmark = pytest.mark.django_db


def make_account(workspace: Any, remote_id: str = "did:plc:brand") -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id=remote_id,
        handle="@brand.bsky.social", display_name="Boulangerie Dupont",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})


@pytest.fixture
def ws(people: dict[str, Any]) -> Any:
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    return workspace


@pytest.fixture
def account(ws: Any) -> SocialAccount:
    # Not the root's `account`: Bluesky, named as the client sees it, in `ws` (approval on).
    return make_account(ws)


@pytest.fixture
def claire(ws: Any) -> ClientApprover:
    return ClientApprover.objects.create(workspace=ws, name="Claire", email="claire@dupont.test", language="en")


@pytest.fixture
def token(claire: ClientApprover) -> str:
    return PortalLink.issue(claire)[1]


def post_in(people: dict[str, Any], account: SocialAccount, text: str, *, submit: bool = True,
            uploads: tuple[Upload, ...] = ()) -> Post:
    post = save_post(account.workspace, people["owner"], PostInput(
        text=text, accounts=[account], mode="schedule", scheduled_at=timezone.now() + timedelta(days=2)), uploads)
    if submit:
        approval.submit_for_review(post, people["owner"])
    return post


def portal(token: str) -> str:
    return reverse("web:portal", args=[token])


def act(client: Client, token: str, post: Post, action: str, comment: str = "") -> Any:
    return client.post(reverse("web:portal_action", args=[token, post.pk]), {"action": action, "comment": comment})


# -- what the portal shows -----------------------------------------------------------------

def test_portal_shows_only_this_brands_posts_in_review_and_no_internal_note(people, account, token):
    in_review = post_in(people, account, "Galette des rois à 12 €")
    post_in(people, account, "Brouillon secret", submit=False)
    other_account = make_account(people["other_workspace"], "did:plc:rival")
    rival = save_post(people["other_workspace"], people["outsider"], PostInput(
        text="Post du concurrent", accounts=[other_account], mode="draft"))
    rival.approval_state = ApprovalState.IN_REVIEW
    rival.save()
    Comment.objects.create(post=in_review, author=people["owner"], author_label="Olivia",
                           body="Note interne : le client hésite", internal=True)
    approval.add_review_comment(in_review, "Le prix est-il bon ?", author=people["owner"])

    page = Client().get(portal(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Galette des rois à 12 €" in html and "Le prix est-il bon ?" in html
    assert "Brouillon secret" not in html and "Post du concurrent" not in html
    assert "Note interne" not in html
    assert 'data-network="bluesky"' in html and "@brand.bsky.social" in html
    assert re.search(r"\d+ / 300", html)  # the count against Bluesky's limit
    assert "web:logout" not in html and "/logout/" not in html  # no member navigation
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "same-origin"


def test_opening_the_portal_notes_when_the_link_was_used(token):
    assert Client().get(portal(token)).status_code == 200
    link = PortalLink.objects.get()
    assert link.last_used_at is not None


def test_portal_speaks_the_approvers_language_else_the_workspaces(people, claire, token):
    assert '<html lang="en">' in Client(headers={"accept-language": "fr"}).get(portal(token)).content.decode()
    claire.language = ""
    claire.save()
    assert '<html lang="fr">' in Client(headers={"accept-language": "en"}).get(portal(token)).content.decode()


@pytest.mark.parametrize("spoil", ["expired", "revoked", "approver_revoked", "unknown"])
def test_a_dead_link_says_so_with_a_404(people, account, claire, token, spoil):
    post_in(people, account, "Galette")
    link = PortalLink.objects.get(token_hash=hash_token(token))
    if spoil == "expired":
        link.expires_at = timezone.now() - timedelta(minutes=1)
        link.save()
    elif spoil == "revoked":
        link.revoked_at = timezone.now()
        link.save()
    elif spoil == "approver_revoked":
        claire.revoked_at = timezone.now()
        claire.save()
    used = "not-a-token" if spoil == "unknown" else token
    response = Client(headers={"accept-language": "en"}).get(portal(used))
    assert response.status_code == 404
    assert "no longer valid" in response.content.decode() and "Galette" not in response.content.decode()
    post = Post.objects.get()
    assert act(Client(), used, post, "approve").status_code == 404
    assert Post.objects.get().approval_state == ApprovalState.IN_REVIEW


# -- deciding in the portal ---------------------------------------------------------------

def test_client_approves_in_the_portal(people, account, claire, token):
    post = post_in(people, account, "Galette")
    response = act(Client(), token, post, "approve")
    assert response.status_code == 302 and response["Location"].startswith(portal(token))
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.APPROVED
    assert AuditEntry.objects.get(action="post.approved").client == claire
    # Decided: still shown, read-only, while its content does not change.
    html = Client().get(portal(token)).content.decode()
    assert 'data-testid="portal-decided"' in html and 'data-testid="approve"' not in html


def test_requesting_changes_needs_a_comment(people, account, token):
    post = post_in(people, account, "Galette")
    refused = act(Client(), token, post, "changes", "  ")
    assert refused.status_code == 400 and 'data-field="comment"' in refused.content.decode()
    assert Post.objects.get().approval_state == ApprovalState.IN_REVIEW
    assert act(Client(), token, post, "changes", "Mettez le prix").status_code == 302
    assert Post.objects.get().approval_state == ApprovalState.CHANGES_REQUESTED


def test_client_comment_reaches_the_team(people, account, token):
    post = post_in(people, account, "Galette")
    assert act(Client(), token, post, "comment", "Joli !").status_code == 302
    assert Comment.objects.filter(post=post, kind="comment", body="Joli !", internal=False).exists()
    assert people["owner"].notifications.filter(kind="review_comment").exists()


def test_client_cannot_act_on_posts_not_sent_for_review_nor_of_another_brand(people, account, token):
    unsent = post_in(people, account, "Pas envoyé", submit=False)
    rival = save_post(people["other_workspace"], people["outsider"], PostInput(
        text="Concurrent", accounts=[make_account(people["other_workspace"], "did:plc:r")], mode="draft"))
    rival.approval_state = ApprovalState.IN_REVIEW
    rival.save()
    for post in (unsent, rival):
        assert act(Client(), token, post, "approve").status_code == 404
    assert not Post.objects.filter(approval_state=ApprovalState.APPROVED).exists()


def test_portal_forms_are_csrf_protected(people, account, token):
    post = post_in(people, account, "Galette")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("web:portal_action", args=[token, post.pk]), {"action": "approve"}).status_code == 403
    assert Post.objects.get().approval_state == ApprovalState.IN_REVIEW


def test_media_is_served_only_for_posts_in_review(people, account, token, png):
    shown = post_in(people, account, "Avec image",
                    uploads=(Upload("pain.png", io.BytesIO(png), len(png), "Une miche"),))
    hidden = post_in(people, account, "Image cachée", submit=False,
                     uploads=(Upload("secret.png", io.BytesIO(png), len(png), "Secret"),))
    shown_media, hidden_media = PostMedia.objects.get(post=shown), PostMedia.objects.get(post=hidden)
    ok = Client().get(reverse("web:portal_media", args=[token, shown_media.pk]))
    assert ok.status_code == 200 and b"".join(ok.streaming_content).startswith(b"\x89PNG")
    assert Client().get(reverse("web:portal_media", args=[token, hidden_media.pk])).status_code == 404
    html = Client().get(portal(token)).content.decode()
    assert reverse("web:portal_media", args=[token, shown_media.pk]) in html and "Une miche" in html


# -- the team's pages ----------------------------------------------------------------------

def test_manager_adds_a_client_approver_who_gets_a_link(people, ws, django_capture_on_commit_callbacks):
    client = client_for(people["manager"])
    url = reverse("web:approval_settings", args=[ws.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "add", "name": "Claire", "email": "Claire@Dupont.test",
                                     "language": "en"})
    assert response.status_code == 302
    approver = ClientApprover.objects.get(workspace=ws)
    (message,) = mail.outbox
    assert message.to == ["claire@dupont.test"]
    token = re.search(r"/portal/([A-Za-z0-9_-]+)/", message.body).group(1)
    assert Client().get(portal(token)).status_code == 200
    page = client.get(url).content.decode()
    assert "claire@dupont.test" in page and "last opened" in page
    # The same address twice is refused, naming the field.
    again = client.post(url, {"action": "add", "name": "Claire", "email": "claire@dupont.test"})
    assert again.status_code == 400 and 'data-field="email"' in again.content.decode()
    # Revoking the person kills their links at once.
    client.post(reverse("web:client_revoke", args=[ws.pk, approver.pk]))
    assert Client().get(portal(token)).status_code == 404
    assert {"client_approver.added", "client_approver.link_sent", "client_approver.revoked"} <= set(
        AuditEntry.objects.values_list("action", flat=True))


def test_revoking_one_link_keeps_the_others(people, ws, claire):
    first, first_token = PortalLink.issue(claire)
    _second, second_token = PortalLink.issue(claire)
    client_for(people["manager"]).post(reverse("web:link_revoke", args=[ws.pk, first.pk]))
    assert Client().get(portal(first_token)).status_code == 404
    assert Client().get(portal(second_token)).status_code == 200


def test_approval_settings_are_for_managers(people, ws):
    url = reverse("web:approval_settings", args=[ws.pk])
    assert client_for(people["editor"]).get(url).status_code == 403
    assert client_for(people["outsider"]).get(url).status_code == 404
    manager_membership = Membership.objects.get(workspace=ws, user=people["manager"])
    response = client_for(people["manager"]).post(url, {
        "action": "settings", "requires_approval": "on", "approval_mode": "all",
        "approval_notice_hours": "6", "named": [manager_membership.pk]})
    assert response.status_code == 302
    ws.refresh_from_db()
    manager_membership.refresh_from_db()
    editorial = EditorialSettings.of(ws)
    assert editorial.approval_mode == "all" and editorial.approval_notice_hours == 6
    assert manager_membership.is_named_approver
    entry = AuditEntry.objects.get(action="workspace.approval_settings")
    assert "approval by: Any approver" in entry.before and "approval by: All named approvers" in entry.after
    bad = client_for(people["manager"]).post(url, {"action": "settings", "approval_mode": "all",
                                                   "approval_notice_hours": "0"})
    assert bad.status_code == 400 and 'data-field="approval_notice_hours"' in bad.content.decode()


def test_composer_can_send_for_review(people, ws, account):
    response = client_for(people["editor"]).post(reverse("web:compose", args=[ws.pk]), {
        "accounts": [account.pk], "text": "Nouveau pain", "mode": "schedule",
        "scheduled_at": in_one_hour_paris(), "timezone": "Europe/Paris", "submit_for_review": "1"})
    assert response.status_code == 302
    assert Post.objects.get().approval_state == ApprovalState.IN_REVIEW


def test_review_pages_for_members(people, ws, account, claire):
    post = post_in(people, account, "À relire")
    Comment.objects.create(post=post, author=people["owner"], author_label="Olivia", body="Note interne équipe",
                           internal=True)
    editor, manager = client_for(people["editor"]), client_for(people["manager"])
    listing = editor.get(reverse("web:review", args=[ws.pk])).content.decode()
    assert "À relire" in listing and 'data-testid="approve"' not in listing  # editors comment, not decide
    assert 'data-testid="approve"' in manager.get(reverse("web:review", args=[ws.pk])).content.decode()
    detail = editor.get(reverse("web:post_review", args=[ws.pk, post.pk])).content.decode()
    assert "Note interne équipe" in detail and "internal note" in detail  # members see it, marked
    act_url = reverse("web:post_review_action", args=[ws.pk, post.pk])
    assert editor.post(act_url, {"action": "approve"}).status_code == 403
    assert client_for(people["viewer"]).post(act_url, {"action": "comment", "comment": "x"}).status_code == 403
    assert manager.post(act_url, {"action": "changes", "comment": "Ajoutez #galette"}).status_code == 302
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.CHANGES_REQUESTED
    history = manager.get(reverse("web:post_review", args=[ws.pk, post.pk])).content.decode()
    assert "Ajoutez #galette" in history and 'data-testid="history"' in history
    rows = manager.get(reverse("web:publications", args=[ws.pk])).content.decode()
    assert 'class="approval changes_requested"' in rows


# -- the audit log -------------------------------------------------------------------------

def test_audit_log_page_and_csv_export(people, ws, account, claire):
    post = post_in(people, account, "Texte avant")
    approval.approve(post, client=claire)
    audit.record(ws, "post.edited", actor=people["owner"], target=post, summary="=cmd|' /C calc'!A0",
                 before="Texte avant", after="Texte après")
    manager = client_for(people["manager"])
    url = reverse("web:audit", args=[ws.pk])
    assert client_for(people["editor"]).get(url).status_code == 403
    page = manager.get(url, {"action": "post.approved"}).content.decode()
    assert 'data-action="post.approved"' in page and 'data-action="post.submitted"' not in page

    people["manager"].timezone = "America/Montreal"
    people["manager"].save()
    export = client_for(people["manager"]).get(url, {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv") and "attachment" in export["Content-Disposition"]
    raw = export.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    # Column names and actions in the reader's language, the action's code beside it.
    assert rows[0] == ["When", "Who", "Action", "Code", "Target", "Summary", "Before", "After"]
    edited = next(r for r in rows if r[3] == "post.edited")
    assert edited[2] == "Post edited" and edited[4] == f"post {post.pk}"
    assert edited[6:] == ["Texte avant", "Texte après"]
    assert edited[5].startswith("'=")  # a formula is neutralised for Excel
    entry = AuditEntry.objects.get(action="post.edited")
    local = entry.created_at.astimezone(ZoneInfo("America/Montreal"))
    assert edited[0].startswith(local.strftime("%Y-%m-%d %H:%M"))
    approved = next(r for r in rows if r[3] == "post.approved")
    assert approved[1] == str(claire)

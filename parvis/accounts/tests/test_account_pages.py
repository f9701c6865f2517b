"""Accounts and sign-in: invitations only for the invited email, links never in flash
messages, sign-in throttled per account and per address with growing waits, password
change and reset, email change, and assignment that says nothing about non-members."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.actions import invite
from parvis.accounts.models import Invitation, Membership, Role, User
from parvis.inbox import duty
from parvis.testing.factories import client_for
from parvis.web.tests.test_inbox_pages import act, seed

pytestmark = pytest.mark.django_db
LOGIN = "/login/"


def anonymous(address: str = "127.0.0.1") -> Client:
    return Client(headers={"accept-language": "en"}, REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


def invitation_link(people: dict[str, Any], email: str, role: str, capture: Any) -> str:
    with capture(execute=True):
        invite(people["workspace"], email, role, people["owner"], "/invitations/{token}/")
    return re.search(r"http://testserver(/invitations/[^\s]+/)", mail.outbox[-1].body).group(1)


def time_passes(delta: timedelta) -> None:
    """Move every recorded failure back in time (the throttle reads their times)."""
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - delta)


# -- invitations ----------------------------------------------------------------------

def test_an_invitation_does_not_make_another_logged_in_person_a_member(people, django_capture_on_commit_callbacks):
    link = invitation_link(people, "new.manager@brand.test", Role.MANAGER, django_capture_on_commit_callbacks)
    viewer = client_for(people["viewer"])
    page = viewer.get(link)
    assert page.status_code == 403
    text = page.content.decode()
    assert "new.manager@brand.test" in text and "viewer@agence.test" in text and "not joined" in text
    assert viewer.post(link).status_code == 403
    membership = Membership.objects.get(workspace=people["workspace"], user=people["viewer"])
    assert membership.role == Role.VIEWER
    assert Invitation.objects.get().accepted_at is None  # still there for the invited person


def test_the_invited_person_logs_in_then_accepts(people, django_capture_on_commit_callbacks):
    User.objects.create_user("chloe@brand.test", "une-phrase-longue-42")
    link = invitation_link(people, "Chloe@Brand.test", Role.EDITOR, django_capture_on_commit_callbacks)
    browser = anonymous()
    to_login = browser.get(link)
    assert to_login.status_code == 302 and to_login["Location"].startswith(LOGIN)
    signed = browser.post(to_login["Location"], {"username": "chloe@brand.test", "password": "une-phrase-longue-42",
                                                  "next": link})
    assert signed.status_code == 302 and signed["Location"] == link
    assert browser.post(link).status_code == 302
    assert Membership.objects.get(workspace=people["workspace"], user__email="chloe@brand.test").role == Role.EDITOR


def test_a_failed_sign_in_on_the_way_to_an_invitation_does_not_store_its_link(
        people, django_capture_on_commit_callbacks):
    from axes.models import AccessAttempt

    link = invitation_link(people, "chloe@brand.test", Role.EDITOR, django_capture_on_commit_callbacks)
    token = link.split("/")[2]
    anonymous().post(f"{LOGIN}?next={link}", {"username": "chloe@brand.test", "password": "typo", "next": link})
    stored = AccessAttempt.objects.get()
    assert token not in stored.get_data + stored.post_data


def test_the_invitation_link_is_in_the_email_only_never_in_a_flash_message(people, django_capture_on_commit_callbacks):
    client = client_for(people["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("web:members", args=[people["workspace"].pk]),
                           {"email": "client@brand.test", "role": "editor"})
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body).group(1)
    assert token not in str(sent.cookies.get("messages", ""))
    page = client.get(sent["Location"]).content.decode()
    assert "Invitation sent to client@brand.test" in page and token not in page


# -- sign-in throttling ---------------------------------------------------------------

def test_forty_wrong_passwords_lock_the_account_and_the_right_one_is_refused_too(people, monkeypatch):
    # Every attempt at one instant: on a busy machine, seconds passing between the last
    # failure and the refusal would shorten the Retry-After this test reads exactly.
    instant = timezone.now()
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: instant)
    browser = anonymous()
    answers = [sign_in(browser, "owner@agence.test", f"guess-{n}").status_code for n in range(40)]
    assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}
    refused = sign_in(browser, "owner@agence.test", "pw-owner-123")
    assert refused.status_code == 429 and "_auth_user_id" not in browser.session
    assert "Too many failed sign-in attempts. Try again in 1 minute." in refused.content.decode()
    assert refused["Retry-After"] == "60"


def test_the_wait_grows_with_each_failure_past_the_limit_then_success_forgets(people):
    browser = anonymous()
    for n in range(5):
        sign_in(browser, "owner@agence.test", f"guess-{n}")
    time_passes(timedelta(seconds=61))
    again = sign_in(browser, "owner@agence.test", "guess-5")
    assert again.status_code == 429 and "Try again in 2 minutes." in again.content.decode()
    time_passes(timedelta(minutes=2, seconds=1))
    again = sign_in(browser, "owner@agence.test", "guess-6")
    assert again.status_code == 429 and "Try again in 4 minutes." in again.content.decode()
    time_passes(timedelta(minutes=4, seconds=1))
    assert sign_in(browser, "owner@agence.test", "pw-owner-123").status_code == 302
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.filter(username="owner@agence.test").exists()


def test_an_account_is_locked_from_every_address_and_an_address_on_every_account(people):
    for n in range(5):
        sign_in(anonymous(f"198.51.100.{n}"), "OWNER@agence.test ", f"guess-{n}")
    assert sign_in(anonymous("203.0.113.9"), "owner@agence.test", "pw-owner-123").status_code == 429
    # Someone else signs in from those addresses as usual.
    assert sign_in(anonymous("198.51.100.1"), "editor@agence.test", "pw-editor-123").status_code == 302
    # One address trying many accounts is stopped at the address's limit.
    spray = anonymous("192.0.2.7")
    answers = [sign_in(spray, f"person{n}@agence.test", "123456").status_code for n in range(20)]
    assert answers[:19] == [200] * 19 and answers[19] == 429
    assert sign_in(spray, "viewer@agence.test", "pw-viewer-123").status_code == 429
    assert sign_in(anonymous("192.0.2.8"), "viewer@agence.test", "pw-viewer-123").status_code == 302


def test_the_lockout_message_is_in_french_for_a_french_browser(people):
    browser = Client(headers={"accept-language": "fr"})
    for n in range(5):
        page = sign_in(browser, "owner@agence.test", f"guess-{n}")
    assert page.status_code == 429
    assert "Trop d’échecs de connexion. Réessayez dans 1\u00a0minute." in page.content.decode()


# -- password change and reset, email change ---------------------------------------------

def test_password_change_from_settings_keeps_the_session(people):
    client = client_for(people["owner"])
    assert 'href="/settings/account/"' in client.get(reverse("web:settings")).content.decode()
    assert 'href="/settings/password/"' in client.get(reverse("web:account")).content.decode()
    wrong = client.post(reverse("web:password_change"), {
        "old_password": "nope", "new_password1": "un-nouveau-secret-42", "new_password2": "un-nouveau-secret-42"})
    assert wrong.status_code == 200 and "old_password" in wrong.context["form"].errors
    changed = client.post(reverse("web:password_change"), {
        "old_password": "pw-owner-123", "new_password1": "un-nouveau-secret-42",
        "new_password2": "un-nouveau-secret-42"}, follow=True)
    assert "Your password was changed." in changed.content.decode()
    assert client.get(reverse("web:home")).status_code == 200  # still logged in here
    assert sign_in(anonymous(), "owner@agence.test", "un-nouveau-secret-42").status_code == 302


def test_password_reset_by_email_sets_a_new_password_once(people):
    browser = anonymous()
    assert 'href="/password/reset/"' in browser.get(LOGIN).content.decode()
    asked = browser.post(reverse("web:password_reset"), {"email": "Owner@Agence.test"})
    assert asked.status_code == 302 and asked["Location"] == reverse("web:password_reset_done")
    link = re.search(r"http://testserver(/password/reset/[^\s]+/)", mail.outbox[-1].body).group(1)
    form_page = browser.get(link, follow=True)
    assert form_page.context["validlink"]
    form_url = form_page.redirect_chain[-1][0]
    done = browser.post(form_url, {"new_password1": "un-nouveau-secret-42", "new_password2": "un-nouveau-secret-42"})
    assert done.status_code == 302 and done["Location"] == reverse("web:password_reset_complete")
    assert sign_in(anonymous(), "owner@agence.test", "un-nouveau-secret-42").status_code == 302
    assert not anonymous().get(link, follow=True).context["validlink"]  # used once


def test_password_reset_answers_the_same_for_an_unknown_email(people):
    asked = anonymous().post(reverse("web:password_reset"), {"email": "nobody@nowhere.test"})
    assert asked.status_code == 302 and asked["Location"] == reverse("web:password_reset_done")
    assert mail.outbox == []


def test_a_password_reset_lifts_the_accounts_lockout(people):
    for n in range(5):
        sign_in(anonymous(f"198.51.100.{n}"), "owner@agence.test", f"guess-{n}")
    browser = anonymous("203.0.113.5")
    browser.post(reverse("web:password_reset"), {"email": "owner@agence.test"})
    link = re.search(r"http://testserver(/password/reset/[^\s]+/)", mail.outbox[-1].body).group(1)
    form_url = browser.get(link, follow=True).redirect_chain[-1][0]
    browser.post(form_url, {"new_password1": "un-nouveau-secret-42", "new_password2": "un-nouveau-secret-42"})
    assert sign_in(browser, "owner@agence.test", "un-nouveau-secret-42").status_code == 302


def test_the_first_admin_changes_their_email_with_their_password(db):
    admin = User.objects.create_superuser("admin@localhost", "mot-de-passe-admin-42")
    client = client_for(admin)
    refused = client.post(reverse("web:account"), {"email": "cm@agence.test", "password": "wrong"})
    assert refused.status_code == 400 and "password" in refused.context["form"].errors
    changed = client.post(reverse("web:account"), {"email": "CM@Agence.test", "password": "mot-de-passe-admin-42"})
    assert changed.status_code == 302
    admin.refresh_from_db()
    assert (admin.email, admin.username) == ("cm@agence.test", "cm@agence.test")
    assert sign_in(anonymous(), "cm@agence.test", "mot-de-passe-admin-42").status_code == 302
    # The old address is free again for a new account.
    User.objects.create_user("admin@localhost", "another-password-42")


def test_an_email_already_used_by_another_account_is_refused(people):
    client = client_for(people["owner"])
    refused = client.post(reverse("web:account"), {"email": "editor@agence.test", "password": "pw-owner-123"})
    assert refused.status_code == 400 and "email" in refused.context["form"].errors
    people["owner"].refresh_from_db()
    assert people["owner"].email == "owner@agence.test"


# -- assignment among members only ------------------------------------------------------

def test_assigning_someone_outside_the_workspace_answers_like_an_unknown_id(people, account):  # noqa: F811
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    people["outsider"].first_name = "Oscar"
    people["outsider"].save()
    outsider = act(client, item, "assign", assignee=str(people["outsider"].pk))
    nobody = act(client, item, "assign", assignee="999999")
    assert outsider.status_code == nobody.status_code == 400
    assert outsider.context["errors"] == nobody.context["errors"] == {"assignee": "Choose a member of this workspace."}
    for answer in (outsider, nobody):
        assert "Oscar" not in answer.content.decode() and "outsider@other.test" not in answer.content.decode()


def test_the_rota_refuses_a_non_member_without_naming_them(people, english):
    people["outsider"].first_name = "Oscar"
    with pytest.raises(duty.DutyError) as refused:
        duty.add_slot(people["workspace"], people["outsider"], 0, *duty_hours())
    assert refused.value.message == "Choose a member of this workspace."


def duty_hours() -> tuple[Any, Any]:
    from datetime import time

    return time(9), time(17)


def test_a_mailbox_gets_at_most_three_reset_emails_an_hour_and_the_page_says_nothing(people):
    for n in range(5):  # from five different places: the mailbox's cap, not the address's
        asked = anonymous(f"198.51.100.{n}").post(reverse("web:password_reset"), {"email": "owner@agence.test"})
        assert asked.status_code == 302 and asked["Location"] == reverse("web:password_reset_done")
    assert len([m for m in mail.outbox if m.to == ["owner@agence.test"]]) == 3


def test_one_address_asking_for_many_resets_is_told_to_wait(people, settings):
    browser = anonymous("203.0.113.9")
    for n in range(settings.PARVIS_RESET_REQUESTS_PER_HOUR):
        browser.post(reverse("web:password_reset"), {"email": f"someone{n}@elsewhere.test"})
    refused = browser.post(reverse("web:password_reset"), {"email": "owner@agence.test"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password-reset requests from this address. Try again in" in refused.content.decode()
    assert mail.outbox == []
    # Someone else, elsewhere, still gets their link.
    anonymous("198.51.100.1").post(reverse("web:password_reset"), {"email": "owner@agence.test"})
    assert [m.to for m in mail.outbox] == [["owner@agence.test"]]

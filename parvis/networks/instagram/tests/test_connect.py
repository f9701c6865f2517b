"""Connecting an Instagram account with the organisation's own Meta app, through the
Django test client against the fake: Facebook Login (the Page's token, no expiry; a
choice when several Pages have an account), Instagram Login (60 days), a refusal, a
state that does not match, and an app that is not configured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
CALLBACK = "http://testserver/connect/instagram/callback/"


@pytest.fixture
def apps(settings: Any, meta: Any) -> None:
    settings.PARVIS_META_APP_ID, settings.PARVIS_META_APP_SECRET = meta.app_id, meta.app_secret
    settings.PARVIS_INSTAGRAM_APP_ID, settings.PARVIS_INSTAGRAM_APP_SECRET = meta.ig_app_id, meta.ig_app_secret
    settings.PARVIS_META_LOGIN_URL = settings.PARVIS_INSTAGRAM_LOGIN_URL = meta.url


def start(client: Any, people: dict[str, Any], login: str) -> str:
    response = client.post(reverse("instagram:connect", args=[people["workspace"].pk]), {"login": login})
    assert response.status_code == 200 and "/oauth" in response.context["url"]
    return str(client.session["instagram_oauth"]["state"])


def test_facebook_login_connects_the_account_of_the_page_with_a_token_that_does_not_expire(
        people, meta, apps, ig):
    client = client_for(people["owner"])
    state = start(client, people, "facebook")
    user = meta.users[meta.pages[ig.page_id].user_id]
    response = client.get(reverse("instagram:callback"), {"code": meta.login_code(user, CALLBACK), "state": state})
    assert response.status_code == 302 and response.url == reverse("web:accounts", args=[people["workspace"].pk])
    account = SocialAccount.objects.get(network="instagram")
    assert (account.remote_id, account.handle) == (ig.id, "@boulangerie")
    assert account.credentials == {"access_token": meta.pages[ig.page_id].token, "login": "facebook",
                                   "page_id": ig.page_id}
    assert account.credentials_expire_at is None


def test_the_dialog_asks_for_the_publishing_permissions_with_the_state(people, meta, apps):
    client = client_for(people["owner"])
    response = client.post(reverse("instagram:connect", args=[people["workspace"].pk]), {"login": "facebook"})
    url = response.context["url"]
    assert url.startswith(f"{meta.url}/v27.0/dialog/oauth?") and f"client_id={meta.app_id}" in url
    assert "instagram_content_publish" in url and f"state={client.session['instagram_oauth']['state']}" in url


def test_several_pages_with_accounts_are_offered_to_choose_from(people, meta, apps):
    user = meta.add_user()
    first = meta.add_instagram_account("boulangerie", page=meta.add_page("Boulangerie", user=user))
    second = meta.add_instagram_account("patisserie", page=meta.add_page("Pâtisserie", user=user))
    client = client_for(people["owner"])
    state = start(client, people, "facebook")
    response = client.get(reverse("instagram:callback"), {"code": meta.login_code(user, CALLBACK), "state": state})
    assert response.url == reverse("instagram:choose")
    page = client.get(reverse("instagram:choose"))
    assert "@boulangerie" in page.content.decode() and "Pâtisserie" in page.content.decode()
    assert meta.pages[first.page_id].token not in str(dict(client.session))  # encrypted in the session
    client.post(reverse("instagram:choose"), {"account": second.id})
    account = SocialAccount.objects.get(network="instagram")
    assert account.remote_id == second.id and account.credentials["page_id"] == second.page_id
    assert "instagram_choices" not in client.session


def test_instagram_login_keeps_a_60_day_token(people, meta, apps, solo):
    client = client_for(people["owner"])
    state = start(client, people, "instagram")
    response = client.get(reverse("instagram:callback"), {"code": meta.login_code(solo, CALLBACK) + "#_",
                                                          "state": state})
    assert response.status_code == 302
    account = SocialAccount.objects.get(network="instagram")
    assert account.remote_id == solo.id and account.credentials["login"] == "instagram"
    assert account.credentials["access_token"] != solo.token  # the long-lived one, from the exchange
    assert timedelta(days=59) < account.credentials_expire_at - timezone.now() < timedelta(days=61)


def test_a_refused_login_says_so_and_saves_nothing(people, meta, apps):
    client = client_for(people["owner"])
    state = start(client, people, "facebook")
    response = client.get(reverse("instagram:callback"), {"error": "access_denied", "state": state,
                                                          "error_description": "Permissions error"}, follow=True)
    assert "Permissions error" in response.content.decode()
    assert not SocialAccount.objects.filter(network="instagram").exists()


def test_a_login_not_started_here_is_refused(people, meta, apps, ig):
    client = client_for(people["owner"])
    start(client, people, "facebook")
    user = meta.users[meta.pages[ig.page_id].user_id]
    response = client.get(reverse("instagram:callback"), {"code": meta.login_code(user, CALLBACK),
                                                          "state": "forged"}, follow=True)
    assert "was not started here" in response.content.decode()
    assert not SocialAccount.objects.filter(network="instagram").exists()


def test_a_used_code_is_said_in_words(people, meta, apps, ig):
    client = client_for(people["owner"])
    user = meta.users[meta.pages[ig.page_id].user_id]
    code = meta.login_code(user, CALLBACK)
    meta.codes[code]["used"] = True
    response = client.get(reverse("instagram:callback"), {"code": code, "state": start(client, people, "facebook")},
                          follow=True)
    assert "authorization code has been used" in response.content.decode()


def test_without_a_meta_app_the_page_names_the_variables_to_set(people, meta):
    client = client_for(people["owner"])
    url = reverse("instagram:connect", args=[people["workspace"].pk])
    page = client.get(url).content.decode()
    assert "PARVIS_META_APP_ID" in page and "PARVIS_INSTAGRAM_APP_SECRET" in page
    response = client.post(url, {"login": "facebook"})
    assert response.status_code == 200 and "instagram_oauth" not in client.session


def test_an_editor_cannot_connect_accounts(people, meta, apps):
    response = client_for(people["editor"]).get(reverse("instagram:connect", args=[people["workspace"].pk]))
    assert response.status_code == 403


# -- the mentions webhook turned on for the account at connect ---------------------------------

def test_connecting_turns_on_the_pages_webhooks_when_parvis_listens_for_mentions(people, meta, apps, ig, settings):
    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = "un-jeton-long-et-aleatoire"
    client = client_for(people["owner"])
    state = start(client, people, "facebook")
    user = meta.users[meta.pages[ig.page_id].user_id]
    response = client.get(reverse("instagram:callback"), {"code": meta.login_code(user, CALLBACK), "state": state},
                          follow=True)
    assert meta.subscribed_apps == {ig.page_id: ["feed"]}  # any Page field turns Instagram's on
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_an_instagram_login_account_turns_on_its_own_webhooks(people, meta, apps, solo, settings):
    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = "un-jeton-long-et-aleatoire"
    client = client_for(people["owner"])
    state = start(client, people, "instagram")
    client.get(reverse("instagram:callback"), {"code": meta.login_code(solo, CALLBACK), "state": state})
    assert meta.subscribed_apps == {solo.id: ["comments"]}


def test_without_the_webhook_set_up_nothing_is_subscribed(people, meta, apps, ig, settings):
    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = ""
    client = client_for(people["owner"])
    state = start(client, people, "facebook")
    user = meta.users[meta.pages[ig.page_id].user_id]
    client.get(reverse("instagram:callback"), {"code": meta.login_code(user, CALLBACK), "state": state})
    assert SocialAccount.objects.filter(network="instagram").exists() and meta.subscribed_apps == {}


def test_a_refused_subscription_keeps_the_account_and_says_mentions_will_not_come(people, meta, apps, ig, settings):
    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = "un-jeton-long-et-aleatoire"
    meta.tokens[meta.pages[ig.page_id].token].scopes.remove("pages_manage_metadata")
    client = client_for(people["owner"])
    state = start(client, people, "facebook")
    user = meta.users[meta.pages[ig.page_id].user_id]
    response = client.get(reverse("instagram:callback"), {"code": meta.login_code(user, CALLBACK), "state": state},
                          follow=True)
    assert SocialAccount.objects.get(network="instagram").remote_id == ig.id
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown[0][0] == "success" and shown[1][0] == "warning"
    assert "@mentions of @boulangerie" in shown[1][1] and "pages_manage_metadata" in shown[1][1]
    assert meta.subscribed_apps == {}


def test_a_token_refused_when_subscribing_is_a_warning_not_an_error(meta, ig, settings):
    from parvis.networks.instagram.tests.conftest import account_row

    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = "un-jeton-long-et-aleatoire"
    page = meta.pages[ig.page_id]
    meta.expire_token(page.token)
    warnings = account_row(ig, page.token, "facebook").checking_connector.after_connect()
    assert len(warnings) == 1 and "@boulangerie" in str(warnings[0]) and meta.subscribed_apps == {}

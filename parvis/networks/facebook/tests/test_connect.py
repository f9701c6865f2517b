"""Connecting a Facebook Page with the organisation's Meta app, through the Django test
client against the fake: one Page, several to choose from, a refusal, a forged state,
and no app configured."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
CALLBACK = "http://testserver/connect/facebook/callback/"


@pytest.fixture
def app(settings: Any, meta: Any) -> None:
    settings.PARVIS_META_APP_ID, settings.PARVIS_META_APP_SECRET = meta.app_id, meta.app_secret


def start(client: Any, people: dict[str, Any]) -> str:
    response = client.post(reverse("facebook:connect", args=[people["workspace"].pk]))
    assert response.status_code == 200 and "/dialog/oauth?" in response.context["url"]
    assert "pages_manage_posts" in response.context["url"]
    return str(client.session["facebook_oauth"]["state"])


def test_one_page_is_connected_with_its_token_that_does_not_expire(people, meta, app, page):
    client = client_for(people["owner"])
    state = start(client, people)
    response = client.get(reverse("facebook:callback"), {"code": meta.login_code(meta.users[page.user_id], CALLBACK),
                                                         "state": state})
    assert response.status_code == 302
    account = SocialAccount.objects.get(network="facebook")
    assert (account.remote_id, account.handle, account.credentials) == (page.id, page.name,
                                                                         {"access_token": page.token})
    assert account.credentials_expire_at is None


def test_several_pages_are_offered_to_choose_from(people, meta, app):
    user = meta.add_user()
    meta.add_page("Boulangerie", user=user)
    second = meta.add_page("Pâtisserie", user=user)
    client = client_for(people["owner"])
    response = client.get(reverse("facebook:callback"), {"code": meta.login_code(user, CALLBACK),
                                                         "state": start(client, people)})
    assert response.url == reverse("facebook:choose")
    assert "Pâtisserie" in client.get(reverse("facebook:choose")).content.decode()
    client.post(reverse("facebook:choose"), {"account": second.id})
    assert SocialAccount.objects.get(network="facebook").remote_id == second.id


def test_a_refusal_or_a_forged_state_saves_nothing(people, meta, app, page):
    client = client_for(people["owner"])
    refused = client.get(reverse("facebook:callback"), {"error": "access_denied", "error_reason": "user_denied",
                                                        "state": start(client, people)}, follow=True)
    assert "user_denied" in refused.content.decode()
    start(client, people)
    forged = client.get(reverse("facebook:callback"), {"code": meta.login_code(meta.users[page.user_id], CALLBACK),
                                                       "state": "forged"}, follow=True)
    assert "was not started here" in forged.content.decode()
    assert not SocialAccount.objects.filter(network="facebook").exists()


def test_without_a_meta_app_the_page_names_the_variables_to_set(people, meta):
    client = client_for(people["owner"])
    url = reverse("facebook:connect", args=[people["workspace"].pk])
    page = client.get(url).content.decode()
    assert "PARVIS_META_APP_ID" in page and "PARVIS_META_APP_SECRET" in page
    assert client.post(url).status_code == 200 and "facebook_oauth" not in client.session

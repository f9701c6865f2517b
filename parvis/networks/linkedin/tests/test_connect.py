"""Connecting a LinkedIn page through the real OAuth flow against the loopback fake:
LinkedIn's page, the state checked on return, the choice among the member's pages (or
their profile), the account saved with its tokens' expiry; a refusal and a missing app
said in words."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def start(people: dict[str, Any]) -> tuple[Any, str]:
    """The CM asks to connect: parvis's page sends them on to LinkedIn's."""
    client = client_for(people["owner"])
    answer = client.post(reverse("linkedin:connect", args=[people["workspace"].pk]))
    assert answer.status_code == 200
    return client, answer.context["url"]


def consent(url: str) -> dict[str, str]:
    """The browser at LinkedIn's authorization page, coming back with its answer."""
    answer = httpx.get(url)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def test_a_page_the_member_administers_is_chosen_and_connected(people, linkedin, alice, shop):
    linkedin.add_organization("Pas à elle")
    linkedin.sign_in(alice)
    client, url = start(people)
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == ["http://testserver/connect/linkedin/callback/"]
    back = client.get(reverse("linkedin:callback"), consent(url))
    choose = reverse("linkedin:choose", args=[people["workspace"].pk])
    assert back.status_code == 302 and back["Location"] == choose
    page = client.get(choose)
    assert [urn for urn, _name in page.context["choices"]] == [shop.urn, alice.urn]
    assert "Alice Martin (personal profile)" in page.content.decode()

    done = client.post(choose, {"author": shop.urn})
    assert done.status_code == 302
    account = SocialAccount.objects.get(network="linkedin")
    assert (account.remote_id, account.display_name) == (shop.urn, "Brûlerie du Port")
    assert account.credentials["refresh_token"] and account.config["kind"] == "organization"
    days = (account.credentials_expire_at - timezone.now()).days
    assert 58 <= days <= 60 and account.config["refresh_expires_at"]


def test_a_personal_profile_can_be_connected(people, linkedin, alice):
    linkedin.sign_in(alice)
    client, url = start(people)
    client.get(reverse("linkedin:callback"), consent(url))
    client.post(reverse("linkedin:choose", args=[people["workspace"].pk]), {"author": alice.urn})
    account = SocialAccount.objects.get(network="linkedin")
    assert (account.remote_id, account.config["kind"]) == (alice.urn, "person")


def test_a_page_not_offered_cannot_be_chosen(people, linkedin, alice, shop):
    other = linkedin.add_organization("Pas à elle")
    linkedin.sign_in(alice)
    client, url = start(people)
    client.get(reverse("linkedin:callback"), consent(url))
    answer = client.post(reverse("linkedin:choose", args=[people["workspace"].pk]), {"author": other.urn})
    assert answer.status_code == 200 and "Choose the page" in answer.context["error"]
    assert not SocialAccount.objects.exists()


def test_a_refused_authorization_is_said_and_nothing_is_saved(people, linkedin):
    linkedin.sign_in(None)
    client, url = start(people)
    answer = client.get(reverse("linkedin:callback"), consent(url), follow=True)
    assert "LinkedIn did not authorise parvis: The user cancelled the authorization" in answer.content.decode()
    assert not SocialAccount.objects.exists()


def test_a_return_with_another_state_is_refused(people, linkedin, alice):
    linkedin.sign_in(alice)
    client, url = start(people)
    answer = client.get(reverse("linkedin:callback"), {**consent(url), "state": "forged"}, follow=True)
    assert "expired or was not started here" in answer.content.decode()
    assert not SocialAccount.objects.exists()


def test_without_an_app_the_connect_page_names_the_variables(people, settings, monkeypatch):
    settings.PARVIS_LINKEDIN_CLIENT_ID = ""
    settings.PARVIS_LINKEDIN_CLIENT_SECRET = ""
    monkeypatch.delenv("PARVIS_LINKEDIN_CLIENT_ID", raising=False)
    monkeypatch.delenv("PARVIS_LINKEDIN_CLIENT_SECRET", raising=False)
    client = client_for(people["owner"])
    for answer in (client.get(reverse("linkedin:connect", args=[people["workspace"].pk])),
                   client.post(reverse("linkedin:connect", args=[people["workspace"].pk]))):
        html = answer.content.decode()
        assert answer.status_code == 200 and "has no LinkedIn app" in html
        assert "PARVIS_LINKEDIN_CLIENT_ID" in html and "PARVIS_LINKEDIN_CLIENT_SECRET" in html


def test_only_a_manager_may_connect(people, linkedin):
    answer = client_for(people["editor"]).post(reverse("linkedin:connect", args=[people["workspace"].pk]))
    assert answer.status_code == 403

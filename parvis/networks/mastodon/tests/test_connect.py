"""Connecting a Mastodon account safely: the instance is checked each time parvis
connects to it, never followed through a redirect, told apart from servers that are not
Mastodon or do not answer, and the login page opens in the person's language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from parvis.networks.base import ErrorKind, NetworkError, PublishRequest
from parvis.networks.mastodon import oauth
from parvis.networks.mastodon.connector import MastodonConnector
from parvis.networks.models import ServerApp, SocialAccount
from parvis.testing.factories import client_for
from parvis.testing.resolver import rebinding
from parvis.testing.scripted_server import Answer, ScriptedServer, json_answer, redirect

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

INSTANCE = json.dumps({"uri": "social.example", "title": "Social", "version": "4.3.0"})
ME = json.dumps({"id": "1", "acct": "brand", "username": "brand", "display_name": "Brand", "url": ""})


@pytest.fixture
def server():
    with ScriptedServer() as running:
        yield running


@pytest.fixture
def other():
    with ScriptedServer() as running:
        yield running


def connect(people: dict[str, Any], data: dict[str, str], language: str = "en") -> Any:
    return client_for(people["owner"], language).post(
        reverse("mastodon:connect", args=[people["workspace"].pk]), data)


def form_error(response: Any, field: str) -> str:
    return str(response.context["form"].errors[field][0])


# -- redirects: the registration is never re-sent elsewhere ------------------------------

@pytest.mark.parametrize("status", [302, 307])
def test_an_app_registration_answered_with_a_redirect_fails_and_stores_nothing(server, other, status):
    server.answer("/api/v1/apps", redirect(other.url("/api/v1/apps"), status))
    other.answer("/api/v1/apps", json_answer('{"client_id": "internal", "client_secret": "internal"}'))
    with pytest.raises(NetworkError) as caught:
        oauth.server_app(server.url(), "http://testserver/connect/mastodon/callback/")
    assert f"answered with a redirect (HTTP {status}) to {other.url('/api/v1/apps')}" in caught.value.message
    assert caught.value.kind is ErrorKind.PERMANENT
    assert other.received == [] and not ServerApp.objects.exists()


def test_the_connect_form_says_the_instance_redirected(people, server, other):
    server.answer("/api/v1/instance", json_answer(INSTANCE))
    server.answer("/api/v1/apps", redirect(other.url("/api/v1/apps"), 307))
    response = connect(people, {"instance": server.url()})
    assert "parvis does not follow redirects here" in form_error(response, "instance")
    assert other.received == [] and not ServerApp.objects.exists()


# -- the address is checked when connecting, not only when the form is read --------------

def test_a_name_that_resolves_to_loopback_after_the_form_check_never_gets_the_token(
        people, server, settings, monkeypatch):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    server.answer("*", json_answer(ME))
    resolver = rebinding(monkeypatch, "social.example")  # public for the form, 127.0.0.1 after
    response = connect(people, {"instance": f"http://social.example:{server.port}", "access_token": "secret"})
    error = form_error(response, "instance")
    assert "social.example is at 127.0.0.1, a loopback address" in error and "PARVIS_ALLOW_PRIVATE_URLS" in error
    assert resolver.asked == 2 and server.received == [] and not SocialAccount.objects.exists()


@pytest.fixture
def account_on_a_renamed_server(people, server, settings, monkeypatch) -> SocialAccount:
    """An account connected when its server's name was public; it now resolves to 127.0.0.1."""
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    server.answer("*", json_answer("[]"))
    rebinding(monkeypatch, "social.example", first=["127.0.0.1"], then=["127.0.0.1"])
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url=f"http://social.example:{server.port}",
        remote_id="1", handle="@brand@social.example", credentials={"access_token": "secret"},
        config={"local_domain": "social.example"})


def test_polling_refuses_a_server_that_now_resolves_to_a_private_address(account_on_a_renamed_server, server):
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account_on_a_renamed_server).fetch_inbox("notifications", None)
    assert "social.example is at 127.0.0.1" in caught.value.message
    assert "PARVIS_ALLOW_PRIVATE_URLS=1" in caught.value.message
    assert server.received == []


def test_publishing_refuses_a_server_that_now_resolves_to_a_private_address(account_on_a_renamed_server, server):
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account_on_a_renamed_server).publish(PublishRequest(text="Bonjour", idempotency_key="k"))
    assert "PARVIS_ALLOW_PRIVATE_URLS=1" in caught.value.message
    assert caught.value.kind is ErrorKind.PERMANENT and not caught.value.uncertain
    assert server.received == []


def test_an_answer_larger_than_the_limit_is_a_clear_error(people, server, settings):
    settings.PARVIS_HTTP_MAX_BYTES = 10_000
    server.answer("*", json_answer("[" + ",".join(['{"id": "1"}'] * 2000) + "]"))
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url=server.url(), remote_id="1",
        handle="@brand@social.example", credentials={"access_token": "secret"}, config={"local_domain": "x"})
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).fetch_inbox("notifications", None)
    assert "sent an answer larger than" in caught.value.message


# -- what kind of server, and how long to wait ---------------------------------------------

def test_a_server_that_is_not_mastodon_is_said_so(people, server):
    server.answer("/", Answer(200, {"Content-Type": "text/html"}, b"<h1>My blog</h1>"))
    response = connect(people, {"instance": server.url()})
    assert form_error(response, "instance") == (
        f"{server.url()}: 127.0.0.1 answered, but it is not a Mastodon server (no /api/v1/instance).")
    assert server.paths() == ["/api/v1/instance"]  # nothing else was sent


def test_a_server_that_never_answers_is_given_up_at_the_stated_limit(people, server, settings):
    settings.PARVIS_HTTP_TIMEOUT = 1.0
    server.answer("*", Answer(hang=True))
    response = connect(people, {"instance": server.url()})
    assert form_error(response, "instance") == f"{server.url()}: 127.0.0.1 did not answer within 1 s."


def test_the_connect_page_says_it_is_working_without_inline_script(people, settings):
    settings.PARVIS_HTTP_TIMEOUT = 30.0  # the form's wait is 15 s, or less when all waits are shorter
    page = client_for(people["owner"]).get(reverse("mastodon:connect", args=[people["workspace"].pk]))
    body = page.content.decode()
    assert "data-connect-wait" in body and "parvis waits up to 15 s for its answer" in body
    assert 'src="/static/networks/connect.js"' in body
    assert "<script>" not in body and "onsubmit" not in body
    from django.contrib.staticfiles import finders

    assert finders.find("networks/connect.js")


# -- the authorisation page's language ---------------------------------------------------------

def test_the_authorisation_url_carries_the_persons_language(people, mastodon_server):
    response = connect(people, {"instance": mastodon_server.url}, language="fr")
    from parvis.web.tests.test_pages import authorisation_url

    assert response.status_code == 200 and "lang=fr" in authorisation_url(response)
    app = ServerApp.objects.get()
    assert "lang=" not in oauth.authorize_url(app, "state")
    assert "lang=pt" in oauth.authorize_url(app, "state", "pt-br")

"""Connecting a Bluesky account safely: the app password never follows a redirect, the
PDS is checked each time parvis connects to it, and a server that is not a PDS or does
not answer is said so within a stated limit. (A scripted loopback server stands for the
PDS: these are the answers a real one never gives.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parvis.networks.base import ErrorKind, NetworkError, PublishRequest
from parvis.networks.bluesky.connector import BlueskyConnector
from parvis.networks.bluesky.views import verify
from parvis.networks.models import SocialAccount
from parvis.testing.resolver import rebinding
from parvis.testing.scripted_server import Answer, ScriptedServer, json_answer, redirect

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DESCRIBE = "/xrpc/com.atproto.server.describeServer"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"


@pytest.fixture
def server():
    with ScriptedServer() as running:
        running.answer(DESCRIBE, json_answer(json.dumps({"did": "did:web:pds.example",
                                                         "availableUserDomains": [".pds.example"]})))
        yield running


@pytest.fixture
def other():
    with ScriptedServer() as running:
        yield running


def connect(people: dict[str, Any], server_url: str) -> Any:
    client = Client(headers={"accept-language": "en"})
    client.force_login(people["owner"])
    return client.post(reverse("bluesky:connect", args=[people["workspace"].pk]),
                       {"handle": "brand.pds.example", "app_password": "abcd-efgh-ijkl-mnop", "server": server_url})


def form_error(response: Any, field: str) -> str:
    return str(response.context["form"].errors[field][0])


@pytest.mark.parametrize("status", [302, 307])
def test_a_pds_redirecting_the_login_never_gets_the_app_password_resent(server, other, status):
    server.answer(CREATE_SESSION, redirect(other.url(CREATE_SESSION), status))
    with pytest.raises(NetworkError) as caught:
        verify(server.url(), "brand.pds.example", "abcd-efgh-ijkl-mnop")
    assert f"answered with a redirect (HTTP {status}) to {other.url(CREATE_SESSION)}" in caught.value.message
    assert caught.value.kind is ErrorKind.PERMANENT
    assert other.received == []
    assert [r["path"] for r in server.received] == [CREATE_SESSION]


def test_a_name_that_resolves_to_loopback_after_the_form_check_never_gets_the_app_password(
        people, server, settings, monkeypatch):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    resolver = rebinding(monkeypatch, "pds.example")  # public for the form, 127.0.0.1 after
    response = connect(people, f"http://pds.example:{server.port}")
    error = form_error(response, "server")
    assert "pds.example is at 127.0.0.1, a loopback address" in error and "PARVIS_ALLOW_PRIVATE_URLS" in error
    assert resolver.asked == 2 and server.received == [] and not SocialAccount.objects.exists()


@pytest.fixture
def account_on_a_renamed_server(people, server, settings, monkeypatch) -> SocialAccount:
    """An account connected when its PDS's name was public; it now resolves to 127.0.0.1."""
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    rebinding(monkeypatch, "pds.example", first=["127.0.0.1"], then=["127.0.0.1"])
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url=f"http://pds.example:{server.port}",
        remote_id="did:plc:brand", handle="@brand.pds.example",
        credentials={"identifier": "brand.pds.example", "app_password": "abcd-efgh-ijkl-mnop"})


def test_polling_refuses_a_pds_that_now_resolves_to_a_private_address(account_on_a_renamed_server, server):
    with pytest.raises(NetworkError) as caught:
        BlueskyConnector(account_on_a_renamed_server).fetch_inbox("notifications", None)
    assert "pds.example is at 127.0.0.1" in caught.value.message
    assert "PARVIS_ALLOW_PRIVATE_URLS=1" in caught.value.message
    assert server.received == []


def test_publishing_refuses_a_pds_that_now_resolves_to_a_private_address(account_on_a_renamed_server, server):
    with pytest.raises(NetworkError) as caught:
        BlueskyConnector(account_on_a_renamed_server).publish(PublishRequest(text="Bonjour", idempotency_key="k"))
    assert "PARVIS_ALLOW_PRIVATE_URLS=1" in caught.value.message and not caught.value.uncertain
    assert server.received == []


def test_a_server_that_is_not_a_pds_is_said_so(people, server):
    del server.answers[DESCRIBE]  # 404, like any web site
    response = connect(people, server.url())
    assert form_error(response, "server") == (
        "127.0.0.1 answered, but it is not a Bluesky (PDS) server (no /xrpc/com.atproto.server.describeServer).")
    assert server.paths() == [DESCRIBE]  # the app password was never sent


def test_a_pds_that_never_answers_is_given_up_at_the_stated_limit(people, server, settings):
    settings.PARVIS_HTTP_TIMEOUT = 1.0
    server.answer(DESCRIBE, Answer(hang=True))
    server.answer("*", Answer(hang=True))
    response = connect(people, server.url())
    assert form_error(response, "server") == "127.0.0.1 did not answer within 1 s."

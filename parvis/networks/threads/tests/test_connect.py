"""Connecting a Threads account with Django's test client against the loopback fake: the
login on threads.net bound to the session's state, the code exchanged for a 60-day
token, and a page that says what to set when this parvis has no Threads app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CALLBACK = "http://testserver/connect/threads/callback/"


def start(people: dict[str, Any]) -> tuple[Any, dict[str, list[str]]]:
    """Post the connect page; the query of the login address it sends the person to."""
    browser = client_for(people["owner"])
    page = browser.post(reverse("threads:connect", args=[people["workspace"].pk]))
    assert page.status_code == 200
    url = page.context["url"]
    assert url.startswith("https://threads.example/oauth/authorize?")
    return browser, parse_qs(urlsplit(url).query)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_logging_in_on_threads_connects_the_account_with_a_sixty_day_token(threads, brand, people):
    browser, query = start(people)
    assert query["client_id"] == [threads.app_id] and query["redirect_uri"] == [CALLBACK]
    assert "threads_content_publish" in query["scope"][0] and query["response_type"] == ["code"]
    code = threads.issue_code(brand.id, CALLBACK)
    done = browser.get(reverse("threads:callback"), {"code": code, "state": query["state"][0]})
    assert done.status_code == 302 and done["Location"].endswith(f"/w/{people['workspace'].pk}/accounts/")
    account = SocialAccount.objects.get(network="threads")
    assert (account.remote_id, account.handle, account.display_name) == (brand.id, "@brand", "Boulangerie Dupont")
    assert account.credentials["access_token"] not in (brand.short_token, brand.long_token)
    assert threads.tokens[account.credentials["access_token"]].kind == "long"
    assert timedelta(days=59) < account.credentials_expire_at - timezone.now() <= timedelta(days=60)
    assert "Connected @brand." in messages_of(done)


def test_a_callback_with_another_state_connects_nothing(threads, brand, people):
    browser, query = start(people)
    code = threads.issue_code(brand.id, CALLBACK)
    answer = browser.get(reverse("threads:callback"), {"code": code, "state": "forged"})
    assert answer.status_code == 302 and not SocialAccount.objects.exists()
    assert "expired or was not started here" in messages_of(answer)[0]
    assert threads.codes  # the code was never sent to Threads


def test_a_refused_authorisation_says_why(threads, people):
    browser, query = start(people)
    answer = browser.get(reverse("threads:callback"), {"error": "access_denied", "state": query["state"][0],
                                                      "error_description": "Permissions error"})
    assert answer["Location"].endswith(reverse("threads:connect", args=[people["workspace"].pk]))
    assert "did not authorise parvis: Permissions error" in messages_of(answer)[0]
    assert not SocialAccount.objects.exists()


def test_a_code_threads_refuses_is_shown_in_words(threads, brand, people):
    browser, query = start(people)
    answer = browser.get(reverse("threads:callback"), {"code": "AQBused", "state": query["state"][0]})
    assert "Matching code was not found or was already used" in messages_of(answer)[0]
    assert not SocialAccount.objects.exists()


def test_without_a_threads_app_the_page_names_the_variables_to_set(people):
    with override_settings(PARVIS_THREADS_CLIENT_ID="", PARVIS_THREADS_CLIENT_SECRET=""):
        browser = client_for(people["owner"])
        url = reverse("threads:connect", args=[people["workspace"].pk])
        for page in (browser.get(url), browser.post(url)):
            html = page.content.decode()
            assert page.status_code == 200 and "no Threads app yet" in html
            assert "PARVIS_THREADS_CLIENT_ID" in html and "PARVIS_THREADS_CLIENT_SECRET" in html
            assert CALLBACK in html


def test_an_outsider_cannot_connect_an_account_here(threads, people):
    page = client_for(people["outsider"]).get(reverse("threads:connect", args=[people["workspace"].pk]))
    assert page.status_code == 404

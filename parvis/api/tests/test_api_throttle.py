"""Wrong API tokens are counted per address: past the limit that address gets 429 with
Retry-After, while a good token keeps working from every other address, and sign-in
from that address is not affected."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from parvis.api.models import ApiToken

pytestmark = pytest.mark.django_db
ME = "/api/v1/workspaces/"


def client(token: str, address: str) -> APIClient:
    api = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def test_wrong_tokens_from_one_address_answer_429_past_the_limit(world, settings):
    settings.PARVIS_API_TOKEN_FAILURES = 20
    guesser = client("pvs_not-a-real-token", "198.51.100.20")
    answers = [guesser.get(ME).status_code for _ in range(25)]
    assert answers[:19] == [401] * 19 and set(answers[19:]) == {429}
    refused = guesser.get(ME)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "wrong API token" in refused.json()["detail"]


def test_a_good_token_still_works_from_other_addresses(world, settings):
    settings.PARVIS_API_TOKEN_FAILURES = 5
    _row, good = ApiToken.issue(world.owner, "script")
    for _ in range(5):
        client("pvs_wrong", "198.51.100.20").get(ME)
    assert client(good, "198.51.100.20").get(ME).status_code == 429  # the address waits
    assert client(good, "203.0.113.4").get(ME).status_code == 200
    # People signing in from the blocked address are counted apart.
    browser = Client(REMOTE_ADDR="198.51.100.20")
    assert browser.post("/login/", {"username": "owner@example.com", "password": "pw"}).status_code == 302

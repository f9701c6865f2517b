"""The throttle's rules in isolation: the client's address behind trusted proxies, the
doubling wait and its ceiling, and axes' own lockout answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from parvis.accounts import throttle


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.9", "127.0.0.1"),              # no proxy trusted: the header is ignored
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the address our proxy saw, not a forged one
    (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (1, "not-an-address", None),
])
def test_the_client_address_is_read_behind_trusted_proxies_only(settings, proxies, forwarded, expected):
    settings.PARVIS_PROXY_COUNT = proxies
    request = RequestFactory().get("/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_ip(request) == expected


def test_the_wait_doubles_past_the_limit_up_to_a_day():
    waits = [throttle.wait_after(n, 5) for n in (4, 5, 6, 7, 40)]
    assert waits == [timedelta(0), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(days=1)]


@pytest.mark.django_db
def test_axes_own_lockout_answer_is_429_with_when_to_come_back(english):
    request = RequestFactory().post("/elsewhere/", {"username": "someone@agence.test"})
    for _ in range(5):
        throttle.AxesProxyHandler.user_login_failed(sender=None, credentials={"username": "someone@agence.test"},
                                                    request=request)
    answer = throttle.lockout_response(request, HttpResponse(status=200), {"username": "someone@agence.test"})
    assert answer.status_code == 429 and answer["Retry-After"] == "60"
    assert answer.content.decode() == "Too many failed sign-in attempts. Try again in 1 minute."

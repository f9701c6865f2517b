"""Sign-in and API-token throttling, on django-axes' records.

django-axes records each failed sign-in in the database (`AccessAttempt`: one row per
account name, address and browser, with a failure count and the last failure's time) and
refuses every sign-in while the client is locked out, before the password is even
checked. This module decides when a client is locked out:

- sign-in: per account, from any address, past `PARVIS_LOGIN_FAILURES` failures; per
  address, on any account, past `PARVIS_LOGIN_ADDRESS_FAILURES`;
- API tokens: per address past `PARVIS_API_TOKEN_FAILURES`, counted apart from sign-in,
  so a script with a revoked token never locks people out of the sign-in page, and a
  good token keeps working from every other address.

At its limit a counter locks for a minute; each further failure doubles the wait, up to
a day. Attempts made while locked are refused without being counted, so the announced
wait holds. Failures are forgotten a day after the last one, and an account's own ones
when its person signs in or resets the password.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The account name API-token failures are recorded under. Sign-in names are lowercased,
# so no sign-in can ever be counted as this one.
API_NAME = "API TOKEN"
_API_MARK = "api_token"
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(days=1)


def wait_after(failures: int, limit: int) -> timedelta:
    """How long a counter stays locked after its last failure."""
    if failures < limit:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - limit, 20), LONGEST_WAIT)


def wait_phrase(seconds: int) -> str:
    """"3 minutes", "2 hours": how long someone must wait, rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def wait_message(seconds: int) -> str:
    return _("Too many failed sign-in attempts. Try again in %(wait)s.") % {"wait": wait_phrase(seconds)}


def client_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account name a failure counts against: the email as the backend reads it."""
    credentials = credentials or {}
    if credentials.get(_API_MARK):
        return API_NAME
    raw = credentials.get("username")
    if raw is None and request.method == "POST":
        raw = request.POST.get("username")
    name = str(raw or "").strip().lower()
    return name or None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or the one the `PARVIS_PROXY_COUNT`
    trusted reverse proxies in front of parvis put in X-Forwarded-For."""
    address = request.META.get("REMOTE_ADDR")
    hops = settings.PARVIS_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


class ThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler, with parvis's counters and growing waits."""

    def _counters(self, request: Any, credentials: dict[str, Any] | None) -> list[tuple[QuerySet[Any], int]]:
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        recent = AccessAttempt.objects.filter(attempt_time__gte=request.axes_attempt_time - get_cool_off(request))
        if username == API_NAME:
            return [(recent.filter(username=API_NAME, ip_address=address), settings.PARVIS_API_TOKEN_FAILURES)]
        counters = []
        if username:
            counters.append((recent.filter(username=username), settings.PARVIS_LOGIN_FAILURES))
        if address:
            counters.append((recent.filter(ip_address=address).exclude(username=API_NAME),
                             settings.PARVIS_LOGIN_ADDRESS_FAILURES))
        return counters

    def locked_until(self, request: Any, credentials: dict[str, Any] | None = None) -> datetime | None:
        until: datetime | None = None
        for attempts, limit in self._counters(request, credentials):
            seen = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            failures = seen["failures"] or 0
            if failures >= limit:
                end = seen["last"] + wait_after(failures, limit)
                until = end if until is None else max(until, end)
        return until if until is not None and until > request.axes_attempt_time else None

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # axes locks when this reaches AXES_FAILURE_LIMIT (1): the decision is made above.
        return 1 if self.locked_until(request, credentials) else 0

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """Signing in forgets that account's failures, never the address's: one's own
        account must not wipe the count of guesses at others' made from the same place."""
        username = get_client_username(request, credentials)
        if not username or username == API_NAME:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def _handler() -> ThrottleHandler:
    return AxesProxyHandler.get_implementation()


def seconds_left(request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
    """Seconds until this client may try again (0: it may now)."""
    if not settings.AXES_ENABLED:
        return 0
    AxesProxyHandler.update_request(request)
    until = _handler().locked_until(request, credentials)
    if until is None:
        return 0
    return max(1, math.ceil((until - request.axes_attempt_time).total_seconds()))  # type: ignore[attr-defined]


def forget_account(email: str) -> None:
    """The person proved they own the account (password reset): drop its failures."""
    AccessAttempt.objects.filter(username=email.strip().lower()).delete()


def _api_probe(request: HttpRequest) -> HttpRequest:
    """What axes may see of an API request: its address, browser and path, never its
    body or query (an upload with a bad token is not read, nor stored)."""
    probe = HttpRequest()
    probe.path = probe.path_info = request.path
    keep = ("REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_USER_AGENT", "HTTP_ACCEPT")
    probe.META = {key: request.META[key] for key in keep if key in request.META}
    probe.META["PATH_INFO"] = request.path
    return probe


def api_seconds_left(request: HttpRequest) -> int:
    return seconds_left(_api_probe(request), {_API_MARK: True})


def record_api_failure(request: HttpRequest) -> int:
    """Count a wrong API token from this address; the seconds it is now locked for."""
    if not settings.AXES_ENABLED:
        return 0
    probe = _api_probe(request)
    credentials = {_API_MARK: True}
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=credentials, request=probe)
    return seconds_left(probe, credentials)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What axes answers for a locked-out client. The sign-in page already answers 429
    with its own message (web/views/people.py); anything else gets a plain one."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    seconds = seconds_left(request, credentials) or int(FIRST_WAIT.total_seconds())
    response = HttpResponse(wait_message(seconds), status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response

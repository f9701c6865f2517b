"""Credentials that expire: refreshed ahead of time through one callback, a refusal marks
the account "reconnect needed" and tells its owners, and what cannot be refreshed is
announced before it stops working, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.utils import timezone

from parvis.accounts.actions import owners_of
from parvis.accounts.models import Notification
from parvis.networks import registry, tokens
from parvis.networks.base import BaseConnector, Credentials, ErrorKind, NetworkError
from parvis.networks.models import AccountStatus, SocialAccount

pytestmark = pytest.mark.django_db


class Refreshing(BaseConnector):
    network: ClassVar[str] = "mastodon"
    answers: ClassVar[list[Any]] = []
    calls: ClassVar[int] = 0

    def refresh_credentials(self) -> Credentials:
        Refreshing.calls += 1
        answer = Refreshing.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]


@pytest.fixture
def refreshable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mastodon stands for a network whose tokens last 60 days and refresh 7 days ahead."""
    Refreshing.answers, Refreshing.calls = [], 0
    info = replace(registry.NETWORKS["mastodon"], refresh_ahead=timedelta(days=7), warn_before=timedelta(days=3))
    monkeypatch.setitem(registry.NETWORKS, "mastodon", info)
    monkeypatch.setattr(registry, "connector_for", Refreshing)


def account_expiring_in(people: dict[str, Any], days: float, remote_id: str = "1") -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social",
        remote_id=remote_id, handle=f"@brand{remote_id}@example.social", credentials={"access_token": "old"},
        credentials_expire_at=timezone.now() + timedelta(days=days))


def sweep_now(monkeypatch: pytest.MonkeyPatch, now: Any = None) -> list[int]:
    """Run the sweep with its queue replaced by an immediate call, as the worker would."""
    queued: list[int] = []
    monkeypatch.setattr("parvis.networks.tasks.refresh_credentials_task", queued.append)
    tokens.refresh_expiring_credentials(now or timezone.now())
    for account_id in queued:
        tokens.refresh(account_id)
    return queued


def test_credentials_about_to_expire_are_refreshed_and_saved_encrypted(refreshable, people, monkeypatch):
    account = account_expiring_in(people, days=5)
    later = account_expiring_in(people, days=30, remote_id="2")
    new_expiry = timezone.now() + timedelta(days=60)
    Refreshing.answers = [Credentials({"access_token": "new"}, new_expiry)]
    assert sweep_now(monkeypatch) == [account.pk]  # the one 30 days away is left alone
    account.refresh_from_db()
    assert account.credentials == {"access_token": "new"} and account.credentials_expire_at == new_expiry
    assert account.status == AccountStatus.ACTIVE and later.credentials == {"access_token": "old"}
    # Stored encrypted, as every credential.
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM networks_socialaccount WHERE id = %s", [account.pk])
        assert "new" not in str(cursor.fetchone()[0]) and Refreshing.calls == 1
    assert sweep_now(monkeypatch) == []  # nothing due any more


def test_a_refused_refresh_marks_the_account_and_tells_its_owners_once(refreshable, people, monkeypatch, english):
    account = account_expiring_in(people, days=2)
    Refreshing.answers = [NetworkError("token revoked", ErrorKind.RECONNECT)]
    sweep_now(monkeypatch)
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT and account.status_reason == "token revoked"
    notices = Notification.objects.filter(kind="account_reconnect")
    assert {n.user for n in notices} == set(owners_of(people["workspace"])) and len(notices) == 2
    assert sweep_now(monkeypatch) == []  # a flagged account is not tried again


def test_a_failing_refresh_is_tried_again_later_not_every_pass(refreshable, people, monkeypatch):
    account = account_expiring_in(people, days=5)
    Refreshing.answers = [NetworkError("503", ErrorKind.TRANSIENT), Credentials({"access_token": "new"}, None)]
    assert sweep_now(monkeypatch) == [account.pk]
    assert sweep_now(monkeypatch) == []  # not hammered on every dispatcher pass
    assert sweep_now(monkeypatch, timezone.now() + tokens.RETRY_AFTER + timedelta(seconds=1)) == [account.pk]
    account.refresh_from_db()
    assert account.credentials == {"access_token": "new"} and account.credentials_expire_at is None


def test_two_dispatchers_claim_a_refresh_once(refreshable, people):
    account = account_expiring_in(people, days=5)
    now = timezone.now()
    assert tokens.claim_refreshes(now) == [account.pk]
    assert tokens.claim_refreshes(now) == []


def test_credentials_that_cannot_be_refreshed_are_announced_before_they_expire_once(people, monkeypatch):
    # Mastodon's registry entry has no refresh: only the warning applies.
    account_expiring_in(people, days=10)
    soon = account_expiring_in(people, days=2, remote_id="2")
    assert tokens.warn_expiring(timezone.now()) == 1
    notice = Notification.objects.get(kind="account_expiring", user=people["owner"])
    assert soon.credentials_expire_at.date().isoformat() in notice.message
    assert tokens.warn_expiring(timezone.now()) == 0
    # Reconnected with new credentials expiring later: a new expiry is announced again.
    tokens.save_credentials(soon, Credentials({"access_token": "x"}, timezone.now() + timedelta(days=1)))
    assert tokens.warn_expiring(timezone.now()) == 1


def test_the_accounts_page_says_when_access_ends_soon_and_what_the_network_warns(people, monkeypatch, english):
    from django.urls import reverse

    from parvis.networks.linkedin import version
    from parvis.testing.factories import client_for

    account_expiring_in(people, days=3)
    account_expiring_in(people, days=40, remote_id="2")
    SocialAccount.objects.create(workspace=people["workspace"], network="linkedin",
                                 server_url="https://www.linkedin.com", remote_id="urn:li:organization:5",
                                 handle="@[Brûlerie](urn:li:organization:5)", credentials={"access_token": "t"})
    monkeypatch.setattr(version, "ending_within", lambda days, today=None: True)
    page = client_for(people["owner"]).get(reverse("web:accounts", args=[people["workspace"].pk]))
    html = page.content.decode()
    assert html.count('data-testid="account-warning"') >= 2
    assert "Access ends on" in html and html.count("Access ends on") == 1
    assert ">Brûlerie<" in html  # a LinkedIn page by its name, not its mention form

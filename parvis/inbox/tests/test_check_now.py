""""Check now": a reply that came after the last poll is read at the next dispatcher pass
instead of at the account's interval; rate-limited per workspace; from the inbox page and
the API, scoped like the rest of the inbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.api.models import ApiToken
from parvis.inbox import polling
from parvis.inbox.check_now import TooSoon, check_now, interval
from parvis.inbox.models import Item, Poller
from parvis.networks.models import AccountStatus, SocialAccount
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_once(mastodon_account, mastodon_server):
    """The brand's account was polled a moment ago; its next read is a minute or more away."""
    account, brand = mastodon_account
    polling.ensure_pollers()
    for poller in Poller.objects.filter(account=account).exclude(stream=Poller.REFRESH):
        polling.poll(poller.pk)
    assert polling.claim_due() == []
    return account, brand


def a_fan_replies(mastodon_server, brand) -> dict:
    fan = mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}")
    ours = mastodon_server.post_as(brand, "Nouvelle fournée !")
    return mastodon_server.post_as(fan, f"@{brand['username']} Il en reste ?", in_reply_to_id=ours["id"])


def run_due_polls() -> int:
    claimed = polling.claim_due()
    for poller_id in claimed:
        polling.poll(poller_id)
    return len(claimed)


def api_for(user) -> APIClient:
    _token, raw = ApiToken.issue(user, "tests")
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_check_now_reads_a_new_reply_at_the_next_pass(people, read_once, mastodon_server):
    account, brand = read_once
    theirs = a_fan_replies(mastodon_server, brand)
    assert run_due_polls() == 0  # without it, the reply waits for the interval
    result = check_now(people["workspace"])
    assert result.accounts == [account.handle]
    assert run_due_polls() >= 1
    assert Item.objects.filter(account=account, remote_id=theirs["id"], in_inbox=True).exists()
    refresh = Poller.objects.get(account=account, stream=Poller.REFRESH)
    assert refresh.next_poll_at > timezone.now()  # edits and deletions keep their own pace


def test_check_now_touches_only_the_workspaces_streams_and_not_those_backing_off(people, read_once):
    account, brand = read_once
    other = SocialAccount.objects.create(
        workspace=people["other_workspace"], network="mastodon", server_url=account.server_url,
        remote_id="other", handle="@rival@example.social", credentials=account.credentials)
    polling.ensure_pollers()
    later = timezone.now() + timedelta(minutes=10)
    Poller.objects.filter(account=other).update(next_poll_at=later)
    failing = Poller.objects.filter(account=account).exclude(stream=Poller.REFRESH).first()
    Poller.objects.filter(pk=failing.pk).update(failures=3, next_poll_at=later)
    check_now(people["workspace"])
    assert all(p.next_poll_at == later for p in Poller.objects.filter(account=other))
    assert Poller.objects.get(pk=failing.pk).next_poll_at == later  # a rate limit is obeyed


def test_check_now_is_rate_limited_per_workspace(people, read_once, english):
    account, brand = read_once
    now = timezone.now()
    check_now(people["workspace"], now)
    with pytest.raises(TooSoon) as refused:
        check_now(people["workspace"], now + timedelta(seconds=10))
    assert refused.value.retry_after == int(interval().total_seconds()) - 10
    assert "try again in 20 seconds" in refused.value.message
    check_now(people["other_workspace"], now + timedelta(seconds=10))  # another workspace's own turn
    assert check_now(people["workspace"], now + interval()).accounts == [account.handle]


def test_check_now_names_accounts_to_reconnect_and_says_when_there_is_nothing(people, english):
    assert check_now(people["workspace"]).message == "No connected account to check in this workspace."
    SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="9",
        handle="@old@example.social", credentials={"access_token": "x"}, status=AccountStatus.RECONNECT)
    result = check_now(people["workspace"], timezone.now() + interval())
    assert result.reconnect == ["@old@example.social"] and "Reconnect it" in result.message


def test_the_inbox_button_checks_now_then_asks_to_wait(people, read_once, english):
    client = client_for(people["viewer"])
    page = client.get(reverse("web:inbox_workspace", args=[people["workspace"].pk]))
    assert b'data-testid="check-now"' in page.content
    url = reverse("web:inbox_check_now_workspace", args=[people["workspace"].pk])
    response = client.post(url, {"list": "view=all"})
    assert response.status_code == 302 and response["Location"].endswith("?view=all")
    assert "Checking 1 account now" in [str(m) for m in get_messages(response.wsgi_request)][0]
    again = client.post(url)
    assert "try again in" in [str(m) for m in get_messages(again.wsgi_request)][-1]
    assert client.post(reverse("web:inbox_check_now_workspace", args=[people["other_workspace"].pk])
                       ).status_code == 404


def test_the_all_workspaces_inbox_checks_every_workspace_of_the_person(people, read_once, english):
    response = client_for(people["owner"]).post(reverse("web:inbox_check_now"))
    assert response.status_code == 302
    assert "Checking 1 account now" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_the_api_checks_now_then_answers_429_with_retry_after(people, read_once):
    account, brand = read_once
    api = api_for(people["viewer"])
    url = f"/api/v1/workspaces/{people['workspace'].pk}/inbox/check-now/"
    response = api.post(url)
    assert response.status_code == 202, response.content
    assert response.json()["accounts"] == [account.handle] and "Checking 1 account" in response.json()["message"]
    again = api.post(url)
    assert again.status_code == 429 and 1 <= int(again["Retry-After"]) <= 30
    assert "try again in" in again.json()["detail"]
    other = f"/api/v1/workspaces/{people['other_workspace'].pk}/inbox/check-now/"
    assert api.post(other).status_code == 404

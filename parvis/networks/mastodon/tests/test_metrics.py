"""The figures analytics reads from a Mastodon account: each status's counters and the
account's, against mastodon-mock on loopback (its 429 and 5xx shaped as Mastodon's)."""

from __future__ import annotations

import httpx
import pytest

from parvis.networks.base import ErrorKind, NetworkError, PublishRequest
from parvis.networks.mastodon.connector import MastodonConnector
from parvis.networks.mastodon.info import INFO
from parvis.testing.mastodon_server import LocalMastodon, LocalUser

pytestmark = pytest.mark.django_db


def _act(mastodon: LocalMastodon, user: LocalUser, path: str) -> None:
    response = httpx.post(mastodon.url + path, headers={"Authorization": f"Bearer {user['access_token']}"})
    response.raise_for_status()


def test_a_post_counts_the_likes_boosts_and_replies_of_others(mastodon_server, mastodon_account):
    account, _ = mastodon_account
    connector = MastodonConnector(account)
    post = connector.publish(PublishRequest(text="Nouvelle fournée", idempotency_key="metrics-1"))
    quiet = connector.publish(PublishRequest(text="Fermé lundi", idempotency_key="metrics-2"))
    fan = mastodon_server.create_user("fanmetrics1")
    critic = mastodon_server.create_user("criticmetrics1")
    for person in (fan, critic):
        _act(mastodon_server, person, f"/api/v1/statuses/{post.remote_id}/favourite")
    _act(mastodon_server, fan, f"/api/v1/statuses/{post.remote_id}/reblog")
    mastodon_server.post_as(critic, "Miam !", in_reply_to_id=post.remote_id)

    metrics = connector.fetch_metrics([post.remote_id, quiet.remote_id])

    assert metrics == {
        post.remote_id: {"favourites_count": 2, "reblogs_count": 1, "replies_count": 1},
        quiet.remote_id: {"favourites_count": 0, "reblogs_count": 0, "replies_count": 0},
    }
    assert {INFO.metric_names[name] for name in metrics[post.remote_id]} == {"likes", "reposts", "replies"}


def test_a_deleted_post_is_left_out_and_the_others_still_come(mastodon_account):
    account, _ = mastodon_account
    connector = MastodonConnector(account)
    kept = connector.publish(PublishRequest(text="Toujours là", idempotency_key="metrics-kept"))
    gone = connector.publish(PublishRequest(text="Bientôt effacé", idempotency_key="metrics-gone"))
    connector.delete(gone.remote_id)

    metrics = connector.fetch_metrics([gone.remote_id, kept.remote_id])

    assert metrics == {kept.remote_id: {"favourites_count": 0, "reblogs_count": 0, "replies_count": 0}}


def test_a_status_the_older_server_reads_one_by_one_is_counted_too(mastodon_server, mastodon_account):
    account, _ = mastodon_account
    connector = MastodonConnector(account)
    post = connector.publish(PublishRequest(text="Un par un", idempotency_key="metrics-single"))
    # A server before Mastodon 4.3 has no GET /api/v1/statuses?id[]=: it answers 404.
    mastodon_server.fail_next(404, body={"error": "Record not found"}, method="GET", path="/api/v1/statuses")
    gone = "109999999999999999"

    assert connector.fetch_metrics([post.remote_id, gone]) == {
        post.remote_id: {"favourites_count": 0, "reblogs_count": 0, "replies_count": 0}}
    assert mastodon_server.faults() == []  # the batch was asked first, and refused


def test_the_account_counts_its_followers_follows_and_posts(mastodon_server, mastodon_account):
    account, local = mastodon_account
    connector = MastodonConnector(account)
    connector.publish(PublishRequest(text="Bonjour", idempotency_key="metrics-account"))
    fan = mastodon_server.create_user("fanmetrics2")
    _act(mastodon_server, fan, f"/api/v1/accounts/{local['id']}/follow")

    counts = connector.fetch_account_metrics()

    assert counts == {"followers_count": 1, "following_count": 0, "statuses_count": 1}
    assert {INFO.metric_names[name] for name in counts} == {"followers", "following", "posts"}


@pytest.mark.parametrize("fault", ["rate_limit", "server_error"])
def test_a_rate_limit_or_a_server_error_is_transient(mastodon_server, mastodon_account, fault):
    account, _ = mastodon_account
    connector = MastodonConnector(account)
    post = connector.publish(PublishRequest(text="Plus tard", idempotency_key=f"metrics-{fault}"))
    if fault == "rate_limit":
        mastodon_server.rate_limit_next(retry_after=9, send_retry_after=False, method="GET", path=None, count=None)
    else:
        mastodon_server.fail_next(503, method="GET", path=None, count=None)
    try:
        with pytest.raises(NetworkError) as caught:
            connector.fetch_metrics([post.remote_id])
        with pytest.raises(NetworkError) as caught_account:
            connector.fetch_account_metrics()
    finally:
        mastodon_server.clear_faults()

    for error in (caught.value, caught_account.value):
        assert error.kind is ErrorKind.TRANSIENT and not error.uncertain
        if fault == "rate_limit":  # from X-RateLimit-Reset: real Mastodon sends no Retry-After
            assert 7 <= error.retry_after <= 9

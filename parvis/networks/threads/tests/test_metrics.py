"""Threads' figures against the fake, at the HTTP level: the account's followers (a user
insight), post insights revised after the fact, and a rate limit while reading them."""

from __future__ import annotations

import pytest

from parvis.networks.base import ErrorKind, NetworkError, PublishRequest, RemotePost
from parvis.networks.threads import metrics
from parvis.networks.threads.connector import ThreadsConnector
from parvis.networks.threads.info import INFO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def test_the_followers_read_back_exactly(threads, brand, threads_account):
    connector = ThreadsConnector(threads_account)
    threads.set_followers(brand.id, 1200)
    assert connector.fetch_account_metrics() == {"followers_count": 1200}
    threads.set_followers(brand.id, 1187)
    assert connector.fetch_account_metrics() == {"followers_count": 1187}
    asked = threads.requests_to(f"/v1.0/{brand.id}/threads_insights", "GET")[-1]
    assert asked.query["metric"] == "followers_count"


def test_a_revised_figure_is_read_as_meta_now_gives_it(threads, threads_account):
    threads.polls_until_finished = 0
    connector = ThreadsConnector(threads_account)
    post = connector.publish(PublishRequest(text="Fournée du jour", idempotency_key="k"))
    assert isinstance(post, RemotePost)
    threads.set_media_insights(post.remote_id, views=120, likes=7)
    assert connector.fetch_metrics([post.remote_id])[post.remote_id]["views"] == 120
    threads.set_media_insights(post.remote_id, views=180, likes=9)
    assert connector.fetch_metrics([post.remote_id]) == {post.remote_id: {
        "views": 180, "likes": 9, "replies": 0, "reposts": 0, "quotes": 0, "shares": 0}}


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_a_rate_limit_on_the_followers_is_transient_with_a_wait(threads, threads_account, code):
    threads.throttle_next(code, method="GET", path="/v1.0/*/threads_insights")
    error = refusal(ThreadsConnector(threads_account).fetch_account_metrics)
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after and error.retry_after >= 60


def test_a_429_on_insights_fails_the_read_after_retry_after(threads, threads_account):
    threads.polls_until_finished = 0
    connector = ThreadsConnector(threads_account)
    post = connector.publish(PublishRequest(text="Fournée du jour", idempotency_key="k"))
    assert isinstance(post, RemotePost)
    threads.fail_next(429, {"error": {"message": "(#4) Application request limit reached", "type": "OAuthException",
                                      "code": 4, "is_transient": True}},
                      method="GET", path="/v1.0/*/insights", headers={"Retry-After": "120"})
    error = refusal(lambda: connector.fetch_metrics([post.remote_id]))
    assert (error.kind, error.retry_after) == (ErrorKind.TRANSIENT, 120)


def test_every_name_read_is_mapped_under_the_same_name_but_followers():
    read = set(metrics.METRICS) | set(metrics.ACCOUNT_METRICS)
    assert set(INFO.metric_names) == read
    assert {theirs for theirs, ours in INFO.metric_names.items() if theirs != ours} == {"followers_count"}
    assert INFO.metrics_settle is not None and INFO.metrics_settle.total_seconds() == 48 * 3600

"""Facebook's figures against the fake, at the HTTP level: the Page's counts, post
insights that Meta revises after the fact, and a rate limit while reading them."""

from __future__ import annotations

import pytest

from parvis.networks.base import ErrorKind, NetworkError, PublishRequest
from parvis.networks.facebook import metrics
from parvis.networks.facebook.info import INFO
from parvis.testing.meta_graph import graph_error
from parvis.testing.meta_server import THROTTLES

pytestmark = pytest.mark.usefixtures("english")


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def test_the_pages_counts_read_back_exactly(meta, connector, page):
    meta.set_counts(page.id, followers_count=1520, fan_count=1490)
    assert connector.fetch_account_metrics() == {"followers_count": 1520, "fan_count": 1490}
    meta.set_counts(page.id, followers_count=1521)
    assert connector.fetch_account_metrics() == {"followers_count": 1521, "fan_count": 1490}
    asked = meta.requests_to(f"*/{page.id}", "GET")[-1]
    assert asked.query["fields"] == "followers_count,fan_count"


def test_a_revised_figure_is_read_as_meta_now_gives_it(meta, connector):
    post = connector.publish(PublishRequest(text="Fournée du jour", idempotency_key="k"))
    meta.set_insights(post.remote_id, post_media_view=80, post_reactions_like_total=4)
    assert connector.fetch_metrics([post.remote_id])[post.remote_id]["post_media_view"] == 80
    meta.set_insights(post.remote_id, post_media_view=95, post_total_media_view_unique=60)
    assert connector.fetch_metrics([post.remote_id]) == {post.remote_id: {
        "post_media_view": 95, "post_total_media_view_unique": 60, "post_reactions_like_total": 4, "post_clicks": 0}}


@pytest.mark.parametrize(("status", "code"), [(400, 4), (400, 17), (400, 32), (400, 613), (429, 4)])
def test_a_rate_limit_on_the_counts_is_transient_with_a_wait(meta, connector, page, status, code):
    body = graph_error(THROTTLES[code], code, transient=True).response.body
    meta.fail_next(status, body, method="GET", path=f"*/{page.id}")
    error = refusal(connector.fetch_account_metrics)
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after and error.retry_after > 0


def test_a_rate_limit_on_insights_fails_the_read_rather_than_dropping_the_post(meta, connector, page):
    post = connector.publish(PublishRequest(text="Fournée du jour", idempotency_key="k"))
    meta.throttle_next(32, method="GET", path="*/insights", owner=page.id, minutes=3)
    error = refusal(lambda: connector.fetch_metrics([post.remote_id]))
    assert (error.kind, error.retry_after) == (ErrorKind.TRANSIENT, 180)


def test_every_name_read_is_mapped_but_the_fan_count():
    read = set(metrics.POST_METRICS) | set(metrics.PAGE_FIELDS)
    assert read - set(INFO.metric_names) == {"fan_count"}
    assert INFO.metrics_settle is not None and INFO.metrics_settle.total_seconds() == 48 * 3600

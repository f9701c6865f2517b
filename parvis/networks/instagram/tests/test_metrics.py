"""Instagram's figures against the fake, at the HTTP level, through both logins: the
account's counts, media insights that Meta revises after the fact, and a rate limit."""

from __future__ import annotations

import pytest

from parvis.networks.base import ErrorKind
from parvis.networks.instagram import metrics
from parvis.networks.instagram.info import INFO
from parvis.networks.instagram.tests.test_connector import published, refusal
from parvis.testing.meta_graph import graph_error
from parvis.testing.meta_server import THROTTLES

pytestmark = pytest.mark.usefixtures("english")




def test_the_accounts_counts_read_back_exactly(meta, files, ig, connector):
    meta.set_counts(ig.id, followers_count=5400, follows_count=87)
    published(meta, files, connector)
    assert connector.fetch_account_metrics() == {"followers_count": 5400, "follows_count": 87, "media_count": 1}
    meta.set_counts(ig.id, followers_count=5399, media_count=342)
    assert connector.fetch_account_metrics() == {"followers_count": 5399, "follows_count": 87, "media_count": 342}


def test_instagram_login_reads_the_same_counts(meta, solo, solo_connector):
    meta.set_counts(solo.id, followers_count=1200, follows_count=3, media_count=40)
    assert solo_connector.fetch_account_metrics() == {"followers_count": 1200, "follows_count": 3, "media_count": 40}


def test_a_revised_figure_is_read_as_meta_now_gives_it(meta, files, connector):
    media_id = published(meta, files, connector)
    meta.set_insights(media_id, views=340, reach=200, saved=3)
    assert connector.fetch_metrics([media_id])[media_id]["views"] == 340
    meta.set_insights(media_id, views=410, reach=260)
    assert connector.fetch_metrics([media_id]) == {media_id: {
        "views": 410, "reach": 260, "likes": 0, "comments": 0, "saved": 3, "shares": 0, "total_interactions": 0}}


@pytest.mark.parametrize(("status", "code"), [(400, 4), (400, 17), (400, 32), (400, 613), (429, 4)])
def test_a_rate_limit_on_the_counts_is_transient_with_a_wait(meta, ig, connector, status, code):
    body = graph_error(THROTTLES[code], code, transient=True).response.body
    meta.fail_next(status, body, method="GET", path=f"*/{ig.id}")
    error = refusal(connector.fetch_account_metrics)
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after and error.retry_after > 0


def test_a_rate_limit_on_insights_fails_the_read_rather_than_dropping_the_media(meta, files, solo, solo_connector):
    media_id = published(meta, files, solo_connector)
    meta.throttle_next(80002, method="GET", path="*/insights", owner=solo.id, minutes=2)
    error = refusal(lambda: solo_connector.fetch_metrics([media_id]))
    assert (error.kind, error.retry_after) == (ErrorKind.TRANSIENT, 120)


def test_every_name_read_is_mapped_but_the_total_of_interactions():
    read = set(metrics.MEDIA_METRICS) | set(metrics.ACCOUNT_FIELDS)
    assert read - set(INFO.metric_names) == {"total_interactions"}
    assert INFO.metric_names["saved"] == "saves" and INFO.metric_names["comments"] == "replies"
    assert INFO.metrics_settle is not None and INFO.metrics_settle.total_seconds() == 48 * 3600

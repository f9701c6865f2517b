"""Figures read on a schedule kept in the database: each post at +1 h … +30 days then no
more, each account once a day early in its workspace's morning, rate limits and late
(provisional) figures respected, every reading kept, the roll-up kept current."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from parvis.analytics import collect
from parvis.analytics.models import AccountFigures, AccountSnapshot, DailyFigures, PostFigures, PostSnapshot
from parvis.analytics.tests.helpers import ScriptedMetrics, published
from parvis.networks import registry
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.models import AccountStatus
from parvis.testing.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# LinkedIn's names: reactions → likes, comments → replies, shares → reposts, impressions → views.
FIGURES = {"reactions": 12, "comments": 3, "shares": 2, "impressions": 400, "clicks": 9, "reach": 310}


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> ScriptedMetrics:
    scripted = ScriptedMetrics()
    monkeypatch.setattr(registry, "connector_for", lambda account: scripted)
    return scripted


@pytest.fixture
def account(people: dict) -> object:
    return make_account(people["workspace"], "linkedin", server_url="https://api.linkedin.com",
                        remote_id="urn:li:organization:1", handle="Boulangerie", credentials={"access_token": "x"})


def test_a_post_is_read_at_one_six_24_72_hours_7_and_30_days_then_no_more() -> None:
    out = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    moments, now = [], out
    while (due := collect.next_reading(out, now)) is not None:
        moments.append(due - out)
        now = due
    assert moments == [timedelta(hours=1), timedelta(hours=6), timedelta(hours=24), timedelta(hours=72),
                       timedelta(days=7), timedelta(days=30)]


def test_a_missed_reading_is_not_made_up_the_next_comes_from_the_clock() -> None:
    out = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    # the worker was down from +50 min to +2 days: the next reading is the +72 h one
    assert collect.next_reading(out, out + timedelta(days=2)) == out + timedelta(hours=72)
    assert collect.next_reading(out, out + timedelta(days=31)) is None


def test_new_publications_and_accounts_get_a_schedule_once(account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    old = published(account, now - timedelta(days=40))
    assert collect.follow_new(now) == 2  # the post of 20 min ago and the account
    assert collect.follow_new(now) == 0
    figures = PostFigures.objects.get()
    assert figures.publication == pub and figures.due_at == pub.published_at + timedelta(hours=1)
    assert not PostFigures.objects.filter(publication=old).exists()  # older than 30 days: not followed
    assert AccountFigures.objects.get().due_at == now  # a new account is read at once


def test_a_reading_is_kept_as_a_snapshot_and_becomes_the_posts_latest_figures(
        account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    network.account = {"followers": 800}
    collect.follow_new(now)
    collect.read_account(AccountFigures.objects.get().pk, now=now)
    network.posts[pub.remote_id] = FIGURES
    first = pub.published_at + timedelta(hours=1)
    assert collect.read_posts([PostFigures.objects.get().pk], now=first - timedelta(minutes=1)) == 0  # not due yet
    assert collect.read_posts([PostFigures.objects.get().pk], now=first) == 1
    figures = PostFigures.objects.get()
    assert figures.values == {"likes": 12, "replies": 3, "reposts": 2, "views": 400, "clicks": 9, "reach": 310}
    assert figures.interactions == 17 and figures.views == 400 and figures.followers == 800
    assert figures.due_at == pub.published_at + timedelta(hours=6) and figures.readings == 1
    # a revised figure: a new snapshot, the old one kept
    network.posts[pub.remote_id] = {**FIGURES, "reactions": 20}
    collect.read_posts([figures.pk], now=pub.published_at + timedelta(hours=6))
    assert [s.values["likes"] for s in PostSnapshot.objects.order_by("taken_at")] == [12, 20]
    assert PostFigures.objects.get().interactions == 25


def test_untrusted_counters_that_are_not_counts_are_dropped(account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    collect.follow_new(now)
    network.posts[pub.remote_id] = {"reactions": -4, "comments": True, "shares": "7", "impressions": 5,
                                    "engagement": 3}
    collect.read_posts([PostFigures.objects.get().pk], now=pub.published_at + timedelta(hours=1))
    assert PostFigures.objects.get().values == {"views": 5}


def test_a_post_gone_from_the_network_waits_for_its_next_step(account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    collect.follow_new(now)
    assert collect.read_posts([PostFigures.objects.get().pk], now=pub.published_at + timedelta(hours=1)) == 0
    figures = PostFigures.objects.get()
    assert network.asked == [[pub.remote_id]]  # asked, and the network had nothing
    assert figures.readings == 0 and figures.due_at == pub.published_at + timedelta(hours=6)


def test_a_rate_limit_moves_back_every_due_reading_of_the_account(account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    published(account, now - timedelta(hours=2)), published(account, now - timedelta(hours=3))
    collect.follow_new(now)
    later = now + timedelta(hours=5)
    batch = collect.claim_post_batches(later)[account.pk]  # type: ignore[attr-defined]
    network.error = NetworkError("Too many requests", ErrorKind.TRANSIENT, retry_after=900)
    assert collect.read_posts(batch[:1], now=later) == 0
    for figures in PostFigures.objects.all():
        assert figures.due_at >= later + timedelta(seconds=900)
    assert AccountFigures.objects.get().due_at >= later + timedelta(seconds=900)  # the same quota
    tried, other = PostFigures.objects.get(pk=batch[0]), PostFigures.objects.exclude(pk=batch[0]).get()
    assert "Too many requests" in tried.last_error and tried.failures == 1
    assert other.failures == 0 and other.readings == 0


def test_a_refused_login_flags_the_account_once_and_its_readings_wait(
        account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    collect.follow_new(now)
    network.error = NetworkError("token revoked", ErrorKind.RECONNECT)
    collect.read_posts([PostFigures.objects.get().pk], now=pub.published_at + timedelta(hours=1))
    account.refresh_from_db()  # type: ignore[attr-defined]
    assert account.status == AccountStatus.RECONNECT  # type: ignore[attr-defined]
    # while it waits for a person, nothing of it is claimed
    assert collect.claim_post_batches(now + timedelta(days=2)) == {}


def test_figures_read_before_the_network_settles_them_are_provisional(
        account: object, network: ScriptedMetrics, monkeypatch: pytest.MonkeyPatch) -> None:
    info = dataclasses.replace(registry.NETWORKS["linkedin"], metrics_settle=timedelta(hours=48))
    monkeypatch.setitem(registry.NETWORKS, "linkedin", info)
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    collect.follow_new(now)
    network.posts[pub.remote_id] = FIGURES
    collect.read_posts([PostFigures.objects.get().pk], now=pub.published_at + timedelta(hours=1))
    assert PostFigures.objects.get().provisional
    assert DailyFigures.objects.get().provisional
    collect.read_posts([PostFigures.objects.get().pk], now=pub.published_at + timedelta(hours=72))
    assert not PostFigures.objects.get().provisional
    assert [s.provisional for s in PostSnapshot.objects.order_by("taken_at")] == [True, False]


def test_an_account_is_read_each_morning_in_its_workspaces_time_zone(account: object, network: ScriptedMetrics) -> None:
    # Paris is UTC+1 in winter, UTC+2 in summer: 05:00 there is 04:00 or 03:00 UTC.
    winter = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)
    workspace = account.workspace  # type: ignore[attr-defined]
    assert collect.next_morning(workspace, winter) == datetime(2026, 1, 11, 4, 0, tzinfo=UTC)
    assert collect.next_morning(workspace, summer) == datetime(2026, 7, 11, 3, 0, tzinfo=UTC)
    # the night the clocks go forward (29 March 2026) still has its 05:00
    assert collect.next_morning(workspace, datetime(2026, 3, 28, 12, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 3, 0, tzinfo=UTC)


def test_the_morning_pass_reads_again_the_recent_posts_not_read_lately(
        account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    stale = published(account, now - timedelta(days=3, hours=4))
    fresh = published(account, now - timedelta(days=3, hours=5))
    waiting = published(account, now - timedelta(days=3, hours=6))  # waiting out a rate limit
    new = published(account, now - timedelta(minutes=10))  # not read yet: its +1 h comes first
    collect.follow_new(now)
    later = now + timedelta(days=4)
    PostFigures.objects.filter(publication=stale).update(taken_at=now - timedelta(hours=20), due_at=later)
    PostFigures.objects.filter(publication=fresh).update(taken_at=now - timedelta(hours=1), due_at=later)
    PostFigures.objects.filter(publication=waiting).update(taken_at=now - timedelta(hours=20), failures=1,
                                                           due_at=now + timedelta(minutes=30))
    network.account = {"followers": 1500}
    assert collect.read_account(AccountFigures.objects.get().pk, now=now)
    assert PostFigures.objects.get(publication=stale).due_at == now
    assert PostFigures.objects.get(publication=fresh).due_at == later
    assert PostFigures.objects.get(publication=waiting).due_at == now + timedelta(minutes=30)
    assert PostFigures.objects.get(publication=new).due_at == new.published_at + timedelta(hours=1)
    row = AccountFigures.objects.get()
    assert row.followers == 1500 and row.due_at == collect.next_morning(row.workspace, now)
    assert AccountSnapshot.objects.get().followers == 1500


def test_the_daily_roll_up_sums_the_days_posts_and_keeps_the_days_last_follower_count(
        account: object, network: ScriptedMetrics) -> None:
    workspace = account.workspace  # type: ignore[attr-defined]
    day = datetime.now(UTC).astimezone(workspace.tz).date() - timedelta(days=3)
    start, _end = collect.local_day_bounds(day, workspace)
    pubs = [published(account, start + timedelta(hours=h)) for h in (8, 12, 23)]
    published(account, start + timedelta(hours=24, minutes=30))  # the next local day
    collect.follow_new(start + timedelta(days=2))
    for n, pub in enumerate(pubs):
        network.posts[pub.remote_id] = {"reactions": 10 * (n + 1), "impressions": 100}
    network.account = {"followers": 700}
    collect.read_account(AccountFigures.objects.get().pk, now=start + timedelta(hours=7))
    network.account = {"followers": 720}
    collect.read_account(AccountFigures.objects.get().pk, now=start + timedelta(hours=20))
    collect.read_posts(list(PostFigures.objects.values_list("pk", flat=True)), now=start + timedelta(days=5))
    row = DailyFigures.objects.get(day=day)
    assert (row.posts, row.interactions, row.views, row.followers) == (3, 60, 300, 720)
    assert DailyFigures.objects.get(day=day + timedelta(days=1)).posts == 1
    # the roll-up can always be recomputed from what was kept, to the same rows
    fields = ("day", "followers", "posts", "interactions", "views", "reach", "clicks", "provisional")
    kept = list(DailyFigures.objects.order_by("day").values_list(*fields))
    DailyFigures.objects.all().delete()
    assert collect.rebuild(account) == len(kept)  # type: ignore[arg-type]
    assert list(DailyFigures.objects.order_by("day").values_list(*fields)) == kept


def test_a_batch_queued_twice_is_read_once(account: object, network: ScriptedMetrics) -> None:
    now = datetime.now(UTC)
    pub = published(account, now - timedelta(minutes=20))
    collect.follow_new(now)
    network.posts[pub.remote_id] = FIGURES
    first = pub.published_at + timedelta(hours=1)
    batch = collect.claim_post_batches(first)[account.pk]  # type: ignore[attr-defined]
    # a slow job, claimed again after REQUEUE: both run
    again = collect.claim_post_batches(first + collect.REQUEUE + timedelta(minutes=1))[account.pk]  # type: ignore[attr-defined]
    assert again == batch
    assert collect.read_posts(batch, now=first + timedelta(minutes=20)) == 1
    assert collect.read_posts(again, now=first + timedelta(minutes=21)) == 0
    assert PostFigures.objects.get().readings == 1 and PostSnapshot.objects.count() == 1


def test_one_job_reads_at_most_a_batch_of_one_account_the_rest_waits(account: object, network: ScriptedMetrics,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collect, "POSTS_PER_JOB", 3)
    now = datetime.now(UTC)
    for n in range(5):
        published(account, now - timedelta(hours=2, minutes=n))
    collect.follow_new(now)
    later = now + timedelta(hours=5)
    batches = collect.claim_post_batches(later)
    assert [len(b) for b in batches.values()] == [3]
    assert [len(b) for b in collect.claim_post_batches(later).values()] == [2]  # the rest, at the next pass
    assert collect.claim_post_batches(later) == {}


def test_networks_without_figures_are_not_followed(people: dict, network: ScriptedMetrics) -> None:
    blog = make_account(people["workspace"], "wordpress", server_url="https://blog.test", remote_id="1",
                        handle="blog")
    now = datetime.now(UTC)
    published(blog, now - timedelta(hours=2))
    assert collect.follow_new(now) == 0

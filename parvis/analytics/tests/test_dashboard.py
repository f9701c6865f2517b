"""The dashboard's figures, on seeded figures with answers worked out by hand: both
engagement rates (total ÷ total and the mean of posts), the period before, followers
carried over days without a count, top and bottom posts, and the agency's view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from parvis.analytics import collect, dashboard
from parvis.analytics.dashboard import Period, PeriodError
from parvis.analytics.models import AccountSnapshot, PostFigures
from parvis.analytics.tests.helpers import published
from parvis.testing.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = date(2026, 11, 30)


def figures(account: object, when: datetime, interactions: int, views: int | None,
            followers: int | None) -> PostFigures:
    pub = published(account, when)
    row = PostFigures.objects.create(
        publication=pub, workspace=pub.account.workspace, account=pub.account, published_at=when,
        values={"likes": interactions, **({"views": views} if views is not None else {})},
        interactions=interactions, views=views, followers=followers, taken_at=when + timedelta(days=1), readings=1)
    collect.roll_up(pub.account, {when})
    return row


def count(account: object, when: datetime, followers: int) -> None:
    AccountSnapshot.objects.create(account=account, taken_at=when, followers=followers, values={"followers": followers})
    collect.roll_up(account, {when})  # type: ignore[arg-type]


@pytest.fixture
def account(people: dict) -> object:
    return make_account(people["workspace"], "mastodon")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_both_engagement_rates_total_over_total_and_mean_of_posts(account: object, people: dict) -> None:
    figures(account, at(10), interactions=10, views=100, followers=1000)   # 1 % / 10 %
    figures(account, at(11), interactions=90, views=300, followers=1000)   # 9 % / 30 %
    figures(account, at(12), interactions=5, views=None, followers=None)   # counted, in no rate
    board = dashboard.build([people["workspace"].pk], Period(date(2026, 11, 1), date(2026, 11, 29)), UTC)
    t = board.totals
    assert (t.posts, t.interactions, t.views) == (3, 105, 400)
    assert t.rate_followers_total == 5.0  # (10 + 90) / (1000 + 1000)
    assert t.rate_followers_mean == 5.0   # (1 + 9) / 2
    assert t.rate_views_total == 25.0     # 100 / 400
    assert t.rate_views_mean == 20.0      # (10 + 30) / 2: the mean of posts differs


def test_a_period_is_compared_with_the_same_number_of_days_before(account: object, people: dict) -> None:
    figures(account, at(5), interactions=40, views=None, followers=None)    # the period before
    figures(account, at(20), interactions=50, views=None, followers=None)
    figures(account, at(21), interactions=10, views=None, followers=None)
    period = Period(date(2026, 11, 16), date(2026, 11, 29))
    assert period.previous() == Period(date(2026, 11, 2), date(2026, 11, 15))
    board = dashboard.build([people["workspace"].pk], period, UTC)
    change = board.changes["interactions"]
    assert (change.value, change.before, change.difference, change.percent) == (60, 40, 20, 50.0)
    assert board.changes["posts"].percent == 100.0


def test_followers_are_carried_over_days_without_a_count(account: object, people: dict) -> None:
    count(account, at(1, 4), 500)
    count(account, at(3, 4), 520)
    count(account, at(6, 4), 560)
    board = dashboard.build([people["workspace"].pk], Period(date(2026, 11, 2), date(2026, 11, 7)), UTC)
    assert board.followers[0].values == [500, 520, 520, 520, 560, 560]
    assert (board.totals.followers, board.totals.followers_change) == (560, 60)


def test_top_and_bottom_posts_and_the_stamp_of_when_figures_were_collected(account: object, people: dict) -> None:
    for n, interactions in enumerate([3, 50, 7, 0, 21, 9]):
        figures(account, at(10 + n), interactions=interactions, views=None, followers=100)
    board = dashboard.build([people["workspace"].pk], Period(date(2026, 11, 1), date(2026, 11, 29)), UTC)
    assert [p.interactions for p in board.top] == [50, 21, 9, 7, 3]
    assert [p.interactions for p in board.bottom] == [0, 3, 7, 9, 21]
    assert board.top[0].rate_followers == 50.0
    assert board.collected_at == at(15) + timedelta(days=1)


def test_a_clients_days_are_its_own_time_zones(account: object, people: dict) -> None:
    # 23:30 UTC on the 9th is the 10th in Paris: the client's day, whoever looks.
    figures(account, datetime(2026, 11, 9, 23, 30, tzinfo=UTC), interactions=8, views=None, followers=None)
    ids, paris = [people["workspace"].pk], people["workspace"].tz
    assert dashboard.build(ids, Period(date(2026, 11, 10), date(2026, 11, 10)), paris).totals.posts == 1
    assert dashboard.build(ids, Period(date(2026, 11, 9), date(2026, 11, 9)), paris).totals.posts == 0


def test_the_agency_view_sums_every_client_and_lists_each(people: dict) -> None:
    from parvis.accounts.actions import create_workspace

    other = create_workspace(people["organisation"], "Fromagerie", people["owner"], "Europe/Paris", "fr")
    first, second = make_account(people["workspace"], "mastodon"), make_account(other, "mastodon", remote_id="2")
    figures(first, at(10), interactions=10, views=None, followers=100)
    figures(second, at(11), interactions=30, views=None, followers=100)
    period = Period(date(2026, 11, 1), date(2026, 11, 29))
    board = dashboard.build([people["workspace"].pk, other.pk], period, UTC, by_workspace=True)
    assert board.totals.interactions == 40
    assert [(w.account, w.totals.interactions) for w in board.workspaces] == [
        ("Boulangerie Dupont", 10), ("Fromagerie", 30)]
    one = dashboard.build([other.pk], period, UTC)
    assert one.totals.interactions == 30 and one.workspaces == []


@pytest.mark.parametrize(("query", "field"), [
    ({"days": "12"}, "days"), ({"days": "-1"}, "days"), ({"start": "2026-13-01", "end": "2026-11-02"}, "start"),
    ({"start": "2026-11-10", "end": "2026-11-01"}, "end"), ({"start": "2020-01-01", "end": "2026-11-01"}, "start"),
    ({"start": "2026-11-01"}, "end"),
])
def test_a_wrong_period_names_its_field(query: dict, field: str) -> None:
    with pytest.raises(PeriodError) as raised:
        dashboard.period_of(query, TODAY)
    assert raised.value.field == field


def test_the_last_n_days_end_yesterday() -> None:
    assert dashboard.period_of({"days": "7"}, TODAY) == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert dashboard.period_of({}, TODAY).days == 30


@pytest.mark.parametrize("query", [{"start": "9999-12-31", "end": "9999-12-31"}, {"start": "0001-01-01",
                                                                                    "end": "0001-01-02"}])
def test_a_day_out_of_the_years_parvis_computes_with_is_named(query: dict) -> None:
    with pytest.raises(PeriodError) as error:
        dashboard.period_of(query, TODAY)
    assert error.value.field == "start"

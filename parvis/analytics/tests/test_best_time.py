"""Best time to post and timing experiments, on seeded histories whose answers are known:
each post relative to the account's median, by weekday and 3-hour slot in the
workspace's zone, thin slots pulled toward the average, the posts behind each cell;
an experiment's result said plainly, with a rank test checked against known values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from parvis.analytics import best_time, experiments
from parvis.analytics.experiments import ExperimentError
from parvis.analytics.tests.test_dashboard import figures
from parvis.testing.factories import make_account

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 2, tzinfo=PARIS)  # a Monday, in winter time (UTC+1)


def at(weeks: int, weekday: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(weeks=weeks, days=weekday, hours=hour, minutes=minute)


def test_a_post_counts_relative_to_the_accounts_usual_post() -> None:
    assert best_time.relative_scores([10, 20, 40]) == [0.5, 1.0, 2.0]
    assert best_time.relative_scores([0, 0, 3]) == [0.0, 0.0, 3.0]  # a median of 0 counts as 1


def test_the_best_slot_of_a_seeded_history_is_found_in_the_workspaces_zone() -> None:
    posts = []
    for week in range(6):
        posts.append((at(week, 1, 10), 60))   # Tuesdays at 10:00 Paris: twice the usual
        posts.append((at(week, 3, 18), 30))   # Thursdays at 18:00: usual
        posts.append((at(week, 4, 7), 15))    # Fridays at 07:00: half
    found = best_time.compute(posts, PARIS)
    tuesday = found.grid[1][10 // 3]
    assert (tuesday.posts, tuesday.raw) == (6, 2.0)
    assert found.best[0] is tuesday and found.best[0].starts == time(9)
    # the same posts read in UTC fall an hour earlier (09:00 UTC): still the 09–12 slot,
    # but Friday 07:00 Paris is 06:00 UTC, the 06–09 slot
    assert best_time.compute(posts, ZoneInfo("UTC")).grid[4][2].posts == 6


def test_a_thin_slot_is_pulled_toward_the_average_and_says_how_many_posts_it_has() -> None:
    posts = [(at(week, 2, 12), 30) for week in range(10)]  # usual Wednesdays at noon
    posts += [(at(0, 5, 20), 300)]                           # one lucky Saturday night post
    posts += [(at(week, 0, 9), 45) for week in range(8)]     # Mondays at 9, regularly better
    found = best_time.compute(posts, PARIS)
    lucky, monday = found.grid[5][20 // 3], found.grid[0][9 // 3]
    assert lucky.posts == 1 and lucky.raw == 10.0
    average = found.average
    assert lucky.score == pytest.approx((10.0 + 3 * average) / 4, abs=0.001)
    assert monday.posts == 8 and monday.raw == 1.5
    assert found.best[0] is lucky  # still first, but pulled from 10 to about 3
    assert lucky.score < 4


def test_too_short_a_history_suggests_nothing() -> None:
    found = best_time.compute([(at(0, 1, 10), 5)] * 3, PARIS)
    assert not found.enough and found.best == []


def test_the_rank_test_matches_known_values() -> None:
    # Mann-Whitney U, two-sided, normal approximation with continuity correction:
    # 0.01219 for two fully separated groups of five (as scipy's mannwhitneyu(..., method="asymptotic")).
    assert experiments.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(0.01219, abs=1e-4)
    assert experiments.mann_whitney_p([1, 2, 3], [1, 2, 3]) == 1.0
    assert experiments.mann_whitney_p([], [1]) == 1.0


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_an_experiment_says_which_time_did_better_and_whether_it_is_clear(people: dict) -> None:
    account = make_account(people["workspace"], "mastodon")
    start = date(2026, 11, 2)
    exp = experiments.start(account, weekday=1, time_a=time(8), time_b=time(12, 30), starts_on=start, weeks=4)
    for week in range(4):
        figures(account, at(week, 1, 8, 5), interactions=20 + week, views=None, followers=None)
        figures(account, at(week, 1, 12, 40), interactions=40 + week, views=None, followers=None)
        figures(account, at(week, 3, 12, 30), interactions=30, views=None, followers=None)  # a Thursday: not counted
    figures(account, at(1, 1, 10, 15), interactions=500, views=None, followers=None)  # between the two: not counted
    now = datetime(2026, 12, 5, tzinfo=UTC)
    found = experiments.result(exp, now)
    assert (found.a.posts, found.b.posts, found.winner, found.over) == (4, 4, "b", True)
    assert found.lift == pytest.approx(100 * (41.5 - 21.5) / 21.5, abs=0.1)
    assert found.summary.startswith("12:30 did better than 08:00: +93 % engagement per post (4 posts against 4).")
    assert "clear" in found.summary or "chance" in found.summary


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_an_experiment_without_enough_posts_says_so_and_when_it_ends(people: dict) -> None:
    account = make_account(people["workspace"], "mastodon")
    exp = experiments.start(account, 1, time(8), time(12, 30), date(2026, 11, 2), weeks=4)
    figures(account, at(0, 1, 8), interactions=20, views=None, followers=None)
    found = experiments.result(exp, datetime(2026, 11, 10, tzinfo=UTC))
    assert found.winner == "" and not found.over
    assert found.summary == ("Not enough posts yet: 08:00 has 1, 12:30 has 0 (3 each are needed). "
                             "The experiment runs until 30 November.")


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("args", "field"), [
    ((7, time(8), time(12)), "weekday"), ((1, time(8), time(8)), "time_b"), ((1, time(8), time(9)), "time_b"),
])
def test_a_wrong_experiment_names_its_field(people: dict, args: tuple, field: str) -> None:
    account = make_account(people["workspace"], "mastodon")
    with pytest.raises(ExperimentError) as raised:
        experiments.start(account, *args, starts_on=date(2026, 11, 2))
    assert raised.value.field == field


@pytest.mark.django_db
def test_an_experiment_can_put_both_times_in_the_accounts_queue(people: dict) -> None:
    from parvis.publishing import queue

    account = make_account(people["workspace"], "mastodon")
    experiments.start(account, 1, time(8), time(12, 30), date(2026, 11, 2), add_to_queue=True,
                      person=people["owner"])
    assert sorted(queue.slots_of(account)) == [(1, time(8)), (1, time(12, 30))]

"""The calendar's cells in the viewer's zone: a local day starts at local midnight on both
sides of a daylight saving change, the hour repeated when clocks go back is one half-hour
cell of two ranges, the hour skipped when they go forward has no cell; and the events of
a cell are read in time order whatever the zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from parvis.networks.models import SocialAccount
from parvis.publishing.models import Post, Publication, State
from parvis.publishing.plan import PlanFilters, day_number, month_days, slot_number, span, week_days
from parvis.publishing.plan_cells import cell_page, cell_ranges, cells_between, planned, utc_offsets

PARIS = ZoneInfo("Europe/Paris")


def test_offsets_change_at_the_second_clocks_change():
    first, changes = utc_offsets(PARIS, datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 11, 1, tzinfo=UTC))
    assert first == 3600
    assert changes == [(datetime(2030, 3, 31, 1, 0, tzinfo=UTC), 7200),
                       (datetime(2030, 10, 27, 1, 0, tzinfo=UTC), 3600)]


def test_days_start_at_local_midnight_across_a_change():
    days = month_days(date(2030, 3, 15))
    ranges = cell_ranges(PARIS, *span(days, PARIS), 24 * 60)
    assert [r.cell for r in ranges] == [day_number(d) for d in days]
    assert [r.start for r in ranges] == [datetime.combine(d, time.min, PARIS) for d in days]
    sunday = next(r for r in ranges if r.cell == day_number(date(2030, 3, 31)))
    assert sunday.end - sunday.start == timedelta(hours=23)


def test_the_repeated_hour_is_one_cell_of_two_ranges_and_the_skipped_hour_has_none():
    autumn = cell_ranges(PARIS, *span(week_days(date(2030, 10, 27)), PARIS), 30)
    two = [r for r in autumn if r.cell == slot_number(date(2030, 10, 27), time(2, 0))]
    assert [(r.start, r.end) for r in two] == [
        (datetime(2030, 10, 27, 0, 0, tzinfo=UTC), datetime(2030, 10, 27, 0, 30, tzinfo=UTC)),
        (datetime(2030, 10, 27, 1, 0, tzinfo=UTC), datetime(2030, 10, 27, 1, 30, tzinfo=UTC))]
    spring = cell_ranges(PARIS, *span(week_days(date(2030, 3, 31)), PARIS), 30)
    cells = {r.cell for r in spring}
    assert slot_number(date(2030, 3, 31), time(2, 0)) not in cells
    assert slot_number(date(2030, 3, 31), time(1, 30)) in cells and slot_number(date(2030, 3, 31), time(3, 0)) in cells
    # Every instant of the week is in exactly one range.
    assert all(a.end == b.start for a, b in zip(spring, spring[1:], strict=False))


def test_half_hours_follow_the_local_clock_in_a_zone_off_the_hour():
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45
    ranges = cell_ranges(kathmandu, *span([date(2030, 1, 7)], kathmandu), 30)
    assert len(ranges) == 48
    assert ranges[0].start == datetime(2030, 1, 6, 18, 15, tzinfo=UTC)
    assert ranges[19].cell == slot_number(date(2030, 1, 7), time(9, 30))
    assert ranges[19].start == datetime(2030, 1, 7, 3, 45, tzinfo=UTC)


@pytest.mark.django_db
def test_both_occurrences_of_a_repeated_half_hour_are_in_its_cell_in_time_order(people: dict[str, Any]):
    workspace = people["workspace"]
    account = SocialAccount.objects.create(workspace=workspace, network="bluesky", server_url="https://bsky.social",
                                           remote_id="did:plc:x", handle="@brand.bsky.social")
    # 02:15 summer time, then 02:15 winter time (an hour later), then 03:05 winter time.
    for text, at in (("second", datetime(2030, 10, 27, 1, 15, tzinfo=UTC)),
                     ("first", datetime(2030, 10, 27, 0, 15, tzinfo=UTC)),
                     ("later", datetime(2030, 10, 27, 2, 5, tzinfo=UTC))):
        post = Post.objects.create(workspace=workspace, text=text, scheduled_at=at)
        Publication.objects.create(post=post, account=account, state=State.SCHEDULED, due_at=at)
    publications = planned([workspace.pk], PlanFilters())
    days = week_days(date(2030, 10, 27))
    cells = cells_between(publications, PARIS, *span(days, PARIS), 30, 2)
    cell = cells[slot_number(date(2030, 10, 27), time(2, 0))]
    assert [e.text for e in cell.events] == ["first", "second"] and cell.total == 2
    assert [e.text for e in cells[slot_number(date(2030, 10, 27), time(3, 0))].events] == ["later"]
    page = cell_page(publications, PARIS, date(2030, 10, 27), 30, slot_number(date(2030, 10, 27), time(2, 0)), 1, 50)
    assert [e.text for e in page.events] == ["second"] and page.total == 2 and page.more == 0
    day = cells_between(publications, PARIS, *span(month_days(date(2030, 10, 1)), PARIS), 24 * 60, 4)
    assert [e.text for e in day[day_number(date(2030, 10, 27))].events] == ["first", "second", "later"]


@pytest.mark.django_db
@pytest.mark.parametrize("looked_up", [1000, 2])
def test_a_week_is_read_the_same_whether_its_empty_half_hours_are_skipped_or_not(
        people: dict[str, Any], monkeypatch: pytest.MonkeyPatch, looked_up: int):
    monkeypatch.setattr("parvis.publishing.plan_cells.OCCUPIED_TIMES", looked_up)  # 2: too many times, no skipping
    workspace = people["workspace"]
    account = SocialAccount.objects.create(workspace=workspace, network="bluesky", server_url="https://bsky.social",
                                           remote_id="did:plc:x", handle="@brand.bsky.social")
    for n, at in enumerate((datetime(2030, 1, 7, 8, 0, tzinfo=UTC), datetime(2030, 1, 7, 8, 10, tzinfo=UTC),
                            datetime(2030, 1, 7, 8, 20, tzinfo=UTC), datetime(2030, 1, 9, 22, 59, tzinfo=UTC))):
        post = Post.objects.create(workspace=workspace, text=f"post {n}", scheduled_at=at)
        Publication.objects.create(post=post, account=account, state=State.SCHEDULED, due_at=at)
    days = week_days(date(2030, 1, 7))
    cells = cells_between(planned([workspace.pk], PlanFilters()), PARIS, *span(days, PARIS), 30, 2)
    assert {number: ([e.text for e in cell.events], cell.total) for number, cell in cells.items()} == {
        slot_number(date(2030, 1, 7), time(9, 0)): (["post 0"], 3),
        slot_number(date(2030, 1, 9), time(23, 30)): (["post 3"], 1)}


def test_placeholders_are_found_past_literal_percent_signs():
    from parvis.publishing.plan_cells import _placeholders

    sql = "SELECT '%%' || x FROM t WHERE a = %s AND b LIKE '%%%%s' AND c = %s"
    assert [sql[at:at + 2] for at in _placeholders(sql)] == ["%s", "%s"]
    assert _placeholders(sql) == [sql.index("= %s") + 2, sql.rindex("%s")]

"""Working hours, the rota and its relay, and who is told what, when."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from parvis.inbox import alerts, duty, rules
from parvis.inbox.models import DutySlot, Item, Priority, WorkingHours
from parvis.inbox.tests.factories import seed

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def rota(people):
    """Weekdays 9–18 in Paris: the editor on duty, the manager relay for the night 18–9."""
    workspace = people["workspace"]
    duty.set_hours(workspace, [(d, time(9), time(18)) for d in range(5)])
    for day in range(5):
        duty.add_slot(workspace, people["editor"], day, time(9), time(18))
        duty.add_slot(workspace, people["manager"], day, time(18), time(9), role=DutySlot.Role.RELAY)
    return workspace


def test_a_period_past_midnight_covers_the_next_morning():
    # Monday 22:00 → 07:00 covers Monday night and Tuesday early morning only.
    assert duty.covers(0, time(22), time(7), paris(2026, 11, 23, 23, 30))
    assert duty.covers(0, time(22), time(7), paris(2026, 11, 24, 6, 59))
    assert not duty.covers(0, time(22), time(7), paris(2026, 11, 24, 7, 0))
    assert not duty.covers(0, time(22), time(7), paris(2026, 11, 23, 21, 0))


def test_working_hours_follow_the_workspace_zone_across_dst(rota):
    # 9:00 in Paris is 8:00 UTC in winter and 7:00 UTC in summer: both are working time.
    assert duty.is_working_time(rota, datetime(2026, 1, 12, 8, 0, tzinfo=UTC))
    assert duty.is_working_time(rota, datetime(2026, 7, 13, 7, 0, tzinfo=UTC))
    assert not duty.is_working_time(rota, datetime(2026, 7, 13, 6, 59, tzinfo=UTC))
    assert not duty.is_working_time(rota, paris(2026, 11, 28, 11, 0))  # Saturday


def test_on_duty_in_the_day_relay_at_night(rota, people):
    assert duty.on_duty(rota, paris(2026, 11, 23, 10, 0)) == [people["editor"]]
    assert duty.on_duty(rota, paris(2026, 11, 23, 20, 0)) == []
    assert duty.relays(rota, paris(2026, 11, 23, 20, 0)) == [people["manager"]]


def test_outside_working_hours_only_urgent_items_are_told(rota, people):
    night = paris(2026, 11, 23, 23, 0)
    assert duty.who_to_tell(rota, night, urgent=False) == []
    assert duty.who_to_tell(rota, night, urgent=True) == [people["manager"]]
    assert duty.who_to_tell(rota, paris(2026, 11, 23, 10, 0), urgent=False) == [people["editor"]]


def test_without_a_rota_the_owners_and_managers_are_on_duty(people):
    found = set(duty.on_duty(people["workspace"], paris(2026, 11, 23, 3, 0)))
    assert found == {people["owner"], people["manager"]}


def test_rota_entries_are_checked(people):
    workspace = people["workspace"]
    with pytest.raises(duty.DutyError) as caught:
        duty.add_slot(workspace, people["outsider"], 0, time(9), time(18))
    assert caught.value.field == "user"
    with pytest.raises(duty.DutyError) as caught:
        duty.add_slot(workspace, people["editor"], 0, time(9), time(9))
    assert caught.value.field == "ends"
    with pytest.raises(duty.DutyError) as caught:
        duty.set_hours(workspace, [(9, time(9), time(18))])
    assert caught.value.field == "weekday"
    assert not WorkingHours.objects.filter(workspace=workspace).exists()


def test_notifications_go_to_the_person_on_duty_and_wait_at_night(rota, account, people):
    rules_ = [rules.Outcome(item, notify=True) for item in seed(account, ["Bonjour, une question sur ma commande"])]
    alerts.tell_about(rules_, now=paris(2026, 11, 23, 23, 0))  # Monday night, not urgent
    assert not people["editor"].notifications.exists() and not people["manager"].notifications.exists()
    alerts.tell_about(rules_, now=paris(2026, 11, 24, 10, 0))  # Tuesday morning
    assert people["editor"].notifications.filter(kind="inbox_items").count() == 1
    assert not people["manager"].notifications.exists()


def test_an_urgent_item_wakes_the_relay_at_night(rota, account, people):
    item = seed(account, ["Votre produit m'a envoyé aux urgences"])[0]
    Item.objects.filter(pk=item.pk).update(priority=Priority.HIGH)
    item.priority = Priority.HIGH
    alerts.tell_about([rules.Outcome(item)], now=paris(2026, 11, 23, 23, 0))
    assert people["manager"].notifications.filter(kind="inbox_items").count() == 1
    assert not people["editor"].notifications.exists()


def test_the_next_working_start_is_found_in_the_workspace_zone(rota):
    friday_evening = paris(2026, 11, 27, 19, 0)
    assert duty.next_working_start(rota, friday_evening) == paris(2026, 11, 30, 9, 0)

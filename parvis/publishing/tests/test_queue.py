"""Queue slots: wall-clock weekly times in the workspace zone, the next free one, reorder,
shuffle, pause and resume."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing import queue
from parvis.publishing.actions import save_post
from parvis.publishing.dispatcher import claim_due
from parvis.publishing.models import Publication, State
from parvis.publishing.validation import PostInput, PostValidationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
PARIS = ZoneInfo("Europe/Paris")
TUE, THU, SUN = 1, 3, 6


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


def add(people: dict[str, Any], account: SocialAccount, text: str = "Pain du jour") -> Publication:
    post = save_post(people["workspace"], people["editor"], PostInput(text=text, accounts=[account], mode="queue"))
    return post.publications.get()


def test_next_free_slots_run_across_weeks_in_order(account):
    queue.set_slots(account, [(TUE, time(9)), (THU, time(12, 30))])
    # Wednesday 2026-01-07, noon in Paris.
    slots = queue.next_free_slots(account, 4, after=utc(2026, 1, 7, 11))
    assert [s.astimezone(PARIS).strftime("%a %d %H:%M") for s in slots] == [
        "Thu 08 12:30", "Tue 13 09:00", "Thu 15 12:30", "Tue 20 09:00"]


def test_slots_keep_wall_clock_time_in_the_workspace_zone_across_dst(account):
    queue.set_slots(account, [(TUE, time(9))])
    spring = queue.next_free_slots(account, 2, after=utc(2026, 3, 20))
    assert spring == [utc(2026, 3, 24, 8), utc(2026, 3, 31, 7)]  # +01:00, then +02:00
    autumn = queue.next_free_slots(account, 2, after=utc(2026, 10, 23))
    assert autumn == [utc(2026, 10, 27, 8), utc(2026, 11, 3, 8)]
    before = queue.next_free_slots(account, 1, after=utc(2026, 10, 16))
    assert before == [utc(2026, 10, 20, 7)]


def test_slot_in_the_skipped_hour_goes_out_at_the_first_valid_time(account):
    queue.set_slots(account, [(SUN, time(2, 30))])
    # Paris skips 02:00-03:00 on Sunday 2026-03-29: the slot goes out at 03:00 CEST.
    assert queue.next_free_slots(account, 1, after=utc(2026, 3, 27)) == [utc(2026, 3, 29, 1)]


def test_slot_in_the_repeated_hour_takes_the_first_one(account):
    queue.set_slots(account, [(SUN, time(2, 30))])
    # 02:30 happens twice on 2026-10-25 in Paris: first at +02:00.
    assert queue.next_free_slots(account, 1, after=utc(2026, 10, 23)) == [utc(2026, 10, 25, 0, 30)]


def test_taken_slots_are_skipped_and_cancelled_ones_are_free(people, account):
    queue.set_slots(account, [(TUE, time(9)), (THU, time(12, 30))])
    first = add(people, account, "one")
    second = add(people, account, "two")
    assert second.due_at > first.due_at
    free = queue.next_free_slots(account, 1)
    assert free[0] > second.due_at
    Publication.objects.filter(pk=first.pk).update(state=State.CANCELLED)
    assert queue.next_free_slots(account, 1) == [first.due_at]


def test_add_to_queue_schedules_at_the_next_slot(people, account):
    queue.set_slots(account, [(TUE, time(9))])
    publication = add(people, account)
    assert publication.in_queue and publication.state == State.SCHEDULED
    local = publication.due_at.astimezone(PARIS)
    assert (local.weekday(), local.time()) == (TUE, time(9))
    assert publication.next_attempt_at == publication.due_at == publication.post.scheduled_at
    assert timezone.now() < publication.due_at <= timezone.now() + timedelta(days=7, hours=1)


def test_editing_a_queued_post_keeps_its_place(people, account):
    queue.set_slots(account, [(TUE, time(9))])
    publication = add(people, account)
    add(people, account, "later")
    save_post(people["workspace"], people["editor"], PostInput(text="edited", accounts=[account], mode="queue"),
              post=publication.post)
    publication.refresh_from_db()
    assert publication.post.text == "edited"
    assert publication.due_at == queue.queued(account).first().due_at  # type: ignore[union-attr]


def test_scheduling_a_queued_post_takes_it_out_of_the_queue(people, account):
    queue.set_slots(account, [(TUE, time(9))])
    publication = add(people, account)
    when = timezone.now() + timedelta(hours=3)
    save_post(people["workspace"], people["editor"], PostInput(text="x", accounts=[account], mode="schedule",
                                                                scheduled_at=when), post=publication.post)
    publication.refresh_from_db()
    assert not publication.in_queue and publication.due_at == when


def test_an_account_without_slots_is_refused_naming_the_field(people, account):
    with pytest.raises(PostValidationError) as caught:
        add(people, account)
    assert "no queue slots" in caught.value.by_field()["accounts"][0]
    assert not Publication.objects.exists()


def test_moving_up_and_down_swaps_times_with_the_neighbour(people, account):
    queue.set_slots(account, [(TUE, time(9)), (THU, time(12, 30))])
    a, b, c = (add(people, account, text) for text in "abc")
    times = [a.due_at, b.due_at, c.due_at]
    assert queue.move(c, "up", people["editor"])
    assert [p.post.text for p in queue.queued(account)] == ["a", "c", "b"]
    assert [p.due_at for p in queue.queued(account)] == times
    assert not queue.move(a, "up")  # already first
    assert queue.move(a, "down")
    assert [p.post.text for p in queue.queued(account)] == ["c", "a", "b"]
    assert AuditEntry.objects.filter(action="queue.move").count() == 2


def test_setting_an_order_keeps_the_same_times(people, account):
    queue.set_slots(account, [(TUE, time(9))])
    a, b, c = (add(people, account, text) for text in "abc")
    times = sorted([a.due_at, b.due_at, c.due_at])
    queue.set_order(account, [c.pk, a.pk, b.pk])
    assert [p.post.text for p in queue.queued(account)] == ["c", "a", "b"]
    assert [p.due_at for p in queue.queued(account)] == times
    with pytest.raises(PostValidationError) as caught:
        queue.set_order(account, [c.pk, a.pk])
    assert "order" in caught.value.by_field()


def test_shuffle_is_a_permutation_of_the_queued_times(people, account):
    queue.set_slots(account, [(TUE, time(9)), (THU, time(12, 30))])
    publications = [add(people, account, f"post {i}") for i in range(6)]
    times = sorted(p.due_at for p in publications)
    queue.shuffle(account, rng=random.Random(4))
    after = list(queue.queued(account))
    assert [p.due_at for p in after] == times
    assert [p.post.text for p in after] != [f"post {i}" for i in range(6)]
    assert {p.post.text for p in after} == {f"post {i}" for i in range(6)}
    for publication in after:
        assert publication.post.scheduled_at == publication.due_at


def test_pause_holds_queued_posts_and_resume_moves_missed_ones_to_free_slots(people, account):
    queue.set_slots(account, [(TUE, time(9)), (THU, time(12, 30))])
    missed = [add(people, account, text) for text in ("missed 1", "missed 2")]
    waiting = add(people, account, "still waiting")
    past = timezone.now() - timedelta(hours=2)
    Publication.objects.filter(pk__in=[p.pk for p in missed]).update(due_at=past, next_attempt_at=past)
    queue.set_paused(account, True, people["manager"])
    assert claim_due() == []

    assert queue.set_paused(account, False, people["manager"]) == 2
    line = list(queue.queued(account))
    assert all(p.due_at > timezone.now() for p in line)
    assert len({p.due_at for p in line}) == 3  # one slot each, not all at once
    # The two missed ones take the first free slots (theirs, freed); the third keeps its own.
    assert [p.post.text for p in line] == ["missed 1", "missed 2", "still waiting"]
    assert line[2].due_at == waiting.due_at
    assert claim_due() == []
    assert AuditEntry.objects.filter(action__in=["queue.pause", "queue.resume"]).count() == 2


def test_an_unpaused_queue_lets_due_posts_go(people, account):
    queue.set_slots(account, [(TUE, time(9))])
    publication = add(people, account)
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    assert claim_due() == [publication.pk]


def test_changing_slots_moves_the_queue_onto_the_new_times(people, account):
    queue.set_slots(account, [(TUE, time(9))])
    a, b = add(people, account, "a"), add(people, account, "b")
    queue.set_slots(account, [(THU, time(18))], people["manager"])
    line = list(queue.queued(account))
    assert [p.pk for p in line] == [a.pk, b.pk]
    assert all((p.due_at.astimezone(PARIS).weekday(), p.due_at.astimezone(PARIS).time()) == (THU, time(18))
               for p in line)
    entry = AuditEntry.objects.get(action="queue.slots", after="Thu 18:00")
    assert entry.before == "Tue 09:00"


def test_a_slot_day_out_of_range_names_the_field(account):
    with pytest.raises(PostValidationError) as caught:
        queue.set_slots(account, [(7, time(9))])
    assert "slots" in caught.value.by_field()


@pytest.mark.parametrize(("written", "expected"), [
    ("09:00, 12:30, 18:00", ["09:00", "12:30", "18:00"]),
    ("9h 12h30 et 18 h 00", ["09:00", "12:30", "18:00"]),
    ("18h; 9h30 and 7", ["07:00", "09:30", "18:00"]),
    ("9:00 9:00", ["09:00"]),
])
def test_times_are_read_as_people_write_them(written, expected):
    assert [t.strftime("%H:%M") for t in queue.parse_times(written)] == expected


def test_the_week_reads_as_days_sharing_their_times():
    slots = [(d, time(9)) for d in range(5)] + [(d, time(18)) for d in range(5)] + [(5, time(10))]
    assert queue.week_summary(slots) == [([0, 1, 2, 3, 4], [time(9), time(18)]), ([5], [time(10)])]

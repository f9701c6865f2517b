"""Response times: first response, overdue items, per-person and per-workspace figures."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parvis.inbox import metrics, triage
from parvis.inbox.models import InboxSettings, Item
from parvis.inbox.replies import record_response
from parvis.inbox.tests.factories import seed


def test_figures_per_workspace_and_per_person(account, people):
    now = timezone.now()
    settings = InboxSettings.of(people["workspace"])
    settings.response_target_minutes = 60
    settings.save()
    items = seed(account, [f"Question {n}" for n in range(5)], start=now - timedelta(hours=10))
    items.sort(key=lambda i: i.created_at)
    # Answered after 10, 30 and 90 minutes (by two people); one marked done after 20; one waiting.
    for item, minutes, who in ((items[0], 10, "editor"), (items[1], 30, "editor"), (items[2], 90, "manager")):
        record_response(item, people[who], item.created_at + timedelta(minutes=minutes))
    triage.set_status(items[3], "done", people["owner"], now=items[3].created_at + timedelta(minutes=20))

    found = metrics.figures([people["workspace"]], since=now - timedelta(days=1), now=now)
    assert (found.items, found.answered, found.within_target, found.overdue) == (5, 4, 3, 1)
    assert found.median_minutes == 25.0 and found.p90_minutes == 90.0
    assert found.within_target_share == 0.75
    editor = found.by_person[people["editor"].pk]
    assert editor.answered == 2 and editor.median_minutes == 20.0
    assert found.by_person[people["manager"].pk].answered == 1


def test_an_item_is_overdue_past_the_target_until_someone_responds(account, people):
    now = timezone.now()
    item = seed(account, ["Allô ?"], start=now - timedelta(hours=3))[0]
    goal = metrics.target(people["workspace"])  # 120 minutes by default
    assert metrics.is_overdue(item, goal, now)
    assert list(metrics.overdue(people["workspace"], now)) == [item]
    record_response(item, people["editor"], now)
    item.refresh_from_db()
    assert not metrics.is_overdue(item, goal, now)
    assert not metrics.overdue(people["workspace"], now).exists()


def test_the_first_response_is_not_moved_by_later_ones(account, people):
    item = seed(account, ["Bonjour"])[0]
    first = timezone.now()
    record_response(item, people["editor"], first)
    record_response(item, people["manager"], first + timedelta(hours=1))
    item = Item.objects.get(pk=item.pk)
    assert item.first_response_at == first and item.first_response_by == people["editor"]

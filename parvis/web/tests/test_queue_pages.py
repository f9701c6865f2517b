"""The Queue page of an account, the composer's "Add to queue" and "Repeat", the series
page."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing import queue
from parvis.publishing.models import AccountQueue, Post, Publication, Series, State
from parvis.testing.factories import client_for, make_account

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def queue_url(account: SocialAccount, name: str = "web:queue", *extra: int) -> str:
    return reverse(name, args=[account.workspace_id, account.pk, *extra])


def compose(client: Any, workspace: Any, **data: Any) -> Any:
    return client.post(reverse("web:compose", args=[workspace.pk]), data)


def test_the_queue_page_shows_an_empty_state_and_the_zone(people, account):
    page = client_for(people["viewer"]).get(queue_url(account))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Europe/Paris" in html
    assert "Add posting times first" in html
    assert 'data-testid="slots-form"' not in html  # a viewer reads, does not edit


def test_a_manager_adds_and_removes_slots(people, account):
    client = client_for(people["manager"])
    response = client.post(queue_url(account), {"day": ["1"], "time": ["09:00"]})
    assert response.status_code == 302
    assert queue.slots_of(account) == [(1, time(9))]
    client.post(queue_url(account), {"day": ["1", "3"], "time": ["09:00", "12:30"]})
    assert sorted(queue.slots_of(account)) == [(1, time(9)), (3, time(12, 30))]
    client.post(queue_url(account), {"day": ["1", "3", "0"], "time": ["09:00", "12:30", ""], "remove": ["0"]})
    assert queue.slots_of(account) == [(3, time(12, 30))]
    page = client.get(queue_url(account)).content.decode()
    assert 'data-slot="3-12:30"' in page and "Next free slots" in page


def test_a_bad_slot_time_is_shown_naming_the_field(people, account):
    response = client_for(people["manager"]).post(queue_url(account), {"day": ["1"], "time": ["25:99"]})
    assert response.status_code == 400
    assert 'data-field="slots"' in response.content.decode()
    assert queue.slots_of(account) == []


def test_editors_cannot_change_slots_and_outsiders_see_nothing(people, account):
    assert client_for(people["editor"]).post(queue_url(account), {"day": ["1"], "time": ["09:00"]}).status_code == 403
    assert client_for(people["outsider"]).get(queue_url(account)).status_code == 404
    other = SocialAccount.objects.create(workspace=people["other_workspace"], network="bluesky",
                                         server_url="https://bsky.social", remote_id="did:plc:other", handle="@o")
    url = reverse("web:queue", args=[people["workspace"].pk, other.pk])
    assert client_for(people["owner"]).get(url).status_code == 404


def test_composer_adds_a_post_to_the_queue(people, account):
    queue.set_slots(account, [(1, time(9)), (4, time(17))])
    response = compose(client_for(people["editor"]), people["workspace"], text="Baguette du jour",
                       accounts=[account.pk], mode="queue")
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.in_queue and publication.state == State.SCHEDULED
    local = publication.due_at.astimezone(PARIS)
    assert (local.weekday(), local.time()) in {(1, time(9)), (4, time(17))}
    page = client_for(people["viewer"]).get(queue_url(account)).content.decode()
    assert "Baguette du jour" in page
    edit = client_for(people["editor"]).get(reverse("web:post_edit", args=[people["workspace"].pk,
                                                                         publication.post_id]))
    assert 'value="queue" checked' in edit.content.decode()


def test_composer_queue_without_slots_names_the_accounts_field(people, account):
    response = compose(client_for(people["editor"]), people["workspace"], text="x", accounts=[account.pk],
                       mode="queue")
    assert response.status_code == 400
    assert "has no queue slots" in response.content.decode()
    assert not Post.objects.exists()


def test_move_and_shuffle_through_htmx_return_the_list(people, account):
    queue.set_slots(account, [(1, time(9)), (4, time(17))])
    client = client_for(people["editor"])
    for text in ("premier", "second"):
        compose(client, people["workspace"], text=text, accounts=[account.pk], mode="queue")
    first, second = queue.queued(account)
    response = client.post(queue_url(account, "web:queue_move", second.pk), {"direction": "up"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("second") < html.index("premier") and 'id="queue-list"' in html
    assert [p.post.text for p in queue.queued(account)] == ["second", "premier"]
    times = sorted(p.due_at for p in queue.queued(account))
    assert client.post(queue_url(account, "web:queue_shuffle"), headers={"HX-Request": "true"}).status_code == 200
    assert sorted(p.due_at for p in queue.queued(account)) == times
    assert client_for(people["viewer"]).post(queue_url(account, "web:queue_shuffle")).status_code == 403


def test_pause_and_resume_from_the_page(people, account):
    client = client_for(people["manager"])
    response = client.post(queue_url(account, "web:queue_pause"), {"paused": "1"}, follow=True)
    assert AccountQueue.objects.get(account=account).paused
    assert 'data-testid="queue-paused"' in response.content.decode()
    client.post(queue_url(account, "web:queue_pause"), {"paused": "0"})
    assert not AccountQueue.objects.get(account=account).paused
    assert client_for(people["editor"]).post(queue_url(account, "web:queue_pause"), {"paused": "1"}).status_code == 403


def in_two_days_paris() -> str:
    return (timezone.now() + timedelta(days=2)).astimezone(PARIS).strftime("%Y-%m-%dT09:00")


def test_composer_repeat_creates_a_series_and_its_page_lists_occurrences(people, account):
    client = client_for(people["editor"])
    response = compose(client, people["workspace"], text="Le pain du lundi", accounts=[account.pk],
                       mode="schedule", scheduled_at=in_two_days_paris(), timezone="Europe/Paris",
                       repeat="weekly", repeat_days=["0", "3"], repeat_end="count", repeat_count="6")
    series = Series.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/series/{series.pk}/")
    assert (series.rrule, series.count, series.timezone) == ("FREQ=WEEKLY;BYDAY=MO,TH", 6, "Europe/Paris")
    assert series.occurrences.count() == 6
    times = [p.occurrence_at.astimezone(PARIS).time() for p in series.occurrences.all()]
    assert set(times) == {time(9)}
    page = client.get(response["Location"]).content.decode()
    assert page.count("<tr data-post=") == 6
    assert "Europe/Paris" in page
    listing = client.get(reverse("web:series_list", args=[people["workspace"].pk])).content.decode()
    assert "Le pain du lundi" in listing


def test_composer_repeat_with_a_bad_rule_saves_nothing(people, account):
    response = compose(client_for(people["editor"]), people["workspace"], text="x", accounts=[account.pk],
                       mode="schedule", scheduled_at=in_two_days_paris(), timezone="Europe/Paris",
                       repeat="custom", rrule="FREQ=HOURLY")
    assert response.status_code == 400
    assert 'data-field="rrule"' in response.content.decode()
    assert not Post.objects.exists() and not Series.objects.exists()


def test_composer_repeat_needs_a_scheduled_time(people, account):
    response = compose(client_for(people["editor"]), people["workspace"], text="x", accounts=[account.pk],
                       mode="draft", repeat="daily")
    assert response.status_code == 400
    assert 'data-field="repeat"' in response.content.decode()


def test_series_page_edits_and_stops(people, account):
    client = client_for(people["editor"])
    compose(client, people["workspace"], text="Avant", accounts=[account.pk], mode="schedule",
            scheduled_at=in_two_days_paris(), timezone="Europe/Paris", repeat="daily", repeat_end="count",
            repeat_count="3")
    series = Series.objects.get()
    url = reverse("web:series", args=[people["workspace"].pk, series.pk])
    bad = client.post(url, {"text": "Après", "rrule": "FREQ=MINUTELY", "repeat_end": "never"})
    assert bad.status_code == 400 and 'data-field="rrule"' in bad.content.decode()
    assert client.post(url, {"text": "Après", "rrule": "FREQ=DAILY", "repeat_end": "count",
                             "repeat_count": "2"}).status_code == 302
    assert sorted(series.occurrences.values_list("text", flat=True)) == ["Après", "Après"]
    assert client_for(people["viewer"]).post(reverse("web:series_stop", args=[people["workspace"].pk,
                                                                             series.pk])).status_code == 403
    client.post(reverse("web:series_stop", args=[people["workspace"].pk, series.pk]))
    assert set(Publication.objects.values_list("state", flat=True)) == {State.CANCELLED}
    assert 'data-testid="stopped"' in client.get(url).content.decode()


def test_outsider_cannot_see_a_series(people, account):
    client = client_for(people["editor"])
    compose(client, people["workspace"], text="x", accounts=[account.pk], mode="schedule",
            scheduled_at=in_two_days_paris(), timezone="Europe/Paris", repeat="daily")
    series = Series.objects.get()
    assert client_for(people["outsider"]).get(
        reverse("web:series", args=[people["workspace"].pk, series.pk])).status_code == 404
    assert client_for(people["outsider"]).get(
        reverse("web:series", args=[people["other_workspace"].pk, series.pk])).status_code == 404


def test_several_posting_times_are_added_at_once(people, account):
    client = client_for(people["manager"])
    client.post(queue_url(account), {"day": ["5"], "time": ["10:00"]})  # Saturday 10:00 stays
    answer = client.post(queue_url(account), {"bulk": "1", "bulk_days": ["0", "1", "2", "3", "4"],
                                              "bulk_times": "9h, 12h30 et 18 h 00"}, follow=True)
    assert answer.status_code == 200 and "16 posting times in all." in answer.content.decode()
    slots = queue.slots_of(account)
    assert len(slots) == 16 and (5, time(10)) in slots
    assert {t for d, t in slots if d == 2} == {time(9), time(12, 30), time(18)}
    client.post(queue_url(account), {"bulk": "1", "bulk_days": ["0"], "bulk_times": "09:00"})  # none doubled
    assert len(queue.slots_of(account)) == 16


@pytest.mark.parametrize(("data", "field"), [
    ({"bulk_days": ["0"], "bulk_times": "midi"}, "bulk_times"),
    ({"bulk_days": ["0"], "bulk_times": " "}, "bulk_times"),
    ({"bulk_times": "09:00"}, "bulk_days"),
    ({"bulk_days": ["9"], "bulk_times": "09:00"}, "bulk_days"),
])
def test_several_times_badly_written_are_refused_naming_the_field(people, account, data, field):
    answer = client_for(people["manager"]).post(queue_url(account), {"bulk": "1", **data})
    assert answer.status_code == 400 and f'data-field="{field}"' in answer.content.decode()
    assert queue.slots_of(account) == []


def test_editors_cannot_add_several_times(people, account):
    answer = client_for(people["editor"]).post(queue_url(account), {"bulk": "1", "bulk_days": ["0"],
                                                                    "bulk_times": "09:00"})
    assert answer.status_code == 403 and queue.slots_of(account) == []


def test_one_view_shows_the_queues_of_every_account(people, account):
    other = make_account(people["workspace"], "bluesky")
    queue.add_slots(account, range(5), [time(9), time(18)])
    queue.add_slots(account, [5], [time(10)])
    page = client_for(people["viewer"]).get(reverse("web:queues", args=[people["workspace"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    row = html.split(f'data-account="{account.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Monday – Friday</strong> · 09:00, 18:00" in row and "Saturday</strong> · 10:00" in row
    other_row = html.split(f'data-account="{other.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "No posting time yet." in other_row
    assert client_for(people["outsider"]).get(reverse("web:queues", args=[people["workspace"].pk])).status_code == 404

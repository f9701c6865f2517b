"""Recurring posts through the API: a scheduled post made to repeat by a rule, listed,
read with its next occurrences in wall-clock time across a DST change, edited (the
occurrences to come follow), stopped (those to come cancelled). Bad rules are a 400 on
the field; viewers 403; other workspaces' series and posts 404 / unknown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.publishing.models import Post, Publication, Series, State

pytestmark = pytest.mark.django_db
YEAR = timezone.now().year + 1
# The Monday before Europe's clocks go forward (the last Sunday of March) that year.
DST_SUNDAY = max(date(YEAR, 3, day) for day in range(25, 32) if date(YEAR, 3, day).weekday() == 6)
MONDAY_BEFORE = DST_SUNDAY - timedelta(days=6)


def scheduled_post(world: World, api: APIClient, when: str = f"{MONDAY_BEFORE}T09:00",
                   workspace_id: int | None = None, accounts: list[int] | None = None) -> int:
    response = api.post(f"/api/v1/workspaces/{workspace_id or world.workspace.pk}/posts/", {
        "text": "Le pain du lundi", "accounts": accounts or [world.mastodon.pk], "scheduled_at": when,
        "timezone": "Europe/Paris"}, format="json")
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def create(world: World, api: APIClient, **body: object) -> object:
    return api.post(f"/api/v1/workspaces/{world.workspace.pk}/series/", body, format="json")


def test_a_post_repeats_weekly_at_the_same_wall_clock_time_across_dst(world: World, api: APIClient) -> None:
    post = scheduled_post(world, api)
    response = create(world, api, post=post, rrule="FREQ=WEEKLY;BYDAY=MO", count=3)
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    series = response.json()  # type: ignore[attr-defined]
    assert (series["rrule"], series["count"], series["timezone"], series["active"]) == (
        "FREQ=WEEKLY;BYDAY=MO", 3, "Europe/Paris", True)
    # The first Monday in winter time, the next two in summer time: 09:00 in Paris each time.
    assert [o["at_local"][11:] for o in series["occurrences"]] == ["09:00:00+01:00", "09:00:00+02:00",
                                                                   "09:00:00+02:00"]
    assert series["occurrences"][0]["post"] == post and series["text"] == "Le pain du lundi"
    listed = api.get(f"/api/v1/workspaces/{world.workspace.pk}/series/").json()["results"]
    assert [s["id"] for s in listed] == [series["id"]]
    one = api.get(f"/api/v1/series/{series['id']}/", {"occurrences": 1}).json()
    assert len(one["occurrences"]) == 1


def test_editing_changes_the_occurrences_to_come_and_stop_cancels_them(world: World, api: APIClient) -> None:
    post = scheduled_post(world, api)
    series = create(world, api, post=post, rrule="FREQ=DAILY").json()  # type: ignore[attr-defined]
    url = f"/api/v1/series/{series['id']}/"
    edited = api.patch(url, {"text": "Le pain du jour", "rrule": "FREQ=WEEKLY;BYDAY=MO,TH", "until": f"{YEAR}-04-30"},
                       format="json")
    assert edited.status_code == 200, edited.content
    body = edited.json()
    assert (body["rrule"], body["until"], body["text"]) == ("FREQ=WEEKLY;BYDAY=MO,TH", f"{YEAR}-04-30",
                                                           "Le pain du jour")
    assert {date.fromisoformat(o["at_local"][:10]).weekday() for o in body["occurrences"]} == {0, 3}
    assert set(Post.objects.filter(series_id=series["id"]).values_list("text", flat=True)) == {"Le pain du jour"}
    stopped = api.post(f"{url}stop/")
    assert stopped.status_code == 200 and stopped.json()["cancelled"] >= 1
    assert stopped.json()["series"]["active"] is False
    assert not Publication.objects.filter(post__series_id=series["id"], state=State.SCHEDULED).exists()
    assert api.get(url).json()["occurrences"] == []
    again = api.patch(url, {"text": "Encore"}, format="json")
    assert again.status_code == 400 and "series" in again.json()["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({"rrule": "FREQ=HOURLY"}, "rrule"),
    ({"rrule": "FREQ=WEEKLY;DTSTART=20260101"}, "rrule"),
    ({"rrule": "FREQ=DAILY", "until": "2000-01-01"}, "until"),
    ({"rrule": "FREQ=DAILY", "until": f"{YEAR + 1}-01-01", "count": 3}, "until"),
    ({"rrule": "FREQ=DAILY", "count": 0}, "count"),
    ({"rrule": ""}, "rrule"),
])
def test_bad_rules_are_named(world: World, api: APIClient, body: dict[str, object], field: str) -> None:
    response = create(world, api, post=scheduled_post(world, api), **body)
    assert response.status_code == 400, response.content  # type: ignore[attr-defined]
    assert field in response.json()["errors"]  # type: ignore[attr-defined]
    assert not Series.objects.exists()


def test_only_a_scheduled_post_of_the_workspace_that_does_not_repeat_yet(world: World, api: APIClient,
                                                                        client_for: Callable[[User], APIClient]
                                                                        ) -> None:
    draft = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "Brouillon", "accounts": [world.mastodon.pk], "mode": "draft"}, format="json").json()["id"]
    assert create(world, api, post=draft, rrule="FREQ=DAILY").json()["errors"]["post"]  # type: ignore[attr-defined]
    outsider = client_for(world.outsider)
    theirs = scheduled_post(world, outsider, workspace_id=world.other_workspace.pk,
                            accounts=[world.other_account.pk])
    assert create(world, api, post=theirs, rrule="FREQ=DAILY").json()["errors"]["post"]  # type: ignore[attr-defined]
    post = scheduled_post(world, api)
    series = create(world, api, post=post, rrule="FREQ=DAILY").json()  # type: ignore[attr-defined]
    assert create(world, api, post=post, rrule="FREQ=DAILY").json()["errors"]["post"]  # type: ignore[attr-defined]
    viewer = client_for(world.viewer)
    assert viewer.get(f"/api/v1/series/{series['id']}/").status_code == 200
    assert viewer.post(f"/api/v1/series/{series['id']}/stop/").status_code == 403
    assert outsider.get(f"/api/v1/series/{series['id']}/").status_code == 404
    assert outsider.post(f"/api/v1/series/{series['id']}/stop/").status_code == 404
    assert api.get(f"/api/v1/series/{series['id']}/", {"occurrences": 1000}).status_code == 400

"""The calendar pages: filters that survive navigation, colour by status or network, the
all-workspaces calendar (only the person's own), the reschedule endpoint, the feed page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.urls import reverse

from parvis.accounts.actions import create_workspace
from parvis.accounts.models import AuditEntry, Membership, Role
from parvis.inbox.models import WorkingHours
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.models import ApprovalState, Campaign, EditorialSettings, Label, Post, State
from parvis.publishing.validation import PostInput
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db

DAY = "2030-01-07"  # a Monday; its week and month are shown


def account(workspace: Any, network: str = "bluesky", handle: str = "@brand.bsky.social") -> SocialAccount:
    server = "https://bsky.social" if network == "bluesky" else "https://mastodon.test"
    return SocialAccount.objects.create(
        workspace=workspace, network=network, server_url=server, remote_id=f"{network}-{handle}",
        handle=handle, credentials={"identifier": handle.strip("@"), "app_password": "x", "access_token": "x"})


def planned(workspace: Any, author: Any, text: str, when: datetime, accounts: list[SocialAccount],
            **extra: Any) -> Post:
    return save_post(workspace, author, PostInput(text=text, accounts=accounts, mode="schedule",
                                                  scheduled_at=when, timezone_name=workspace.timezone, **extra))


@pytest.fixture
def plan(people: dict[str, Any]) -> dict[str, Any]:
    """Three posts in the week of 7 January 2030: one per network, one with a campaign and a
    label, one published (not movable)."""
    workspace = people["workspace"]
    bsky, masto = account(workspace), account(workspace, "mastodon", "@boulangerie")
    campaign = Campaign.objects.create(workspace=workspace, name="Épiphanie", slug="epiphanie")
    label = Label.objects.create(workspace=workspace, name="Recette")
    galette = planned(workspace, people["editor"], "Galette des rois", datetime(2030, 1, 7, 8, 30, tzinfo=UTC),
                      [bsky], campaign=campaign, labels=[label])
    brioche = planned(workspace, people["editor"], "Brioche du dimanche", datetime(2030, 1, 9, 16, 0, tzinfo=UTC),
                      [masto])
    baguette = planned(workspace, people["editor"], "Baguette tradition", datetime(2030, 1, 10, 7, 0, tzinfo=UTC),
                       [masto])
    baguette.publications.update(state=State.PUBLISHED)
    Post.objects.filter(pk=brioche.pk).update(approval_state=ApprovalState.IN_REVIEW)
    return {"galette": galette, "brioche": brioche, "baguette": baguette, "campaign": campaign, "label": label,
            "bsky": bsky, "masto": masto}


def page(user: Any, ws: Any | None = None, **params: str) -> str:
    url = reverse("web:calendar", args=[ws.pk]) if ws else reverse("web:calendar_all")
    response = client_for(user).get(url, {"day": DAY, "tz": "Europe/Paris", **params})
    assert response.status_code == 200
    return response.content.decode()


def shown(html: str) -> set[str]:
    return {name for name in ("Galette des rois", "Brioche du dimanche", "Baguette tradition") if name in html}


@pytest.mark.parametrize("view", ["month", "week"])
def test_both_views_show_every_post_in_the_viewers_zone(people, plan, view):
    html = page(people["viewer"], people["workspace"], view=view)
    assert shown(html) == {"Galette des rois", "Brioche du dimanche", "Baguette tradition"}
    assert ">09:30</time>" in html  # 08:30 UTC in Paris


def test_week_view_has_half_hour_cells_to_drop_on(people, plan):
    html = page(people["editor"], people["workspace"], view="week")
    assert 'data-drop="2030-01-07T09:30"' in html and 'data-drop="2030-01-13T23:30"' in html
    cell = re.search(r'<td data-drop="2030-01-07T09:30"[^>]*>(.*?)</td>', html, re.S)
    assert cell and "Galette des rois" in cell.group(1)


@pytest.mark.parametrize(("params", "expected"), [
    ({"campaign": "campaign"}, {"Galette des rois"}),
    ({"label": "label"}, {"Galette des rois"}),
    ({"account": "masto"}, {"Brioche du dimanche", "Baguette tradition"}),
    ({"state": "published"}, {"Baguette tradition"}),
    ({"approval": "in_review"}, {"Brioche du dimanche"}),
])
def test_filters(people, plan, params, expected):
    query = {key: str(plan[value].pk) if value in plan else value for key, value in params.items()}
    assert shown(page(people["viewer"], people["workspace"], **query)) == expected


def test_filters_survive_navigation(people, plan):
    html = page(people["viewer"], people["workspace"], campaign=str(plan["campaign"].pk), colour="network")
    for testid in ("prev", "next", "week-view"):
        link = re.search(rf'href="([^"]+)" data-testid="{testid}"', html).group(1)
        assert f"campaign={plan['campaign'].pk}" in link and "colour=network" in link


def test_colour_by_status_or_by_network(people, plan):
    by_status = page(people["viewer"], people["workspace"])
    assert 'class="event scheduled"' in by_status and 'class="event published"' in by_status
    by_network = page(people["viewer"], people["workspace"], colour="network")
    assert 'class="event net-bluesky"' in by_network and 'class="event net-mastodon"' in by_network
    assert 'class="event scheduled"' not in by_network


def test_only_editors_can_drag_and_published_posts_never(people, plan):
    editor = page(people["editor"], people["workspace"])
    assert editor.count('draggable="true"') == 2  # galette and brioche, not the published baguette
    assert reverse("web:post_edit", args=[people["workspace"].pk, plan["galette"].pk]) in editor
    viewer = page(people["viewer"], people["workspace"])
    assert 'draggable="true"' not in viewer and "data-reschedule" not in viewer


def test_all_workspaces_calendar_shows_only_the_members_workspaces(people, plan):
    other = people["other_workspace"]
    planned(other, people["outsider"], "Secret du concurrent", datetime(2030, 1, 8, 12, 0, tzinfo=UTC),
            [account(other)])
    second = create_workspace(people["organisation"], "Pâtisserie Martin", people["owner"], "Europe/Paris")
    Membership.objects.create(workspace=second, user=people["editor"], role=Role.VIEWER)
    planned(second, people["owner"], "Éclair au café", datetime(2030, 1, 8, 12, 0, tzinfo=UTC), [account(second)])
    html = page(people["editor"])
    assert "Galette des rois" in html and "Éclair au café" in html
    assert "Secret du concurrent" not in html and "Concurrent" not in html
    # Viewer in the second workspace: its posts are not draggable there.
    assert html.count('draggable="true"') == 2
    only_second = page(people["editor"], workspace=str(second.pk))
    assert "Éclair au café" in only_second and "Galette des rois" not in only_second
    foreign = page(people["editor"], workspace=str(other.pk))
    assert "Secret du concurrent" not in foreign


def test_outsider_cannot_see_the_workspace_calendar(people):
    response = client_for(people["outsider"]).get(reverse("web:calendar", args=[people["workspace"].pk]))
    assert response.status_code == 404


# -- the reschedule endpoint -------------------------------------------------------------

def reschedule(user: Any, post: Post, **data: str) -> Any:
    url = reverse("web:post_reschedule", args=[post.workspace_id, post.pk])
    return client_for(user).post(url, {"tz": "Europe/Paris", **data})


def test_drop_on_a_day_keeps_the_time_of_day(people, plan):
    response = reschedule(people["editor"], plan["galette"], day="2030-01-11")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] and body["day"] == "2030-01-11" and body["time"] == "09:30"
    assert plan["galette"].publications.get().due_at == datetime(2030, 1, 11, 8, 30, tzinfo=UTC)
    assert AuditEntry.objects.filter(action="post.rescheduled", actor=people["editor"]).exists()


def test_drop_on_a_week_cell_sets_day_and_time(people, plan):
    response = reschedule(people["editor"], plan["brioche"], at="2030-01-08T14:30")
    assert response.status_code == 200 and response.json()["at"] == "2030-01-08T14:30"
    assert plan["brioche"].publications.get().due_at == datetime(2030, 1, 8, 13, 30, tzinfo=UTC)


def test_a_past_time_is_refused_with_a_message_and_nothing_moves(people, plan):
    response = reschedule(people["editor"], plan["galette"], at="2001-01-01T10:00")
    assert response.status_code == 400
    body = response.json()
    assert not body["ok"] and "past" in body["message"] and "scheduled_at" in body["errors"]
    assert plan["galette"].publications.get().due_at == datetime(2030, 1, 7, 8, 30, tzinfo=UTC)


def test_a_published_post_is_refused(people, plan):
    response = reschedule(people["editor"], plan["baguette"], day="2030-01-11")
    assert response.status_code == 400 and "published" in response.json()["message"]


def test_bad_drop_targets_name_the_field(people, plan):
    assert "day" in reschedule(people["editor"], plan["galette"], day="lundi").json()["errors"]
    assert "at" in reschedule(people["editor"], plan["galette"]).json()["errors"]
    assert "tz" in reschedule(people["editor"], plan["galette"], at="2030-01-08T14:30",
                              tz="Mars/Olympus").json()["errors"]


def test_a_drop_far_out_of_the_calendar_names_the_field(people, plan):
    for data, field in (({"day": "9999-12-31"}, "day"), ({"at": "9999-12-31T23:30"}, "at"),
                        ({"at": "0001-01-01T00:00"}, "at"), ({"day": "0001-01-01"}, "day")):
        response = reschedule(people["editor"], plan["galette"], tz="America/Montreal", **data)
        assert response.status_code == 400 and field in response.json()["errors"], data
    assert plan["galette"].publications.get().due_at == datetime(2030, 1, 7, 8, 30, tzinfo=UTC)


def test_viewer_is_forbidden_and_outsider_not_found(people, plan):
    assert reschedule(people["viewer"], plan["galette"], day="2030-01-11").status_code == 403
    assert reschedule(people["outsider"], plan["galette"], day="2030-01-11").status_code == 404
    assert plan["galette"].publications.get().due_at == datetime(2030, 1, 7, 8, 30, tzinfo=UTC)


# -- the feed page -----------------------------------------------------------------------

def test_manager_creates_the_feed_url_shown_once(people, plan):
    url = reverse("web:calendar_feed", args=[people["workspace"].pk])
    client = client_for(people["manager"])
    created = client.post(url, {"action": "create"}).content.decode()
    feed_url = re.search(r'value="(http[^"]+\.ics)" data-testid="feed-url"', created).group(1)
    assert "/ics/" in feed_url
    token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in client.get(url).content.decode()
    assert client_for(people["manager"]).get(f"/ics/{token}.ics").status_code == 200
    client.post(url, {"action": "revoke"})
    assert client.get(f"/ics/{token}.ics").status_code == 404


def test_only_managers_manage_the_feed(people):
    url = reverse("web:calendar_feed", args=[people["workspace"].pk])
    assert client_for(people["editor"]).post(url, {"action": "create"}).status_code == 403
    assert client_for(people["outsider"]).get(url).status_code == 404


# -- the agenda: the phone's calendar ---------------------------------------------------------

def test_the_agenda_lists_two_weeks_of_posts_day_by_day_in_the_workspaces_zone(people, plan):
    html = page(people["editor"], people["workspace"], view="agenda", day=DAY)
    days = re.findall(r'class="agenda-day[^"]*" data-day="([\d-]+)"', html)
    assert days == ["2030-01-07", "2030-01-09", "2030-01-10"]  # only the days that have posts
    agenda = html[html.index('data-testid="agenda"'):]
    assert agenda.index("Galette des rois") < agenda.index("Brioche du dimanche") < agenda.index("Baguette")
    assert "7 January to 20 January 2030" in html
    assert 'day=2029-12-24' in html.replace("&amp;", "&") and "day=2030-01-21" in html.replace("&amp;", "&")


def test_the_agenda_of_an_empty_fortnight_says_so_and_offers_to_write(people, plan):
    html = page(people["editor"], people["workspace"], view="agenda", day="2031-03-02")
    assert 'data-testid="agenda-empty"' in html and reverse("web:compose", args=[people["workspace"].pk]) in html


def test_a_crowded_day_in_the_agenda_shows_its_first_posts_and_the_rest_on_demand(people, plan):
    from datetime import timedelta

    when = datetime(2030, 1, 8, 6, 0, tzinfo=UTC)
    for n in range(15):
        planned(people["workspace"], people["editor"], f"Fournée {n:02d}", when + timedelta(minutes=20 * n),
                [plan["bsky"]])
    html = page(people["editor"], people["workspace"], view="agenda", day=DAY)
    day = html[html.index('data-day="2030-01-08"'):html.index('data-day="2030-01-09"')]
    assert day.count('class="event') == 11 and '+4 more' in day  # the twelfth line is the link


def test_a_day_or_half_hour_offers_a_new_post_at_that_time_to_those_who_write(people, plan):
    workspace = people["workspace"]
    month = page(people["editor"], workspace, view="month")
    compose = reverse("web:compose", args=[workspace.pk])
    assert f'href="{compose}?at=2030-01-08T09:00&amp;tz=Europe/Paris"' in month
    week = page(people["editor"], workspace, view="week")
    assert f'href="{compose}?at=2030-01-08T14:30&amp;tz=Europe/Paris"' in week
    assert 'class="add-here"' not in page(people["viewer"], workspace, view="month")  # viewers do not write
    assert 'class="add-here"' not in page(people["editor"], view="month")  # all workspaces: which one?


def test_the_composer_opens_at_the_slot_chosen_in_the_calendar(people, plan):
    url = reverse("web:compose", args=[people["workspace"].pk])
    html = client_for(people["editor"]).get(url, {"at": "2030-01-08T14:30", "tz": "America/Montreal"}).content.decode()
    assert re.search(r'id="id_scheduled_at"[^>]*value="2030-01-08T14:30"', html) or \
        re.search(r'value="2030-01-08T14:30"[^>]*id="id_scheduled_at"', html)
    assert re.search(r'id="id_timezone"[^>]*value="America/Montreal"', html)
    for wrong in ({"at": "demain 9h"}, {"at": "2030-02-30T09:00"}, {"at": "2030-01-08T14:30", "tz": "Mars/Olympus"}):
        answer = client_for(people["editor"]).get(url, wrong)
        assert answer.status_code == 200
        assert "Mars/Olympus" not in answer.content.decode()


@pytest.mark.parametrize("view", ["month", "week", "agenda"])
def test_posts_waiting_for_approval_are_marked_in_every_view(people, plan, view):
    EditorialSettings.objects.update_or_create(workspace=people["workspace"], defaults={"requires_approval": True})
    html = page(people["owner"], people["workspace"], view=view)
    marked = {match for match in re.findall(r'<span class="tx">([^<]+)</span> <span class="awaiting-mark"', html)}
    # In review or never sent: both wait; a published post no longer does.
    assert marked == {"Brioche du dimanche", "Galette des rois"}
    assert html.count('data-testid="awaiting-mark"') == 2


def test_the_week_opens_at_the_workspace_working_day(people, plan):
    assert 'data-opens-at="08:00"' in page(people["owner"], people["workspace"], view="week")
    WorkingHours.objects.create(workspace=people["workspace"], weekday=0, starts=time(9, 45), ends=time(18))
    WorkingHours.objects.create(workspace=people["workspace"], weekday=5, starts=time(10), ends=time(12))
    assert 'data-opens-at="09:30"' in page(people["owner"], people["workspace"], view="week")

"""The mission page (managers set the month's promises, every member reads the
progress), and the progress the calendar and the home page show."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing import missions
from parvis.publishing.models import Mission, Post, Publication, State
from parvis.testing.factories import client_for, make_account
from parvis.web.views import missions as mission_views
from parvis.web.views import workspaces as workspace_views

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DEC = date(2026, 12, 1)
LAST_WEEK = datetime(2026, 12, 27, 10, 0, tzinfo=UTC)


def url(people: dict[str, Any], month: str = "") -> str:
    base = reverse("web:mission", args=[people["workspace"].pk])
    return f"{base}?month={month}" if month else base


def planned(account: SocialAccount, day: int, state: str = State.SCHEDULED) -> None:
    post = Post.objects.create(workspace=account.workspace, text="Galette")
    Publication.objects.create(post=post, account=account, state=state,
                               due_at=datetime(2026, 12, day, 10, 0, tzinfo=PARIS))


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pin the pages' clock (the month they show, whether its last week has come)."""
    def pin(when: datetime) -> None:
        clock = SimpleNamespace(now=lambda: when)
        monkeypatch.setattr(mission_views, "timezone", clock)
        monkeypatch.setattr(workspace_views, "timezone", clock)
    return pin


def test_a_manager_sets_the_promises_and_the_change_is_audited(people):
    make_account(people["workspace"])
    make_account(people["workspace"], "bluesky")
    client = client_for(people["manager"])
    page = client.get(url(people, "2026-12")).content.decode()
    assert 'name="promises.mastodon"' in page and 'name="promises.bluesky"' in page
    response = client.post(url(people), {"month": "2026-12", "promises.mastodon": "20", "promises.bluesky": ""})
    assert response.status_code == 302 and response["Location"].endswith("?month=2026-12")
    assert {(m.month, m.network): m.promised for m in Mission.objects.all()} == {(DEC, "mastodon"): 20}
    assert AuditEntry.objects.get(action="mission.changed").after == "Mastodon 20"


def test_a_bad_number_is_refused_naming_the_field_and_nothing_is_saved(people):
    make_account(people["workspace"])
    response = client_for(people["manager"]).post(url(people), {"month": "2026-12", "promises.mastodon": "-3"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="promises.mastodon"' in page and 'value="-3"' in page
    assert not Mission.objects.exists()


@pytest.mark.parametrize("data", [{"month": "2026-13", "promises.mastodon": "2"},
                                  {"month": "2026-12", "promises.myspace": "2"}])
def test_a_bad_month_or_an_unknown_network_is_a_400_not_a_500(people, data):
    response = client_for(people["manager"]).post(url(people), data)
    assert response.status_code == 400 and not Mission.objects.exists()


def test_viewers_read_the_progress_but_only_managers_change_it(people, at):
    at(datetime(2026, 12, 10, 12, tzinfo=UTC))
    account = make_account(people["workspace"])
    missions.set_promises(people["workspace"], DEC, {"mastodon": 4}, people["owner"])
    planned(account, 2, State.PUBLISHED)
    planned(account, 3)
    page = client_for(people["viewer"]).get(url(people)).content.decode()
    assert "2 planned · 1 published · 4 promised" in page and "2 to plan" in page
    assert 'name="promises.mastodon"' not in page
    assert client_for(people["editor"]).post(url(people), {"month": "2026-12",
                                                          "promises.mastodon": "9"}).status_code == 403
    assert client_for(people["outsider"]).get(url(people)).status_code == 404


def test_the_month_switcher_and_a_month_that_is_not_one(people, at):
    at(datetime(2026, 12, 10, 12, tzinfo=UTC))
    client = client_for(people["viewer"])
    page = client.get(url(people, "2027-01")).content.decode()
    assert "Mission · January 2027" in page and "?month=2026-12" in page and "?month=2027-02" in page
    assert "Mission · December 2026" in client.get(url(people, "2027-1x")).content.decode()


def test_a_month_to_come_says_where_its_promises_come_from(people, at):
    at(datetime(2026, 12, 10, 12, tzinfo=UTC))
    make_account(people["workspace"])
    missions.set_promises(people["workspace"], DEC, {"mastodon": 4}, people["owner"])
    page = client_for(people["viewer"]).get(url(people, "2027-02")).content.decode()
    assert "Carried forward from December 2026." in page and "0 planned · 0 published · 4 promised" in page


def test_the_workspace_navigation_links_to_the_mission(people):
    page = client_for(people["viewer"]).get(reverse("web:calendar", args=[people["workspace"].pk]))
    assert url(people) in page.content.decode()


def test_the_calendar_month_shows_the_missions_progress(people):
    account = make_account(people["workspace"])
    missions.set_promises(people["workspace"], DEC, {"mastodon": 6}, people["owner"])
    planned(account, 2, State.PUBLISHED)
    calendar = reverse("web:calendar", args=[people["workspace"].pk])
    page = client_for(people["viewer"]).get(calendar, {"day": "2026-12-14"}).content.decode()
    assert 'data-testid="mission-strip"' in page and "1 planned · 1 published · 6 promised" in page
    week = client_for(people["viewer"]).get(calendar, {"day": "2026-12-14", "view": "week"}).content.decode()
    assert 'data-testid="mission-strip"' not in week


def test_the_home_page_shows_each_workspaces_month_and_warns_in_its_last_week(people, at):
    workspace = people["workspace"]
    account = make_account(workspace)
    missions.set_promises(workspace, DEC, {"mastodon": 5}, people["owner"])
    planned(account, 2)
    at(datetime(2026, 12, 10, 12, tzinfo=UTC))
    page = client_for(people["owner"]).get(reverse("web:home")).content.decode()
    assert "1 planned · 0 published · 5 promised" in page
    assert f'data-testid="mission-at-risk-{workspace.pk}"' not in page
    at(LAST_WEEK)
    page = client_for(people["owner"]).get(reverse("web:home")).content.decode()
    assert f'data-testid="mission-at-risk-{workspace.pk}"' in page and "4 posts to plan this week" in page

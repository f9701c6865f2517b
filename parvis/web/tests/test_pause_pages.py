"""Crisis pause in the web UI: the switch (managers only, with a reason), the red banner on
every page of the paused workspace and nowhere else, and the resume page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.models import Membership, Role
from parvis.networks.models import SocialAccount
from parvis.publishing.models import EditorialSettings, Publication, State
from parvis.publishing.pause import pause_workspace
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db

LIMITS = {"max_chars": 500, "max_media": 4, "url_length": 23,
          "image_mime_types": ["image/jpeg", "image/png"], "max_image_bytes": 8_000_000}


@pytest.fixture
def account(people: dict[str, Any]) -> SocialAccount:
    # Not the root's `account`: the composer validates against the limits in its config.
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social",
        remote_id="1", handle="@brand@example.social", credentials={"access_token": "x"},
        config={"limits": LIMITS})


def pause(people: dict[str, Any], reason: str = "Rappel de lots de farine") -> None:
    pause_workspace(people["workspace"], people["manager"], reason)


def url(name: str, workspace: Any) -> str:
    return reverse(name, args=[workspace.pk])


# -- the banner --------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["web:calendar", "web:publications", "web:members", "web:accounts",
                                  "web:workspace_pause"])
def test_viewer_sees_the_banner_on_every_page_of_the_paused_workspace(people, page):
    viewer = people["viewer"]
    viewer.timezone = "America/Montreal"
    viewer.save(update_fields=["timezone"])
    pause(people)
    html = client_for(viewer).get(url(page, people["workspace"])).content.decode()
    assert 'data-testid="pause-banner"' in html
    assert "Rappel de lots de farine" in html and "manager@agence.test" in html
    paused_at = EditorialSettings.objects.get(workspace=people["workspace"]).paused_at
    assert paused_at.astimezone(ZoneInfo("America/Montreal")).strftime("%H:%M") in html
    assert "America/Montreal" in html
    assert "Resume publishing" not in html  # a viewer cannot resume


def test_banner_is_not_shown_in_another_workspace_of_the_same_person(people):
    Membership.objects.create(workspace=people["other_workspace"], user=people["viewer"], role=Role.VIEWER)
    pause(people)
    html = client_for(people["viewer"]).get(url("web:calendar", people["other_workspace"])).content.decode()
    assert 'data-testid="pause-banner"' not in html


def test_outsider_never_sees_the_banner_of_a_workspace_they_are_not_in(people):
    pause(people)
    client = client_for(people["outsider"])
    assert client.get(url("web:calendar", people["workspace"])).status_code == 404
    html = client.get(url("web:calendar", people["other_workspace"])).content.decode()
    assert "Rappel de lots de farine" not in html


def test_managers_get_a_resume_link_in_the_banner(people):
    pause(people)
    html = client_for(people["owner"]).get(url("web:calendar", people["workspace"])).content.decode()
    assert url("web:workspace_resume", people["workspace"]) in html


def test_home_marks_paused_workspaces(people):
    Membership.objects.create(workspace=people["other_workspace"], user=people["viewer"], role=Role.VIEWER)
    pause(people)
    html = client_for(people["viewer"]).get(reverse("web:home")).content.decode()
    assert f'data-testid="paused-{people["workspace"].pk}"' in html
    assert f'data-testid="paused-{people["other_workspace"].pk}"' not in html


def test_composer_says_now_is_held_and_the_post_is_held(people, account):
    pause(people)
    client = client_for(people["editor"])
    html = client.get(url("web:compose", people["workspace"])).content.decode()
    assert 'data-testid="pause-compose"' in html
    response = client.post(url("web:compose", people["workspace"]),
                           {"text": "Pain frais", "accounts": [account.pk], "mode": "now"}, follow=True)
    assert "this post is held" in response.content.decode()
    publication = Publication.objects.get()
    assert publication.state == State.SCHEDULED and publication.published_at is None


# -- the switch --------------------------------------------------------------------------

def test_manager_pauses_from_the_settings_page(people):
    client = client_for(people["manager"])
    settings_page = client.get(url("web:workspace_settings", people["workspace"])).content.decode()
    assert "Pause all publishing" in settings_page
    response = client.post(url("web:workspace_pause", people["workspace"]),
                           {"reason": "Incendie à la boutique", "confirm": "on"})
    assert response.status_code == 302
    people["workspace"].refresh_from_db()
    assert EditorialSettings.of(people["workspace"]).pause_reason == "Incendie à la boutique"
    assert EditorialSettings.of(people["workspace"]).paused_by == people["manager"]


def test_editor_may_not_pause_and_outsider_gets_not_found(people):
    data = {"reason": "Pas mon rôle", "confirm": "on"}
    assert client_for(people["editor"]).post(url("web:workspace_pause", people["workspace"]), data).status_code == 403
    assert client_for(people["viewer"]).post(url("web:workspace_pause", people["workspace"]), data).status_code == 403
    assert client_for(people["outsider"]).post(url("web:workspace_pause", people["workspace"]), data).status_code == 404
    assert client_for(people["outsider"]).get(url("web:workspace_pause", people["workspace"])).status_code == 404
    people["workspace"].refresh_from_db()
    assert not EditorialSettings.of(people["workspace"]).is_paused


def test_viewer_reads_the_status_without_the_switch(people):
    html = client_for(people["viewer"]).get(url("web:workspace_pause", people["workspace"])).content.decode()
    assert "Pause all publishing" not in html


@pytest.mark.parametrize(("data", "field"), [
    ({"reason": "", "confirm": "on"}, "reason"),
    ({"reason": "   ", "confirm": "on"}, "reason"),
    ({"reason": "Crise"}, "confirm"),
])
def test_pause_form_refuses_bad_input_naming_the_field(people, data, field):
    response = client_for(people["manager"]).post(url("web:workspace_pause", people["workspace"]), data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    people["workspace"].refresh_from_db()
    assert not EditorialSettings.of(people["workspace"]).is_paused


def test_pausing_an_already_paused_workspace_says_so(people):
    pause(people)
    response = client_for(people["owner"]).post(url("web:workspace_pause", people["workspace"]),
                                                {"reason": "Encore", "confirm": "on"}, follow=True)
    assert "already paused" in response.content.decode()
    people["workspace"].refresh_from_db()
    assert EditorialSettings.of(people["workspace"]).pause_reason == "Rappel de lots de farine"


# -- resuming ----------------------------------------------------------------------------

def test_resume_page_lists_held_publications_and_applies_each_decision(people, account):
    workspace = people["workspace"]
    now_post = schedule(workspace, people["owner"], [account], "Tarte aux pommes du jour", delay=-300)
    moved = schedule(workspace, people["owner"], [account], "Atelier pâtisserie", delay=-200)
    dropped = schedule(workspace, people["owner"], [account], "Promo anniversaire", delay=-100)
    future = schedule(workspace, people["owner"], [account], "Dimanche", delay=86400)
    pause(people)
    client = client_for(people["manager"])
    page = client.get(url("web:workspace_resume", workspace))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Tarte aux pommes du jour", "Atelier pâtisserie", "Promo anniversaire"):
        assert text in html
    assert "Dimanche" not in html
    assert 'data-count="publish_now">3<' in html  # the preview before any change
    due = pub(now_post).next_attempt_at.astimezone(ZoneInfo(people["manager"].timezone))
    assert due.strftime("%H:%M") in html

    year = timezone.now().year + 1
    response = client.post(url("web:workspace_resume", workspace), {
        f"action_{pub(now_post).pk}": "publish_now",
        f"action_{pub(moved).pk}": "reschedule", f"at_{pub(moved).pk}": f"{year}-06-01T09:00",
        f"tz_{pub(moved).pk}": "America/Montreal",
        f"action_{pub(dropped).pk}": "drop", "default": "drop",
    })
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert not EditorialSettings.of(workspace).is_paused
    assert pub(now_post).state == State.SCHEDULED and pub(now_post).next_attempt_at <= timezone.now()
    assert pub(moved).due_at == datetime(year, 6, 1, 13, 0, tzinfo=UTC)
    assert pub(dropped).state == State.CANCELLED
    assert pub(future).state == State.SCHEDULED and pub(future).due_at > timezone.now() + timedelta(hours=23)


def test_resume_page_refuses_a_time_that_does_not_exist_and_applies_nothing(people, account):
    post = schedule(people["workspace"], people["owner"], [account], "Changement d'heure")
    pause(people)
    year = timezone.now().year + 1
    gap = datetime(year, 3, 31, tzinfo=UTC)
    gap = gap - timedelta(days=(gap.weekday() + 1) % 7)  # last Sunday of March: 02:30 does not exist
    response = client_for(people["manager"]).post(url("web:workspace_resume", people["workspace"]), {
        f"action_{pub(post).pk}": "reschedule", f"at_{pub(post).pk}": f"{gap:%Y-%m-%d}T02:30",
        f"tz_{pub(post).pk}": "Europe/Paris", "default": "publish_now",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-field="at_{pub(post).pk}"' in html and "does not exist" in html
    people["workspace"].refresh_from_db()
    assert EditorialSettings.of(people["workspace"]).is_paused and pub(post).state == State.SCHEDULED


def test_resume_page_refuses_a_past_time_naming_the_row(people, account):
    post = schedule(people["workspace"], people["owner"], [account], "Trop tard")
    pause(people)
    response = client_for(people["manager"]).post(url("web:workspace_resume", people["workspace"]), {
        f"action_{pub(post).pk}": "reschedule", f"at_{pub(post).pk}": "2001-01-01T09:00",
        f"tz_{pub(post).pk}": "Europe/Paris", "default": "drop",
    })
    assert response.status_code == 400
    assert f'data-field="at_{pub(post).pk}"' in response.content.decode()
    people["workspace"].refresh_from_db()
    assert EditorialSettings.of(people["workspace"]).is_paused


def test_resume_page_empty_state_when_nothing_was_held(people, account):
    schedule(people["workspace"], people["owner"], [account], "La semaine prochaine", delay=7 * 86400)
    pause(people)
    client = client_for(people["owner"])
    html = client.get(url("web:workspace_resume", people["workspace"])).content.decode()
    assert 'data-testid="nothing-missed"' in html
    response = client.post(url("web:workspace_resume", people["workspace"]), {"default": "drop"})
    assert response.status_code == 302
    people["workspace"].refresh_from_db()
    assert not EditorialSettings.of(people["workspace"]).is_paused
    assert Publication.objects.get().state == State.SCHEDULED


def test_resume_page_is_for_managers_only(people):
    pause(people)
    resume_url = url("web:workspace_resume", people["workspace"])
    assert client_for(people["editor"]).get(resume_url).status_code == 403
    assert client_for(people["viewer"]).post(resume_url, {"default": "drop"}).status_code == 403
    assert client_for(people["outsider"]).get(resume_url).status_code == 404
    people["workspace"].refresh_from_db()
    assert EditorialSettings.of(people["workspace"]).is_paused


def test_resume_page_of_a_running_workspace_goes_back_to_the_status(people):
    response = client_for(people["manager"]).get(url("web:workspace_resume", people["workspace"]))
    assert response.status_code == 302
    assert response["Location"] == url("web:workspace_pause", people["workspace"])

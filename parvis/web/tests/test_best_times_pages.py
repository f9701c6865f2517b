"""The best-times page: the account's grid with the posts behind each cell, its best
slots offered to the queue, and timing experiments started (wrong input named) and read."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.analytics.models import TimingExperiment
from parvis.analytics.tests.test_dashboard import figures
from parvis.publishing import queue
from parvis.testing.factories import client_for, make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def history(people):
    account = make_account(people["workspace"], "mastodon")
    tz = people["workspace"].tz
    today = timezone.now().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday() + 7)
    for week in range(6):
        day = monday - timedelta(weeks=week)
        figures(account, datetime(day.year, day.month, day.day, 10, tzinfo=tz) + timedelta(days=1), 60, None, None)
        figures(account, datetime(day.year, day.month, day.day, 18, tzinfo=tz) + timedelta(days=3), 30, None, None)
    return {"account": account, **people}


def page(person, workspace, **query):
    return client_for(person).get(reverse("web:best_times", args=[workspace.pk]), query)


def test_the_grid_shows_each_slot_against_the_usual_post_with_its_posts(history):
    html = page(history["viewer"], history["workspace"]).content.decode()
    assert 'data-testid="best-grid"' in html
    best = html.split('data-testid="best-slots"')[1].split("</ol>")[0]
    assert "Tuesday 09:00–12:00" in best and "6 posts" in best
    assert 'data-testid="add-slot"' not in best  # a viewer cannot change the queue


def test_a_manager_adds_a_best_slot_to_the_queue(history):
    html = page(history["manager"], history["workspace"]).content.decode()
    assert 'data-testid="add-slot"' in html
    client = client_for(history["manager"])
    response = client.post(reverse("web:queue", args=[history["workspace"].pk, history["account"].pk]),
                           {"bulk": "1", "bulk_days": "1", "bulk_times": "09:00"})
    assert response.status_code == 302
    assert [(d, t.strftime("%H:%M")) for d, t in queue.slots_of(history["account"])] == [(1, "09:00")]


def test_an_experiment_is_started_and_its_result_said(history):
    client = client_for(history["manager"])
    url = reverse("web:best_times", args=[history["workspace"].pk])
    response = client.post(url, {"weekday": "1", "time_a": "08:00", "time_b": "12:30", "starts_on": "2026-11-02",
                                 "weeks": "4", "add_to_queue": "on"})
    assert response.status_code == 302
    assert TimingExperiment.objects.get().weekday == 1
    html = client.get(url).content.decode()
    assert "Tuesday 08:00 against 12:30, 4 weeks from 2 November" in html
    assert "Not enough posts yet" in html


def test_a_wrong_experiment_names_the_field_and_keeps_what_was_typed(history):
    client = client_for(history["manager"])
    response = client.post(reverse("web:best_times", args=[history["workspace"].pk]),
                           {"weekday": "1", "time_a": "08:00", "time_b": "08:30", "starts_on": "2026-11-02",
                            "weeks": "4"})
    html = response.content.decode()
    assert response.status_code == 400 and "at least an hour and a half apart" in html
    assert 'value="08:30"' in html and not TimingExperiment.objects.exists()
    response = client.post(reverse("web:best_times", args=[history["workspace"].pk]),
                           {"weekday": "1", "time_a": "08:00", "time_b": "12:00", "starts_on": "2026-11-02",
                            "weeks": "90"})
    assert response.status_code == 400 and not TimingExperiment.objects.exists()


def test_an_editor_cannot_start_an_experiment(history):
    response = client_for(history["editor"]).post(reverse("web:best_times", args=[history["workspace"].pk]),
                                                  {"weekday": "1", "time_a": "08:00", "time_b": "12:30",
                                                   "starts_on": "2026-11-02", "weeks": "4"})
    assert response.status_code == 403


def test_a_short_history_says_how_many_posts_are_needed(people):
    make_account(people["workspace"], "mastodon")
    html = page(people["owner"], people["workspace"]).content.decode()
    assert "0 posts with figures so far: best times need at least 8." in html

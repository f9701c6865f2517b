"""Analytics through the API: the dashboard's data for a workspace and for the agency,
each post's latest figures (filtered, ordered, paginated) and a post's snapshots, with
bad parameters answered 400 naming the field and other people's figures out of reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.analytics.models import PostSnapshot
from parvis.analytics.tests.test_dashboard import count, figures
from parvis.testing.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def seeded(people):
    account = make_account(people["workspace"], "mastodon")
    now = timezone.now()
    count(account, now - timedelta(days=10), 2000)
    rows = [figures(account, now - timedelta(days=d), interactions=i, views=v, followers=2000)
            for d, i, v in ((2, 80, 1000), (3, 20, 400), (5, 0, None))]
    figures(account, now - timedelta(days=45), interactions=50, views=None, followers=2000)
    PostSnapshot.objects.create(publication=rows[0].publication, taken_at=now - timedelta(days=1),
                                values={"likes": 70}, provisional=True)
    PostSnapshot.objects.create(publication=rows[0].publication, taken_at=now, values={"likes": 80})
    return {"account": account, "rows": rows, **people}


def api(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def test_the_dashboard_gives_the_pages_figures(seeded):
    answer = api(seeded["viewer"]).get(f"/api/v1/workspaces/{seeded['workspace'].pk}/analytics/dashboard/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["totals"]["posts"] == 3 and body["totals"]["interactions"] == 100
    assert body["totals"]["rate_views_total"] == pytest.approx(100 * 100 / 1400, abs=0.01)
    assert body["totals"]["rate_followers_mean"] == pytest.approx((4 + 1 + 0) / 3, abs=0.01)
    assert body["changes"]["interactions"] == {"value": 100.0, "before": 50.0, "difference": 50.0, "percent": 100.0}
    assert len(body["days"]) == 30 and body["followers"][0]["values"][-1] == 2000
    assert [p["interactions"] for p in body["top"]][:2] == [80, 20]


@pytest.mark.parametrize(("query", "field"), [
    ("days=8", "days"), ("start=2026-02-30&end=2026-03-01", "start"), ("start=2026-03-05&end=2026-03-01", "end"),
    ("account=abc", "account"),
])
def test_a_wrong_parameter_is_named(seeded, query, field):
    answer = api(seeded["owner"]).get(f"/api/v1/workspaces/{seeded['workspace'].pk}/analytics/dashboard/?{query}")
    assert answer.status_code == 400 and list(answer.json()["errors"]) == [field]


def test_each_posts_latest_figures_ordered_and_paginated(seeded):
    url = f"/api/v1/workspaces/{seeded['workspace'].pk}/analytics/posts/"
    body = api(seeded["owner"]).get(url, {"ordering": "-interactions", "days": "7"}).json()
    results = body["results"] if isinstance(body, dict) else body
    assert [r["interactions"] for r in results] == [80, 20, 0]
    assert results[0]["values"] == {"likes": 80, "views": 1000} and results[0]["taken_at"]
    assert api(seeded["owner"]).get(url, {"ordering": "text"}).status_code == 400


def test_a_posts_snapshots_are_every_reading_oldest_first(seeded):
    publication = seeded["rows"][0].publication
    body = api(seeded["viewer"]).get(f"/api/v1/publications/{publication.pk}/snapshots/").json()
    results = body["results"] if isinstance(body, dict) else body
    assert [(r["values"]["likes"], r["provisional"]) for r in results] == [(70, True), (80, False)]
    assert api(seeded["outsider"]).get(f"/api/v1/publications/{publication.pk}/snapshots/").status_code == 404


def test_the_agency_dashboard_covers_only_the_persons_workspaces(seeded):
    mine = api(seeded["owner"]).get("/api/v1/analytics/dashboard/").json()
    assert mine["totals"]["interactions"] == 100
    assert [w["name"] for w in mine["workspaces"]] == ["Boulangerie Dupont"]
    theirs = api(seeded["outsider"]).get("/api/v1/analytics/dashboard/").json()
    assert theirs["totals"]["interactions"] == 0 and theirs["workspaces"] == []


def test_another_workspaces_dashboard_is_404(seeded):
    answer = api(seeded["outsider"]).get(f"/api/v1/workspaces/{seeded['workspace'].pk}/analytics/dashboard/")
    assert answer.status_code == 404


def test_an_accounts_best_times_give_the_grid_and_the_posts_behind_each_cell(seeded):
    body = api(seeded["viewer"]).get(f"/api/v1/accounts/{seeded['account'].pk}/best-times/").json()
    assert body["posts"] == 4 and body["enough"] is False and body["best"] == []
    assert len(body["grid"]) == 7 and all(len(day) == 8 for day in body["grid"])
    assert sum(cell["posts"] for day in body["grid"] for cell in day) == 4
    assert api(seeded["outsider"]).get(f"/api/v1/accounts/{seeded['account'].pk}/best-times/").status_code == 404


def test_a_manager_starts_an_experiment_and_reads_its_result(seeded):
    url = f"/api/v1/workspaces/{seeded['workspace'].pk}/timing-experiments/"
    body = {"account": seeded["account"].pk, "weekday": 1, "time_a": "08:00", "time_b": "12:30",
            "starts_on": "2026-11-02", "weeks": 4, "add_to_queue": True}
    assert api(seeded["editor"]).post(url, body, format="json").status_code == 403
    made = api(seeded["manager"]).post(url, body, format="json")
    assert made.status_code == 201, made.content
    # said in the requester's language (French unless they chose another)
    assert made.json()["result"]["summary"].startswith("Pas encore assez de posts : 0 à 08:00, 0 à 12:30")
    listed = api(seeded["viewer"]).get(url).json()
    assert [e["id"] for e in (listed["results"] if isinstance(listed, dict) else listed)] == [made.json()["id"]]
    wrong = api(seeded["manager"]).post(url, {**body, "time_b": "08:00"}, format="json")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["time_b"]
    theirs = api(seeded["manager"]).post(url, {**body, "account": 999999}, format="json")
    assert theirs.status_code == 400 and list(theirs.json()["errors"]) == ["account"]
    detail = f"/api/v1/timing-experiments/{made.json()['id']}/"
    assert api(seeded["outsider"]).get(detail).status_code == 404
    assert api(seeded["manager"]).delete(detail).status_code == 204

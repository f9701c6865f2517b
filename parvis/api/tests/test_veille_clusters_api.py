"""La veille's stories through the API: grouped as on the web page, per window and
folder, with the requester's own new count; marked read through `entries/marks/`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.listening.models import Folder
from parvis.listening.tests.test_clusters import add, follow, watched

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def veille(people):
    ws, owner, now = people["workspace"], people["owner"], timezone.now()
    a = follow(ws, owner, "https://a.example/feed", "Presse A", folder="Presse")
    b = follow(ws, owner, "https://b.example/feed", "Presse B")
    tag = watched(ws, owner, "greve")
    strike = [add(a, "Grève à la SNCF", "https://news.example/greve", now - timedelta(hours=3)),
              add(b, "La SNCF en grève demain", "https://news.example/greve", now - timedelta(hours=2)),
              add(tag, "Marie : grève demain", "https://news.example/greve", now - timedelta(hours=1))]
    add(b, "Une vieille affaire", "https://b.example/vieille", now - timedelta(days=4))
    return {"strike": strike, **people}


def api(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def url(ws) -> str:
    return f"/api/v1/workspaces/{ws.pk}/veille/clusters/"


def test_clusters_group_feeds_and_networks_with_counts(veille):
    ws = veille["workspace"]
    body = api(veille["viewer"]).get(url(ws)).json()
    assert body["count"] == 1
    [story] = body["results"]
    assert story["sources"] == 3 and story["new"] == 3
    assert story["lead"]["id"] == veille["strike"][0].pk and story["lead"]["source_title"] == "Presse A"
    assert [e["network"] for e in story["entries"]] == [True, False, False]
    assert story["first_seen"].endswith("Z") and story["last_seen"] > story["first_seen"]


def test_marking_a_story_read_through_entry_marks_lowers_its_new_count(veille):
    ws, viewer = veille["workspace"], veille["viewer"]
    ids = [e.pk for e in veille["strike"]]
    marked = api(viewer).post(f"/api/v1/workspaces/{ws.pk}/entries/marks/", {"entries": ids, "read": True},
                              format="json")
    assert marked.status_code == 200
    assert api(viewer).get(url(ws)).json()["results"][0]["new"] == 0
    assert api(veille["owner"]).get(url(ws)).json()["results"][0]["new"] == 3


def test_the_window_and_the_folder_filter(veille):
    ws, viewer = veille["workspace"], veille["viewer"]
    week = api(viewer).get(url(ws), {"window": "7d"}).json()
    assert week["count"] == 2
    presse = Folder.objects.get(workspace=ws, name="Presse")
    [only] = api(viewer).get(url(ws), {"folder": presse.pk}).json()["results"]
    assert only["sources"] == 1
    assert api(viewer).get(url(ws), {"folder": 10**9}).json()["count"] == 0


@pytest.mark.parametrize(("query", "field"), [({"window": "month"}, "window"), ({"folder": "abc"}, "folder")])
def test_a_wrong_parameter_names_itself(veille, query, field):
    response = api(veille["viewer"]).get(url(veille["workspace"]), query)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_another_workspaces_clusters_are_not_found(veille):
    assert api(veille["outsider"]).get(url(veille["workspace"])).status_code == 404

"""Queue slots through the API: `mode: queue` on posts, the account's queue, shuffle."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from parvis.publishing import queue
from parvis.publishing.models import AccountQueue, Publication

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def queue_url(account, name="api:account-queue"):
    return reverse(name, args=[account.pk])


def test_post_in_queue_mode_takes_each_accounts_next_slot(world, api):
    queue.set_slots(world.mastodon, [(1, time(9))])
    queue.set_slots(world.bluesky, [(3, time(18, 30))])
    response = api.post(reverse("api:posts", args=[world.workspace.pk]),
                        {"text": "Croissants", "accounts": [world.mastodon.pk, world.bluesky.pk], "mode": "queue"},
                        format="json")
    assert response.status_code == 201, response.json()
    tz = ZoneInfo(world.workspace.timezone)
    local = {p.account_id: p.due_at.astimezone(tz) for p in Publication.objects.all()}
    assert (local[world.mastodon.pk].weekday(), local[world.mastodon.pk].time()) == (1, time(9))
    assert (local[world.bluesky.pk].weekday(), local[world.bluesky.pk].time()) == (3, time(18, 30))
    assert [p["in_queue"] for p in response.json()["publications"]] == [True, True]
    patched = api.patch(reverse("api:post", args=[response.json()["id"]]), {"text": "Croissants !"}, format="json")
    assert patched.status_code == 200
    assert all(Publication.objects.values_list("in_queue", flat=True))  # still queued, same times
    assert {p.account_id: p.due_at.astimezone(tz) for p in Publication.objects.all()} == local


def test_queue_mode_without_slots_is_a_400_naming_accounts(world, api):
    response = api.post(reverse("api:posts", args=[world.workspace.pk]),
                        {"text": "x", "accounts": [world.mastodon.pk], "mode": "queue"}, format="json")
    assert response.status_code == 400
    assert "no queue slots" in response.json()["errors"]["accounts"][0]


def test_get_and_put_the_queue(world, api):
    body = api.get(queue_url(world.mastodon)).json()
    assert body == {"account": world.mastodon.pk, "timezone": world.workspace.timezone, "paused": False,
                    "slots": [], "queued": [], "next_free": []}
    response = api.put(queue_url(world.mastodon), {"slots": [{"weekday": 4, "time": "12:30"},
                                                            {"weekday": 0, "time": "08:00"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["slots"] == [{"weekday": 0, "time": "08:00"}, {"weekday": 4, "time": "12:30"}]
    assert len(response.json()["next_free"]) == 3 and response.json()["next_free"][0].endswith("Z")
    paused = api.put(queue_url(world.mastodon), {"paused": True}, format="json").json()
    assert paused["paused"] and len(paused["slots"]) == 2
    assert AccountQueue.objects.get(account=world.mastodon).paused


def test_bad_slots_name_the_field(world, api):
    response = api.put(queue_url(world.mastodon), {"slots": [{"weekday": 9, "time": "25:00"}]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"slots[0].weekday", "slots[0].time"}


def test_queue_access(world, client_for):
    assert client_for(world.editor).put(queue_url(world.mastodon), {"paused": True}, format="json").status_code == 403
    assert client_for(world.viewer).get(queue_url(world.mastodon)).status_code == 200
    assert client_for(world.viewer).post(queue_url(world.mastodon, "api:account-queue-shuffle")).status_code == 403
    assert client_for(world.outsider).get(queue_url(world.mastodon)).status_code == 404
    assert client_for(world.owner).get(queue_url(world.other_account)).status_code == 404


def test_shuffle_keeps_the_times(world, api, client_for):
    queue.set_slots(world.mastodon, [(1, time(9)), (3, time(9))])
    for i in range(4):
        api.post(reverse("api:posts", args=[world.workspace.pk]),
                 {"text": f"post {i}", "accounts": [world.mastodon.pk], "mode": "queue"}, format="json")
    before = sorted(Publication.objects.values_list("due_at", flat=True))
    response = client_for(world.editor).post(queue_url(world.mastodon, "api:account-queue-shuffle"))
    assert response.status_code == 200
    assert len(response.json()["queued"]) == 4
    assert sorted(Publication.objects.values_list("due_at", flat=True)) == before

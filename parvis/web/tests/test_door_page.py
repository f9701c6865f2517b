"""The door page and its sync of guests ticked by name (scanned codes go to the events
API): members see the offline list (hashes, never codes), a name ticked goes through the
same check-in as a scan, a batch sent twice counts once, a code sent here counts nothing,
another workspace's event is a 404, a viewer's ticks a 403."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from parvis.relations import rsvp, tokens
from parvis.relations.models import CheckIn
from parvis.relations.tests.eventkit import NOW, STARTS, invite, make_event

pytestmark = pytest.mark.django_db


def _evening(people):
    event = make_event(people, plus_ones=1)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    rsvp.answer(ana, "yes", ["Paul Martin"], now=NOW)
    rsvp.answer(ben, "yes", now=NOW)
    return event, ana, ben


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _sync(client: Client, event, scans, csrf: bool = True):
    url = reverse("web:event_door_sync", args=[event.workspace_id, event.pk])
    client.get(reverse("web:event_door", args=[event.workspace_id, event.pk]))  # sets the CSRF cookie
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value} if csrf else {}
    return client.post(url, json.dumps({"scans": scans}), content_type="application/json", headers=headers)


def test_members_get_the_offline_list_with_hashes_and_no_code(people):
    event, ana, _ben = _evening(people)
    response = _client(people["viewer"]).get(reverse("web:event_door", args=[event.workspace_id, event.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert tokens.code_hash(tokens.door_code(ana)) in page and tokens.door_code(ana) not in page
    assert 'id="door-list" type="application/json"' in page and "vendor/jsQR-1.4.0.js" in page
    assert f'data-check-ins="/api/v1/workspaces/{event.workspace_id}/events/{event.pk}/check-ins/"' in page
    assert 'data-testid="door-let-in"' not in page  # a viewer checks codes, lets nobody in
    other = _client(people["outsider"]).get(reverse("web:event_door", args=[event.workspace_id, event.pk]))
    assert other.status_code == 404


def test_names_ticked_count_once_however_often_sent_and_codes_sent_here_count_nothing(people):
    event, ana, ben = _evening(people)
    client = _client(people["editor"])
    scans = [{"guest": ana.pk, "people": 2, "scanned_at": STARTS.isoformat(), "client_id": "p1-1"},
             {"guest": ben.pk, "people": 1, "scanned_at": STARTS.isoformat(), "client_id": "p1-2"},
             {"guest": 99999999999999999999999, "people": 1, "scanned_at": STARTS.isoformat(), "client_id": "p1-3"},
             {"code": tokens.door_code(ben), "people": 1, "scanned_at": STARTS.isoformat(), "client_id": "p1-4"}]
    first = _sync(client, event, scans).json()["results"]
    assert [(r["client_id"], r["status"]) for r in first] == [
        ("p1-1", "in"), ("p1-2", "in"), ("p1-3", "refused"), ("p1-4", "refused")]
    assert "Ana Blog" in first[0]["message"] and first[0]["at"] == STARTS.isoformat()  # in the person's language
    again = _sync(client, event, scans[:2]).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert sorted(CheckIn.objects.filter(guest__event=event).values_list("people", flat=True)) == [1, 2]


def test_a_viewer_cannot_let_anyone_in_and_the_sync_needs_its_csrf_token(people):
    event, ana, _ben = _evening(people)
    scan = [{"guest": ana.pk, "people": 1, "scanned_at": STARTS.isoformat(), "client_id": "v-1"}]
    assert _sync(_client(people["viewer"]), event, scan).status_code == 403
    assert _sync(_client(people["editor"]), event, scan, csrf=False).status_code == 403
    assert _sync(_client(people["editor"]), event, {"not": "a list"}).status_code == 400
    assert not CheckIn.objects.exists()

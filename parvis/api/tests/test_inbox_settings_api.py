"""The inbox's settings through the API: target and crisis thresholds, working hours,
the rota with who is on duty, crisis alerts, notification channels (secrets never come
back; the test reaches a recorder on loopback), rules with the test on past items, and
response times over a period. Errors name the field; roles below manager 403 (except
what every member reads); other workspaces' objects 404."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.inbox import triage
from parvis.inbox.ingest import store
from parvis.inbox.models import CrisisAlert, DutySlot, InboxSettings, Item, Rule, Webhook
from parvis.inbox.tests.factories import author, inbound

pytestmark = pytest.mark.django_db


def ws(world: World, suffix: str) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/inbox/{suffix}"


def items(world: World, *texts: str, hours_ago: float = 1) -> list[Item]:
    start = timezone.now() - timedelta(hours=hours_ago)
    stored = store(world.mastodon, [inbound(text, at=start + timedelta(minutes=n), by=author())
                                    for n, text in enumerate(texts)], analyser=lambda found: None)
    return sorted(stored.new_in_inbox, key=lambda item: item.created_at)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    settings.PARVIS_ALLOW_PRIVATE_URLS = True


# -- settings, hours, rota, crisis ----------------------------------------------------------

def test_settings_change_field_by_field_and_bad_values_are_named(world: World, api: APIClient) -> None:
    assert api.get(ws(world, "settings/")).json()["response_target_minutes"] == 120
    changed = api.patch(ws(world, "settings/"), {"crisis_min_items": 25, "crisis_factor": 2.5}, format="json")
    assert changed.status_code == 200
    config = InboxSettings.of(world.workspace)
    assert (config.crisis_min_items, config.crisis_factor, config.response_target_minutes) == (25, 2.5, 120)
    refused = api.patch(ws(world, "settings/"), {"crisis_factor": 0.5, "response_target_minutes": 0}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"crisis_factor", "response_target_minutes"}
    retrained = api.post(ws(world, "retrain/"))
    assert retrained.status_code == 200 and retrained.json()["model_corrections"] is None  # nothing to learn


def test_working_hours_are_replaced_and_checked_by_period(world: World, api: APIClient) -> None:
    body = {"periods": [{"weekday": 0, "starts": "09:00", "ends": "18:00"},
                        {"weekday": 4, "starts": "22:00", "ends": "07:00"}]}
    saved = api.put(ws(world, "hours/"), body, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["periods"][1] == {"weekday": 4, "starts": "22:00", "ends": "07:00"}
    assert saved.json()["timezone"] == "Europe/Paris"
    refused = api.put(ws(world, "hours/"), {"periods": [{"weekday": 1, "starts": "09:00", "ends": "09:00"}]},
                      format="json")
    assert refused.status_code == 400 and "periods[0].ends" in refused.json()["errors"]
    assert len(api.get(ws(world, "hours/")).json()["periods"]) == 2  # nothing lost
    assert api.put(ws(world, "hours/"), {"periods": []}, format="json").json()["working_now"] is True


def test_the_rota_takes_members_only_and_says_who_is_on_duty(world: World, api: APIClient) -> None:
    now = timezone.now().astimezone(world.workspace.tz)
    slot = {"user": world.editor.pk, "weekday": now.weekday(), "starts": "00:00", "ends": "23:59", "role": "duty"}
    created = api.post(ws(world, "rota/"), slot, format="json")
    assert created.status_code == 201, created.content
    rota = api.get(ws(world, "rota/")).json()
    assert [p["id"] for p in rota["on_duty_now"]] in ([world.editor.pk], [])  # [] only in the last minute of a day
    assert rota["slots"][0]["user"] == world.editor.pk
    outsider = api.post(ws(world, "rota/"), {**slot, "user": world.outsider.pk}, format="json")
    assert outsider.status_code == 400 and "user" in outsider.json()["errors"]
    wrong_role = api.post(ws(world, "rota/"), {**slot, "role": "boss"}, format="json")
    assert "role" in wrong_role.json()["errors"]
    assert api.delete(f"/api/v1/inbox/rota/{created.json()['id']}/").status_code == 204
    assert not DutySlot.objects.exists()


def test_crisis_alerts_are_read_by_members_and_acknowledged_by_editors(
        world: World, client_for: Callable[[User], APIClient]) -> None:
    now = timezone.now()
    alert = CrisisAlert.objects.create(workspace=world.workspace, started_at=now - timedelta(minutes=5),
                                       window_end=now, count=30, usual=2.0)
    viewer, editor = client_for(world.viewer), client_for(world.editor)
    listed = viewer.get(ws(world, "crisis-alerts/")).json()["results"]
    assert [(a["id"], a["active"]) for a in listed] == [(alert.pk, True)]
    assert viewer.post(f"/api/v1/inbox/crisis-alerts/{alert.pk}/acknowledge/").status_code == 403
    assert client_for(world.outsider).post(f"/api/v1/inbox/crisis-alerts/{alert.pk}/acknowledge/").status_code == 404
    done = editor.post(f"/api/v1/inbox/crisis-alerts/{alert.pk}/acknowledge/").json()
    assert done["acknowledged_by"] == world.editor.pk and done["active"] is False


@pytest.mark.parametrize("path", ["settings/", "hours/", "rota/", "channels/", "rules/"])
def test_settings_are_for_managers(world: World, client_for: Callable[[User], APIClient], path: str) -> None:
    assert client_for(world.editor).get(ws(world, path)).status_code == 403
    assert client_for(world.outsider).get(ws(world, path)).status_code == 404


# -- channels ---------------------------------------------------------------------------------

def test_a_channel_s_secrets_never_come_back_and_its_test_reaches_the_server(world: World, api: APIClient,
                                                                              http_recorder: Any) -> None:
    address = f"http://127.0.0.1:{http_recorder.server_address[1]}/secret-path"
    created = api.post(ws(world, "channels/"), {"name": "Alertes", "format": "ntfy", "url": address,
                                                "token": "tk_abcdefghijklmnop"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert "secret-path" not in json.dumps(body) and "tk_abcdefghijklmnop" not in json.dumps(body)
    assert body["has_token"] is True and body["address"] == "http://127.0.0.1"
    assert body["topics"] == ["inbox", "crisis"]  # what a channel always carried
    retopic = api.patch(f"/api/v1/inbox/channels/{body['id']}/", {"topics": ["publishing", "crisis"]}, format="json")
    assert retopic.json()["topics"] == ["publishing", "crisis"]
    renamed = api.patch(f"/api/v1/inbox/channels/{body['id']}/", {"name": "Nuit"}, format="json")
    hook = Webhook.objects.get()
    assert renamed.json()["name"] == "Nuit" and hook.url == address and hook.secret["token"] == "tk_abcdefghijklmnop"
    tested = api.post(f"/api/v1/inbox/channels/{body['id']}/test/").json()
    assert tested["delivered"] is True and tested["status"] == "HTTP 200"
    assert http_recorder.received[0]["path"] == "/secret-path"
    listed = api.get(ws(world, "channels/")).content.decode()
    assert "secret-path" not in listed and "tk_abcdefghijklmnop" not in listed
    forgotten = api.patch(f"/api/v1/inbox/channels/{body['id']}/", {"forget_token": True}, format="json")
    assert forgotten.json()["has_token"] is False
    assert api.delete(f"/api/v1/inbox/channels/{body['id']}/").status_code == 204


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "", "format": "slack", "url": "https://hooks.example.com/x"}, "name"),
    ({"name": "a", "format": "slack", "url": "ftp://x"}, "url"),
    ({"name": "a", "format": "telex", "url": "https://hooks.example.com/x"}, "format"),
    ({"name": "a", "format": "matrix", "url": "https://matrix.example.org", "room": "general", "token": "t"}, "room"),
    ({"name": "a", "format": "matrix", "url": "https://matrix.example.org", "room": "!r:example.org"}, "token"),
    ({"name": "a", "format": "slack", "url": "https://hooks.example.com/x", "topics": []}, "topics"),
    ({"name": "a", "format": "slack", "url": "https://hooks.example.com/x", "topics": ["weather"]}, "topics"),
])
def test_a_bad_channel_is_named(world: World, api: APIClient, body: dict[str, str], field: str,
                                settings: Any) -> None:
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    response = api.post(ws(world, "channels/"), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert not Webhook.objects.exists()


def test_another_workspace_s_channel_is_not_found(world: World, client_for: Callable[[User], APIClient]) -> None:
    hook = Webhook.objects.create(workspace=world.other_workspace, name="x", format="slack",
                                  url="https://hooks.example.com/x")
    api = client_for(world.owner)
    assert api.get(f"/api/v1/inbox/channels/{hook.pk}/").status_code == 404
    assert api.post(f"/api/v1/inbox/channels/{hook.pk}/test/").status_code == 404


# -- rules --------------------------------------------------------------------------------------

def test_a_rule_is_tested_on_past_items_created_off_then_switched_on(world: World, api: APIClient) -> None:
    items(world, "Je veux un remboursement", "Merci pour tout", "Remboursez-moi !")
    conditions = {"words": ["rembours*"]}
    preview = api.post(ws(world, "rules/preview/"), {"conditions": conditions}, format="json")
    assert preview.status_code == 200, preview.content
    assert (preview.json()["count"], preview.json()["scanned"], preview.json()["days"]) == (2, 3, 90)
    assert len(preview.json()["sample"]) == 2
    created = api.post(ws(world, "rules/"), {"name": "Remboursements", "conditions": conditions,
                                             "actions": {"priority": 2, "assign": "on_duty"}}, format="json")
    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule["enabled"] is False and rule["actions"] == {"priority": 2, "assign": "on_duty"}
    assert api.get(f"/api/v1/inbox/rules/{rule['id']}/test/").json()["count"] == 2
    on = api.patch(f"/api/v1/inbox/rules/{rule['id']}/", {"enabled": True}, format="json").json()
    assert on["enabled"] is True and on["name"] == "Remboursements"
    second = api.post(ws(world, "rules/"), {"name": "Spam", "conditions": {"flags": ["spam"]},
                                            "actions": {"hide": True}}, format="json").json()
    assert api.post(f"/api/v1/inbox/rules/{second['id']}/move/", {"direction": "up"}, format="json").json()[
        "position"] == 0
    assert [r["name"] for r in api.get(ws(world, "rules/")).json()["results"]] == ["Spam", "Remboursements"]
    assert api.delete(f"/api/v1/inbox/rules/{rule['id']}/").status_code == 204
    assert list(Rule.objects.values_list("name", flat=True)) == ["Spam"]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "", "conditions": {"words": ["x"]}, "actions": {"done": True}}, "name"),
    ({"name": "a", "conditions": {}, "actions": {"done": True}}, "conditions"),
    ({"name": "a", "conditions": {"sentiments": ["furious"]}, "actions": {"done": True}}, "conditions.sentiments"),
    ({"name": "a", "conditions": {"words": ["x"]}, "actions": {}}, "actions"),
    ({"name": "a", "conditions": {"words": ["x"]}, "actions": {"labels": [999]}}, "actions.labels"),
    ({"name": "a", "conditions": {"words": ["x"]}, "actions": {"assign": "nobody"}}, "actions.assign"),
    ({"name": "a", "conditions": {"words": ["x"]}, "actions": {"priority": 7}}, "actions.priority"),
])
def test_a_bad_rule_is_named(world: World, api: APIClient, body: dict[str, Any], field: str) -> None:
    response = api.post(ws(world, "rules/"), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert not Rule.objects.exists()


def test_an_account_of_another_workspace_is_refused_in_a_preview(world: World, api: APIClient) -> None:
    response = api.post(ws(world, "rules/preview/"), {"conditions": {"accounts": [world.other_account.pk]}},
                        format="json")
    assert response.status_code == 400 and "conditions.accounts" in response.json()["errors"]


# -- response times -----------------------------------------------------------------------------

def test_response_times_over_a_period_for_every_member(world: World,
                                                       client_for: Callable[[User], APIClient]) -> None:
    old, recent = items(world, "Il y a longtemps", hours_ago=24 * 20)[0], items(world, "Hier", hours_ago=25)[0]
    triage.set_status(recent, "done", world.editor)
    Item.objects.filter(pk=recent.pk).update(first_response_at=recent.created_at + timedelta(minutes=30))
    viewer = client_for(world.viewer)
    week = viewer.get(ws(world, "response-times/"), {"days": 7})
    assert week.status_code == 200, week.content
    figures = week.json()
    assert (figures["items"], figures["answered"], figures["median_minutes"]) == (1, 1, 30.0)
    assert len(figures["daily"]) == 7 and figures["target_minutes"] == 120
    assert figures["people"][0]["user"] == world.editor.pk
    month = viewer.get(ws(world, "response-times/"), {"days": 30}).json()
    assert month["items"] == 2 and month["overdue"] == 1 and month["overdue_now"] == 1 and old.pk
    today = timezone.now().date()
    one_day = viewer.get(ws(world, "response-times/"), {"since": str(today), "until": str(today), "tz": "UTC"})
    assert one_day.json()["items"] == 0 and len(one_day.json()["daily"]) == 1
    for query, field in (({"since": "2026-02-01", "until": "2026-01-01"}, "until"), ({"days": 0}, "days"),
                         ({"tz": "Mars/Olympus"}, "tz"), ({"since": "9999-12-31"}, "since"),
                         ({"since": "2000-01-01", "until": "2026-01-01"}, "since")):
        refused = viewer.get(ws(world, "response-times/"), query)
        assert refused.status_code == 400 and field in refused.json()["errors"], (query, refused.content)
    assert client_for(world.outsider).get(ws(world, "response-times/")).status_code == 404

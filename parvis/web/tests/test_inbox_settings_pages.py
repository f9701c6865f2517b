"""The inbox's settings screens: rules (with the test on past items), working hours and
rota, notification channels (sent to a recorder on loopback), response times, crisis
thresholds and retraining, and the crisis banner with its one-click pause. Every form's
errors name the field, never 500 and lose nothing saved; outsiders get 404 and roles below
manager 403."""

from __future__ import annotations

import html
import re
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.inbox import duty, rules
from parvis.inbox.models import (
    Correction,
    CrisisAlert,
    DutySlot,
    InboxSettings,
    Item,
    Rule,
    Webhook,
    WorkingHours,
    WorkspaceModel,
)
from parvis.inbox.tests.factories import author, seed
from parvis.publishing.models import EditorialSettings, Label
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SETTINGS_PAGES = ["web:inbox_rules", "web:inbox_rule_new", "web:inbox_hours", "web:inbox_channels",
                  "web:inbox_settings"]
ALL_PAGES = [*SETTINGS_PAGES, "web:inbox_response_times"]


@pytest.fixture
def server(http_recorder: Any) -> Any:
    return http_recorder


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    settings.PARVIS_ALLOW_PRIVATE_URLS = True


def url(name: str, people: dict[str, Any], *args: Any) -> str:
    return reverse(name, args=[people["workspace"].pk, *args])


def page(response: Any) -> str:
    return response.content.decode()


def error_fields(response: Any) -> set[str]:
    return set(re.findall(r'class="error" data-field="([a-z_]+)"', page(response))) | set(
        re.findall(r'<li data-field="([a-z_]+)"', page(response)))


# -- access ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_renders_empty_for_a_manager(people, name):
    response = client_for(people["manager"]).get(url(name, people))
    assert response.status_code == 200
    assert people["workspace"].name in page(response)


@pytest.mark.parametrize("name", ALL_PAGES)
def test_outsiders_get_not_found_like_a_missing_workspace(people, name):
    client = client_for(people["outsider"])
    assert client.get(url(name, people)).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_settings_are_for_managers_only(people, role, name):
    assert client_for(people[role]).get(url(name, people)).status_code == 403


def test_members_read_response_times_but_only_managers_change_the_target(people):
    viewer = client_for(people["viewer"])
    response = viewer.get(url("web:inbox_response_times", people))
    assert response.status_code == 200 and 'data-testid="target-form"' not in page(response)
    assert viewer.post(url("web:inbox_response_times", people), {"response_target_minutes": 5}).status_code == 403
    assert InboxSettings.of(people["workspace"]).response_target_minutes == 120


def test_another_workspace_s_rule_is_not_found(people):
    other = Rule.objects.create(workspace=people["other_workspace"], name="theirs", conditions={"words": ["x"]},
                                actions={"done": True})
    client = client_for(people["manager"])
    assert client.get(url("web:inbox_rule_edit", people, other.pk)).status_code == 404
    assert client.post(url("web:inbox_rule_switch", people, other.pk), {"enabled": "1"}).status_code == 404
    other.refresh_from_db()
    assert not other.enabled


def test_the_workspace_settings_page_links_to_the_inbox_settings(people):
    html_ = page(client_for(people["manager"]).get(reverse("web:workspace_settings", args=[people["workspace"].pk])))
    for name in ("web:inbox_rules", "web:inbox_hours", "web:inbox_channels", "web:inbox_response_times",
                 "web:inbox_settings"):
        assert f'href="{url(name, people)}"' in html_


# -- rules -----------------------------------------------------------------------------

def rule_data(**changes: Any) -> dict[str, Any]:
    return {"name": "Remboursements", "words": "rembours*\nargent", "languages": "fr", "sentiments": ["negative"],
            "priority": "2", "notify": "on", **changes}


def test_a_new_rule_is_created_off_and_the_page_says_to_test_it(people, account):
    label = Label.objects.create(workspace=people["workspace"], name="SAV")
    client = client_for(people["manager"])
    response = client.post(url("web:inbox_rule_new", people), rule_data(
        labels=[str(label.pk)], assign="on_duty", accounts=[str(account.pk)], kinds=["reply", "mention"]))
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert not rule.enabled
    assert rule.conditions == {"words": ["rembours*", "argent"], "languages": ["fr"], "sentiments": ["negative"],
                               "accounts": [account.pk], "kinds": ["reply", "mention"]}
    assert rule.actions == {"labels": [label.pk], "assign": "on_duty", "priority": 2, "notify": True}
    followed = client.get(response["Location"])
    assert 'data-testid="test-first"' in page(followed) and "Test it on past items" in page(followed)
    assert "rembours*\nargent" in page(followed)  # the edit form shows what was saved


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"words": "", "languages": "", "sentiments": []}, "conditions"),
    ({"sentiments": ["furious"]}, "sentiments"),
    ({"accounts": ["999999"]}, "accounts"),
    ({"priority": "", "notify": ""}, "actions"),
    ({"assign": "999999"}, "assign"),
    ({"priority": "7"}, "priority"),
    ({"labels": ["999999"]}, "labels"),
])
def test_a_bad_rule_names_the_field_and_keeps_what_was_typed(people, changes, field):
    data = {k: v for k, v in rule_data(**changes).items() if v != ""}
    response = client_for(people["manager"]).post(url("web:inbox_rule_new", people), data)
    assert response.status_code == 400
    assert field in error_fields(response)
    assert not Rule.objects.exists()
    if data.get("words"):
        assert html.escape(data["words"]) in page(response)


def test_editing_a_rule_with_an_error_leaves_the_saved_rule_as_it_was(people):
    rule = rules.save_rule(people["workspace"], people["manager"], "Spam", {"flags": ["spam"]}, {"done": True})
    response = client_for(people["manager"]).post(url("web:inbox_rule_edit", people, rule.pk),
                                                  {"name": "", "flags": ["spam"], "hide": "on"})
    assert response.status_code == 400 and "name" in error_fields(response)
    rule.refresh_from_db()
    assert (rule.name, rule.actions) == ("Spam", {"done": True})


def test_the_preview_counts_what_the_rule_would_match_on_past_items(people, account):
    texts = [f"Toujours pas de remboursement n°{n}" for n in range(7)] + ["Merci pour la livraison"] * 4
    texts += ["Je veux être remboursée " + HOSTILE]
    seeded = seed(account, texts)
    seed(account, ["remboursement d'il y a longtemps"], start=timezone.now() - timedelta(days=200))
    conditions = {"words": ["rembours*"]}
    recent = Item.objects.filter(workspace=people["workspace"], in_inbox=True,
                                 created_at__gte=timezone.now() - timedelta(days=rules.PREVIEW_DAYS))
    expected = sum(rules.matches(conditions, item) for item in recent)
    assert expected == 8 and len(seeded) == 12

    response = client_for(people["manager"]).post(url("web:inbox_rule_preview", people),
                                                  {"words": "rembours*", "name": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = page(response)
    assert f'data-count="{expected}"' in body
    assert f"This rule would have matched {expected} items in the last 90 days." in body
    assert "<script>" not in body and "&lt;script&gt;" in body  # the sample is shown as text
    assert body.count("<li data-item=") == 5


def test_the_test_button_without_javascript_shows_the_count_and_saves_nothing(people, account):
    seed(account, ["Arnaque !", "Bonjour", "arnaques partout"])
    response = client_for(people["manager"]).post(url("web:inbox_rule_new", people),
                                                  rule_data(words="arnaque*", languages="", sentiments=[],
                                                            preview="1"))
    assert response.status_code == 200
    assert 'data-count="2"' in page(response) and "arnaque*" in page(response)
    assert not Rule.objects.exists()


def test_the_preview_names_a_bad_condition(people):
    response = client_for(people["manager"]).post(url("web:inbox_rule_preview", people), {"kinds": ["own"]})
    assert response.status_code == 200 and "kinds" in error_fields(response)


def test_rules_move_switch_on_and_delete(people):
    workspace = people["workspace"]
    first = rules.save_rule(workspace, None, "A", {"words": ["a"]}, {"done": True})
    second = rules.save_rule(workspace, None, "B", {"words": ["b"]}, {"done": True})
    client = client_for(people["manager"])
    client.post(url("web:inbox_rule_move", people, second.pk), {"direction": "up"})
    assert list(Rule.objects.filter(workspace=workspace).values_list("name", flat=True)) == ["B", "A"]
    client.post(url("web:inbox_rule_switch", people, first.pk), {"enabled": "1"})
    first.refresh_from_db()
    assert first.enabled
    listing = page(client.get(url("web:inbox_rules", people)))
    assert listing.index(">B</a>") < listing.index(">A</a>")
    client.post(url("web:inbox_rule_delete", people, second.pk))
    assert list(Rule.objects.values_list("name", flat=True)) == ["A"]


# -- working hours and rota ------------------------------------------------------------

def test_working_hours_with_several_periods_and_one_past_midnight(people):
    response = client_for(people["manager"]).post(url("web:inbox_hours", people), {
        "day": ["0", "0", "4", "0"], "starts": ["09:00", "14:00", "22:00", ""],
        "ends": ["12:00", "18:00", "02:00", ""]})
    assert response.status_code == 302
    saved = [(h.weekday, h.starts, h.ends) for h in WorkingHours.objects.filter(workspace=people["workspace"])]
    assert saved == [(0, time(9), time(12)), (0, time(14), time(18)), (4, time(22), time(2))]
    again = page(client_for(people["manager"]).get(url("web:inbox_hours", people)))
    assert 'value="22:00"' in again and "runs past midnight" in again


@pytest.mark.parametrize(("starts", "ends", "field"), [("25:00", "12:00", "starts"), ("09:00", "", "ends"),
                                                       ("09:00", "09:00", "ends")])
def test_bad_working_hours_name_the_field_and_keep_the_saved_ones(people, starts, ends, field):
    duty.set_hours(people["workspace"], [(1, time(8), time(17))])
    response = client_for(people["manager"]).post(url("web:inbox_hours", people), {
        "day": ["1", "2"], "starts": ["08:00", starts], "ends": ["17:00", ends]})
    assert response.status_code == 400
    assert field in error_fields(response)
    assert f'value="{starts}"' in page(response)  # what was typed is still there
    assert [(h.weekday, h.starts) for h in WorkingHours.objects.all()] == [(1, time(8))]


def test_a_rota_slot_is_added_and_whoever_is_on_duty_now_is_shown_in_both_zones(people):
    manager = people["manager"]
    manager.timezone = "America/Montreal"
    manager.save(update_fields=["timezone"])
    now_paris = timezone.now().astimezone(people["workspace"].tz)
    before, after = now_paris - timedelta(hours=1), now_paris + timedelta(hours=1)
    client = client_for(manager)
    response = client.post(url("web:inbox_duty_add", people), {  # may run past midnight: still covers now
        "user": people["editor"].pk, "weekday": before.weekday(), "starts": before.strftime("%H:%M"),
        "ends": after.strftime("%H:%M"), "role": "duty"})
    assert response.status_code == 302
    slot = DutySlot.objects.get()
    assert (slot.user, slot.role) == (people["editor"], "duty")
    body = page(client.get(url("web:inbox_hours", people)))
    on_duty = re.search(r'data-testid="on-duty">(.*?)</strong>', body, re.S)
    assert on_duty is not None and "editor@agence.test" in on_duty.group(1)
    assert "Europe/Paris" in body and "America/Montreal" in body
    shown = dict(re.findall(r'<time data-zone="([^"]+)">\w+ (\d\d):\d\d</time>', body))
    offset = now_paris.utcoffset() - now_paris.astimezone(ZoneInfo("America/Montreal")).utcoffset()
    assert (int(shown["Europe/Paris"]) - int(shown["America/Montreal"])) % 24 == offset.seconds // 3600


@pytest.mark.parametrize(("changes", "field"), [({"ends": "09:00"}, "ends"), ({"starts": ""}, "starts"),
                                                ({"role": "boss"}, "role"), ({"weekday": "9"}, "weekday")])
def test_a_bad_rota_slot_names_the_field(people, changes, field):
    data = {"user": people["editor"].pk, "weekday": "0", "starts": "09:00", "ends": "18:00", "role": "relay",
            **changes}
    response = client_for(people["manager"]).post(url("web:inbox_duty_add", people), data)
    assert response.status_code == 400
    assert field in error_fields(response)
    assert not DutySlot.objects.exists()


def test_only_members_go_on_the_rota(people):
    response = client_for(people["manager"]).post(url("web:inbox_duty_add", people), {
        "user": people["outsider"].pk, "weekday": "0", "starts": "09:00", "ends": "18:00", "role": "duty"})
    assert response.status_code == 400 and "user" in error_fields(response)
    assert not DutySlot.objects.exists()


def test_a_rota_slot_is_removed(people):
    slot = duty.add_slot(people["workspace"], people["editor"], 2, time(22), time(7), "relay")
    body = page(client_for(people["manager"]).get(url("web:inbox_hours", people)))
    assert "22:00–07:00" in body and "next day" in body
    client_for(people["manager"]).post(url("web:inbox_duty_delete", people, slot.pk))
    assert not DutySlot.objects.exists()


# -- notification channels -------------------------------------------------------------

def loopback(server: Any, path: str = "/hook") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_a_channel_is_created_and_its_test_reaches_the_server(people, server):
    client = client_for(people["manager"])
    form = page(client.get(url("web:inbox_channels", people)))
    assert 'name="topics" value="inbox" id="id_topics_0" checked' in form  # what a channel always carried
    response = client.post(url("web:inbox_channels", people), {
        "name": "Équipe", "format": "slack", "url": loopback(server), "enabled": "on",
        "topics": ["inbox", "publishing"]})
    assert response.status_code == 302
    hook = Webhook.objects.get()
    assert (hook.format, hook.enabled, hook.urgent_only, hook.topics) == ("slack", True, False, ["inbox", "publishing"])
    response = client.post(url("web:inbox_channel_test", people, hook.pk), follow=True)
    assert len(server.received) == 1 and server.received[0]["path"] == "/hook"
    hook.refresh_from_db()
    assert hook.last_status == "HTTP 200"
    assert "HTTP 200" in page(response) and "Test sent" in page(response)


def test_a_failed_test_shows_the_server_s_answer(people, server):
    server.status = 500
    hook = Webhook.objects.create(workspace=people["workspace"], name="ntfy", format="ntfy", url=loopback(server))
    response = client_for(people["manager"]).post(url("web:inbox_channel_test", people, hook.pk), follow=True)
    assert "failed: HTTP 500" in page(response)
    hook.refresh_from_db()
    assert hook.last_status == "HTTP 500"


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"), ({"url": "ftp://x"}, "url"), ({"format": "telex"}, "format"),
    ({"format": "matrix", "room": "general"}, "room"), ({"format": "matrix", "token": ""}, "token"),
    ({"topics": []}, "topics"), ({"topics": ["weather"]}, "topics"),
])
def test_a_bad_channel_names_the_field(people, server, changes, field):
    data = {"name": "Salon", "format": "matrix", "url": loopback(server, ""), "room": "!abc:example.org",
            "token": "syt_token", "topics": ["inbox"], **changes}
    response = client_for(people["manager"]).post(url("web:inbox_channels", people), data)
    assert response.status_code == 400
    assert field in error_fields(response)
    assert not Webhook.objects.exists()


def test_a_channel_to_a_private_address_is_refused_unless_allowed(people, server, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    response = client_for(people["manager"]).post(url("web:inbox_channels", people), {
        "name": "Interne", "format": "slack", "url": loopback(server)})
    assert response.status_code == 400 and "url" in error_fields(response)
    assert "a loopback address" in page(response) and "PARVIS_ALLOW_PRIVATE_URLS=1" in page(response)
    assert not Webhook.objects.exists() and server.received == []


def test_a_saved_token_is_never_shown_and_an_empty_field_keeps_it(people, server):
    token = "syt_c2VjcmV0_abcdefghijklmnop1234"
    client = client_for(people["manager"])
    client.post(url("web:inbox_channels", people), {"name": "Matrix", "format": "matrix", "url": loopback(server, ""),
                                                     "room": "!room:example.org", "token": token, "enabled": "on",
                                                     "topics": ["inbox", "crisis"]})
    hook = Webhook.objects.get()
    for name in ("web:inbox_channels", "web:inbox_channel_edit"):
        body = page(client.get(url(name, people, *([hook.pk] if name.endswith("edit") else []))))
        assert token not in body and "••••1234" in body
    response = client.post(url("web:inbox_channel_edit", people, hook.pk), {
        "name": "Matrix team", "format": "matrix", "url": loopback(server, ""), "room": "!room:example.org",
        "token": "", "urgent_only": "on", "enabled": "on", "topics": ["crisis"]})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.secret == {"room": "!room:example.org", "token": token}
    assert (hook.name, hook.urgent_only) == ("Matrix team", True)
    client.post(url("web:inbox_channel_test", people, hook.pk))
    assert server.received[0]["headers"]["Authorization"] == f"Bearer {token}"
    assert "/rooms/%21room%3Aexample.org/send/" in server.received[0]["path"]


def test_a_bad_edit_keeps_the_saved_channel_and_a_delete_removes_it(people, server):
    hook = Webhook.objects.create(workspace=people["workspace"], name="Slack", format="slack", url=loopback(server))
    client = client_for(people["manager"])
    response = client.post(url("web:inbox_channel_edit", people, hook.pk), {"name": "Slack", "format": "slack",
                                                                             "url": "nope"})
    assert response.status_code == 400 and "url" in error_fields(response)
    hook.refresh_from_db()
    assert hook.url == loopback(server)
    client.post(url("web:inbox_channel_delete", people, hook.pk))
    assert not Webhook.objects.exists()


# -- response times --------------------------------------------------------------------

def test_response_times_show_figures_per_period_and_person(people, account):
    now = timezone.now()
    items = seed(account, ["a", "b", "c"], start=now - timedelta(hours=5))  # newest first
    Item.objects.filter(pk=items[2].pk).update(first_response_at=items[2].created_at + timedelta(minutes=30),
                                               first_response_by=people["editor"])
    Item.objects.filter(pk=items[1].pk).update(first_response_at=items[1].created_at + timedelta(minutes=90),
                                               first_response_by=people["editor"])
    body = page(client_for(people["viewer"]).get(url("web:inbox_response_times", people)))
    row = re.search(r'<tr data-period="1">(.*?)</tr>', body, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert cells[:3] == ["3", "2", "60 min"]  # items, answered, median of 30 and 90
    assert cells[-1] == "1"  # the unanswered one is past the 2-hour target
    assert "editor@agence.test" in body
    assert 'data-testid="chart"' in body and body.count("<rect ") == 1
    assert re.search(r'data-testid="overdue-now">\s*1 item overdue now', body)


def test_the_target_is_saved_or_refused_with_the_field_named(people):
    client = client_for(people["manager"])
    response = client.post(url("web:inbox_response_times", people), {"response_target_minutes": "0"})
    assert response.status_code == 400 and "response_target_minutes" in error_fields(response)
    assert InboxSettings.of(people["workspace"]).response_target_minutes == 120
    assert client.post(url("web:inbox_response_times", people), {"response_target_minutes": "45"}).status_code == 302
    assert InboxSettings.of(people["workspace"]).response_target_minutes == 45


# -- crisis settings and the model -----------------------------------------------------

def test_crisis_thresholds_are_saved_or_refused_with_the_field_named(people):
    client = client_for(people["manager"])
    response = client.post(url("web:inbox_settings", people), {"crisis_min_items": "5", "crisis_factor": "0.5",
                                                               "crisis_alerts": "on"})
    assert response.status_code == 400 and "crisis_factor" in error_fields(response)
    assert InboxSettings.of(people["workspace"]).crisis_factor == 4.0
    response = client.post(url("web:inbox_settings", people), {"crisis_min_items": "5", "crisis_factor": "3"})
    assert response.status_code == 302
    config = InboxSettings.of(people["workspace"])
    assert (config.crisis_min_items, config.crisis_factor, config.crisis_alerts) == (5, 3.0, False)
    assert "95th percentile" in page(client.get(url("web:inbox_settings", people)))


def test_retraining_with_no_correction_says_so(people):
    response = client_for(people["manager"]).post(url("web:inbox_retrain", people), follow=True)
    assert "No correction to learn from yet" in page(response)
    assert not WorkspaceModel.objects.exists()


@pytest.mark.slow  # retrains a workspace model: minutes on a loaded machine
def test_retraining_learns_from_the_workspace_s_corrections(people, account):
    items = seed(account, ["Service nul, plus jamais", "Franchement au top"])
    for item, after in zip(items, ["positive", "negative"], strict=True):
        Correction.objects.create(item=item, workspace=people["workspace"], field="sentiment",
                                  before=item.sentiment, after=after, text=item.text, by=people["manager"])
    client = client_for(people["manager"])
    response = client.post(url("web:inbox_retrain", people), follow=True)
    assert "Model retrained on 2 corrected texts" in page(response)
    model = WorkspaceModel.objects.get(workspace=people["workspace"])
    assert model.corrections == 2
    assert "2 corrections made by people" in page(client.get(url("web:inbox_settings", people)))


# -- the crisis banner -----------------------------------------------------------------

def alert(people: dict[str, Any], count: int = 30, usual: float = 2.0) -> CrisisAlert:
    now = timezone.now()
    return CrisisAlert.objects.create(workspace=people["workspace"], started_at=now - timedelta(hours=1),
                                      window_end=now, count=count, usual=usual)


def banner_form(body: str, testid: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the banner's form holding the button `testid`."""
    for form in re.findall(r"<form .*?</form>", body, re.S):
        if f'data-testid="{testid}"' in form:
            action = re.search(r'action="([^"]+)"', form)
            assert action is not None
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
            return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields.items()}
    raise AssertionError(f"no form with {testid}")


def test_the_banner_s_pause_button_pauses_the_workspace_in_one_click(people):
    alert(people)
    client = client_for(people["manager"])
    body = page(client.get(url("web:inbox_rules", people)))
    assert 'data-testid="crisis-banner"' in body
    assert "Possible crisis: 30 negative messages in the last hour (usual: 2)" in body
    action, fields = banner_form(body, "crisis-pause")
    assert action == url("web:workspace_pause", people)
    assert client.post(action, fields).status_code == 302
    editorial = EditorialSettings.objects.get(workspace=people["workspace"])
    assert editorial.is_paused and editorial.pause_reason.startswith("Possible crisis: 30 negative messages")
    body = page(client.get(url("web:inbox_rules", people)))
    assert 'data-testid="crisis-pause"' not in body and "already paused" in body


def test_acknowledging_the_alert_records_who_and_hides_the_banner(people):
    raised = alert(people, count=1, usual=0.0)
    client = client_for(people["manager"])
    body = page(client.get(url("web:inbox_hours", people)))
    assert "Possible crisis: 1 negative message in the last hour (usual: 0)" in body
    action, fields = banner_form(body, "crisis-acknowledge")
    response = client.post(action, fields)
    assert response.status_code == 302 and response["Location"] == url("web:inbox_hours", people)
    raised.refresh_from_db()
    assert raised.acknowledged_by == people["manager"] and raised.acknowledged_at is not None
    assert 'data-testid="crisis-banner"' not in page(client.get(url("web:inbox_hours", people)))


def test_viewers_see_the_banner_without_the_buttons_they_cannot_use(people):
    raised = alert(people)
    client = client_for(people["viewer"])
    body = page(client.get(url("web:inbox_response_times", people)))
    assert 'data-testid="crisis-banner"' in body
    assert 'data-testid="crisis-pause"' not in body and 'data-testid="crisis-acknowledge"' not in body
    response = client.post(url("web:inbox_crisis_ack", people, raised.pk), {"next": "https://evil.example/"})
    assert response.status_code == 403
    raised.refresh_from_db()
    assert raised.acknowledged_at is None


def test_acknowledging_never_redirects_off_site(people):
    raised = alert(people)
    response = client_for(people["editor"]).post(url("web:inbox_crisis_ack", people, raised.pk),
                                                  {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == url("web:inbox_workspace", people)


def test_hostile_author_names_stay_text_in_the_rule_preview(people, account):
    seed(account, ["remboursez moi"], by=author(HOSTILE, "evil@example.social"))
    body = page(client_for(people["manager"]).post(url("web:inbox_rule_preview", people), {"words": "rembours*"}))
    assert "<script>" not in body and "<img src=x" not in body and "&lt;script&gt;" in body


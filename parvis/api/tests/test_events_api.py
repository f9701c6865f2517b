"""Events through the API: created with each wrong field named and nothing saved, the
guest list and each decision with its reason (remembered in the invitation memory),
invitations sent with problems named, the door list with hashes and no codes, check-ins
synced twice counted once (also from the web, with the session and its CSRF token),
after the event and the thank-you, and each role's rights; another agency's are 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from parvis.api.tests.conftest import World
from parvis.relations import events, rsvp, tokens
from parvis.relations.models import CheckIn, Contact, ContactList, Decision, DecisionLog, Event, Guest, Mention
from parvis.relations.tests.eventkit import ENDS, NOW, STARTS, invite, make_contact, make_event

pytestmark = pytest.mark.django_db
DOOR = STARTS + timedelta(minutes=12)


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    """The shape `eventkit` builds rows from."""
    return {"workspace": world.workspace, "owner": world.owner, "organisation": world.workspace.organisation}


def base(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/events"


def _body(**fields: Any) -> dict[str, Any]:
    return {"name": "Soirée printemps", "starts_at": STARTS.isoformat(), "ends_at": ENDS.isoformat(),
            "place": "Atelier Dupont", **fields}


def test_an_event_is_created_and_listed_with_its_answers_counted(world, api, people):
    answer = api.post(f"{base(world)}/", _body(capacity=30, plus_ones=1, hashtags="printemps @dupont"), format="json")
    assert answer.status_code == 201, answer.json()
    made = answer.json()
    assert (made["status"], made["hashtags"], made["places_taken"], made["yes"]) == (
        "draft", "#printemps @dupont", 0, 0)
    event = Event.objects.get()
    ana, _ben = invite(event, people, "Ana Blog", "Ben Mag")
    rsvp.answer(ana, "yes", ["Paul"], now=NOW)
    listed = api.get(f"{base(world)}/").json()["results"]
    assert [(e["name"], e["yes"], e["pending"], e["places_taken"]) for e in listed] == [
        ("Soirée printemps", 1, 1, 2)]
    assert api.get(f"{base(world)}/", {"when": "upcoming"}).json()["results"] == []  # March 2026 is over


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": ""}, "name"),
    ({"starts_at": None}, "starts_at"),
    ({"ends_at": STARTS.isoformat()}, "ends_at"),
    ({"capacity": 0}, "capacity"),
    ({"plus_ones": 11}, "plus_ones"),
    ({"answer_by": ENDS.isoformat()}, "answer_by"),
    ({"offer_hours": 0}, "offer_hours"),
    ({"hashtags": "#"}, "hashtags"),
    ({"value_per_guest": "-1"}, "value_per_guest"),
])
def test_each_wrong_field_is_named_and_nothing_is_saved(world, api, fields, field):
    answer = api.post(f"{base(world)}/", _body(**fields), format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Event.objects.exists()


def test_a_smaller_room_must_hold_those_coming(world, api, people):
    event = make_event(people, capacity=10)
    for guest in invite(event, people, "Ana Blog", "Ben Mag"):
        rsvp.answer(guest, "yes", now=NOW)
    answer = api.patch(f"{base(world)}/{event.pk}/", {"capacity": 1, "place": "Ailleurs"}, format="json")
    assert answer.status_code == 400 and "capacity" in answer.json()["errors"]
    event.refresh_from_db()
    assert (event.capacity, event.place) == (10, "Atelier Dupont")
    assert api.patch(f"{base(world)}/{event.pk}/", {"capacity": 2}, format="json").json()["capacity"] == 2


def test_viewers_read_editors_write_and_another_agency_gets_404(world, client_for, people):
    event = make_event(people)
    guest = invite(event, people, "Ana Blog")[0]
    viewer = client_for(world.viewer)
    for path in ("", "guests/", f"guests/{guest.pk}/", "door-list/", "after/"):
        assert viewer.get(f"{base(world)}/{event.pk}/{path}").status_code == 200, path
        assert client_for(world.outsider).get(f"{base(world)}/{event.pk}/{path}").status_code == 404, path
    assert viewer.get(f"{base(world)}/memory/").status_code == 200
    other = f"/api/v1/workspaces/{world.other_workspace.pk}/events/{event.pk}/"
    assert client_for(world.outsider).get(other).status_code == 404
    assert viewer.patch(f"{base(world)}/{event.pk}/", {"name": "X"}, format="json").status_code == 403
    assert viewer.post(f"{base(world)}/{event.pk}/invite/").status_code == 403
    assert viewer.post(f"{base(world)}/{event.pk}/check-ins/", {"scans": []}, format="json").status_code == 403
    assert viewer.delete(f"{base(world)}/{event.pk}/").status_code == 403
    assert client_for(world.editor).delete(f"{base(world)}/{event.pk}/").status_code == 204
    assert not Event.objects.exists()


def test_contacts_and_lists_are_added_as_considered(world, api, people):
    event = make_event(people)
    ana, ben = make_contact(people, "Ana Blog"), make_contact(people, "Ben Mag")
    group = ContactList.objects.create(organisation=world.workspace.organisation, name="Presse")
    group.contacts.add(ben)
    added = api.post(f"{base(world)}/{event.pk}/guests/", {"contacts": [ana.pk]}, format="json")
    assert added.status_code == 201 and [g["contact_name"] for g in added.json()] == ["Ana Blog"]
    assert api.post(f"{base(world)}/{event.pk}/guests/", {"list": group.pk}, format="json").json()[0][
        "decision"] == "considered"
    stranger = Contact.objects.create(organisation=world.other_workspace.organisation, name="Zoé")
    for body, field in (({"contacts": [stranger.pk]}, "contacts"), ({"list": 999999}, "list"), ({}, "contacts")):
        refused = api.post(f"{base(world)}/{event.pk}/guests/", body, format="json")
        assert refused.status_code == 400 and field in refused.json()["errors"], refused.json()
    assert Guest.objects.filter(event=event).count() == 2


def test_not_this_time_needs_a_reason_and_the_memory_counts_the_reasons(world, api, people):
    first, second = make_event(people), make_event(people, name="Soirée été")
    lea = make_contact(people, "Léa Marquise")
    for event in (first, second):
        guest = events.add_contacts(event, [lea], world.owner, NOW)[0]
        url = f"{base(world)}/{event.pk}/guests/{guest.pk}/"
        refused = api.patch(url, {"decision": "not_now"}, format="json")
        assert refused.status_code == 400 and "reason" in refused.json()["errors"]
        done = api.patch(url, {"decision": "not_now", "reason": "capacity", "note": "salle trop petite"},
                         format="json")
        assert done.status_code == 200 and (done.json()["reason"], done.json()["note"]) == (
            "capacity", "salle trop petite")
    logged = DecisionLog.objects.filter(guest__contact=lea, decision=Decision.NOT_THIS_TIME)
    assert [log.reason for log in logged] == ["capacity", "capacity"]
    memory = api.get(f"{base(world)}/memory/").json()
    assert [(m["name"], m["considered"], m["not_this_time"], m["reasons"]) for m in memory] == [
        ("Léa Marquise", 2, 2, {"capacity": 2})]
    assert {e["name"] for e in memory[0]["last_events"]} == {"Soirée printemps", "Soirée été"}
    bad = api.patch(f"{base(world)}/{first.pk}/guests/{guest.pk}/", {"decision": "maybe"}, format="json")
    assert bad.status_code == 404  # that guest is on the second event's list


def test_the_waiting_list_is_listed_in_its_order(world, api, people):
    event = make_event(people)
    ana, ben = events.add_contacts(event, [make_contact(people, n) for n in ("Ana Blog", "Ben Mag")], world.owner,
                                   NOW)
    for guest in (ben, ana):
        api.patch(f"{base(world)}/{event.pk}/guests/{guest.pk}/", {"decision": "waitlist"}, format="json")
    found = api.get(f"{base(world)}/{event.pk}/guests/", {"decision": "waitlist"}).json()["results"]
    assert [(g["contact_name"], g["waitlist_rank"]) for g in found] == [("Ben Mag", 1), ("Ana Blog", 2)]


def test_invitations_go_once_to_the_invited_and_problems_are_named(world, api, people):
    event = make_event(people)
    ana = invite(event, people, "Ana Blog")[0]
    ben = invite(event, people, "Ben Sansmail", email="")[0]
    answer = api.post(f"{base(world)}/{event.pk}/invite/", format="json")
    assert answer.status_code == 200
    assert answer.json() == {"sent": [ana.pk], "problems": [
        {"guest": ben.pk, "contact": ben.contact_id, "message": "Ben Sansmail has no email address."}]}
    assert [m.to for m in mail.outbox] == [["ana@blog.test"]]
    assert api.post(f"{base(world)}/{event.pk}/invite/").json()["sent"] == []
    assert len(mail.outbox) == 1


def _evening(people: dict[str, Any]) -> tuple[Event, Guest, Guest]:
    event = make_event(people, plus_ones=1, hashtags="#Printemps")
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    rsvp.answer(ana, "yes", ["Paul Martin"], "sans gluten", True, now=NOW)
    rsvp.answer(ben, "yes", now=NOW)
    return event, Guest.objects.get(pk=ana.pk), Guest.objects.get(pk=ben.pk)


def test_the_door_list_holds_hashes_and_never_the_codes(world, api, people):
    event, ana, _ben = _evening(people)
    answer = api.get(f"{base(world)}/{event.pk}/door-list/")
    assert answer.status_code == 200
    rows = {row["name"]: row for row in answer.json()["guests"]}
    assert rows["Ana Blog"]["companions"] == ["Paul Martin"] and rows["Ana Blog"]["photo_consent"] is True
    assert rows["Ana Blog"]["code_hash"] == tokens.code_hash(tokens.door_code(ana))
    assert tokens.door_code(ana) not in answer.content.decode()


def test_a_batch_of_scans_synced_twice_counts_once(world, api, people):
    event, ana, ben = _evening(people)
    scans = {"scans": [
        {"client_id": "phone1-1", "code": tokens.door_code(ana), "people": 2, "scanned_at": DOOR.isoformat()},
        {"client_id": "phone1-2", "code": "P1.forged.code", "people": 1, "scanned_at": DOOR.isoformat()},
        {"client_id": "phone1-3", "code": tokens.door_code(ben), "people": 5, "scanned_at": DOOR.isoformat()}]}
    first = api.post(f"{base(world)}/{event.pk}/check-ins/", scans, format="json")
    assert first.status_code == 200, first.json()
    assert [(r["client_id"], r["status"], r["name"]) for r in first.json()] == [
        ("phone1-1", "in", "Ana Blog"), ("phone1-2", "refused", None), ("phone1-3", "refused", None)]
    again = api.post(f"{base(world)}/{event.pk}/check-ins/", scans, format="json").json()
    assert [r["status"] for r in again] == ["duplicate", "refused", "refused"]
    assert CheckIn.objects.count() == 1 and Guest.objects.get(pk=ana.pk).arrived == 2
    wrong = api.post(f"{base(world)}/{event.pk}/check-ins/", {"scans": [{"code": "x"}]}, format="json")
    assert wrong.status_code == 400 and "scans[0].client_id" in wrong.json()["errors"]


def test_the_door_page_syncs_with_the_session_and_its_csrf_token(world, people):
    event, ana, _ben = _evening(people)
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(world.editor)
    url = f"{base(world)}/{event.pk}/check-ins/"
    scans = {"scans": [{"client_id": "web-1", "code": tokens.door_code(ana), "people": 1,
                        "scanned_at": DOOR.isoformat()}]}
    assert browser.post(url, scans, content_type="application/json").status_code == 403
    token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = token
    answer = browser.post(url, scans, content_type="application/json", headers={"x-csrftoken": token})
    assert answer.status_code == 200 and answer.json()[0]["status"] == "in"


def test_after_the_event_and_the_thank_you_sent_once(world, api, people):
    event, ana, _ben = _evening(people)
    api.post(f"{base(world)}/{event.pk}/check-ins/", {"scans": [
        {"client_id": "s1", "code": tokens.door_code(ana), "people": 1, "scanned_at": DOOR.isoformat()}]},
        format="json")
    Mention.objects.create(contact=ana.contact, workspace=world.workspace, network="mastodon", remote_id="1",
                           url="https://piaille.example/@ana/1", text="Belle soirée #printemps",
                           published_at=STARTS + timedelta(hours=3), found_via="inbox",
                           disclosure=Mention.Disclosure.MISSING)
    after = api.get(f"{base(world)}/{event.pk}/after/").json()
    assert [g["contact_name"] for g in after["came"]] == ["Ana Blog"]
    assert [g["contact_name"] for g in after["absent"]] == ["Ben Mag"]
    assert [(p["name"], p["came"], p["mentions"][0]["disclosure"]) for p in after["posted"]] == [
        ("Ana Blog", True, "missing")]
    refused = api.post(f"{base(world)}/{event.pk}/thanks/", {"subject": "", "body": "Merci"}, format="json")
    assert refused.status_code == 400 and "subject" in refused.json()["errors"] and not mail.outbox
    sent = api.post(f"{base(world)}/{event.pk}/thanks/", {"subject": "Merci !", "body": "À bientôt"}, format="json")
    assert sent.json() == {"sent": [ana.pk], "problems": []}
    assert api.post(f"{base(world)}/{event.pk}/thanks/", {"subject": "Merci", "body": ""},
                    format="json").json()["sent"] == []
    assert [m.to for m in mail.outbox] == [["ana@blog.test"]]

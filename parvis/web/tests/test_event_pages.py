"""The CM's event pages: the list (upcoming first, answers counted), the form naming each
wrong field, the event with its guest list by decision, contacts and lists added, each
decision with its reason (remembered in the invitation memory), the invitations sent
with problems named, the printable door list, and after the event who came, who posted
and the thank-you — with each role's rights, and another agency's events 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from parvis.relations import checkin, events, rsvp
from parvis.relations.models import Contact, ContactList, Decision, DecisionLog, Event, Guest, Mention, Reason
from parvis.relations.tests.eventkit import NOW, STARTS, invite, make_contact, make_event
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LATER = datetime(2030, 3, 12, 18, 0, tzinfo=UTC)  # 19:00 in Paris, after any day these tests run


def _url(name, people, *args):
    return reverse(f"web:{name}", args=[people["workspace"].pk, *args])


def _form(**fields):
    return {"name": "Soirée printemps", "starts_at": "2030-03-12T19:00", "ends_at": "2030-03-12T22:30",
            "place": "Atelier Dupont", "plus_ones": "1", "offer_hours": "48", "remind_hours": "48", **fields}


def test_the_list_says_what_parvis_does_for_an_event_when_empty(people):
    page = client_for(people["viewer"]).get(_url("events", people))
    assert page.status_code == 200
    assert b'data-testid="events-empty"' in page.content and b"QR code" in page.content
    assert b'data-testid="event-new"' not in page.content  # a viewer reads only
    assert _url("events_memory", people).encode() in page.content
    assert b'aria-current="page">Events' in page.content


def test_the_list_shows_upcoming_events_first_in_the_brands_zone_with_answers_and_waitlist(people):
    past = make_event(people, name="Galette 2020", starts_at=datetime(2020, 1, 10, 18, tzinfo=UTC),
                      ends_at=datetime(2020, 1, 10, 21, tzinfo=UTC))
    coming = make_event(people, name="Printemps 2030", starts_at=LATER, ends_at=LATER + timedelta(hours=3),
                        capacity=40)
    ana, ben = invite(coming, people, "Ana Blog", "Ben Mag")
    Guest.objects.filter(pk=ana.pk).update(answer="yes")
    cleo = events.add_contacts(coming, [make_contact(people, "Cléo Vlog")], people["owner"], NOW)[0]
    events.decide(cleo, Decision.WAITLIST, by=people["owner"], now=NOW)
    page = client_for(people["viewer"]).get(_url("events", people)).content.decode()
    assert page.index("Upcoming") < page.index("Printemps 2030") < page.index("Past") < page.index(past.name)
    assert "19:00" in page and "40 places" in page
    assert "yes 1 · maybe 0 · no 0 · no answer 1" in page and "1 on the waiting list" in page


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": " "}, "name"),
    ({"starts_at": ""}, "starts_at"),
    ({"ends_at": "2030-03-12T18:00"}, "ends_at"),
    ({"starts_at": "not a date"}, "starts_at"),
    ({"capacity": "0"}, "capacity"),
    ({"plus_ones": "11"}, "plus_ones"),
    ({"answer_by": "2030-03-13T10:00"}, "answer_by"),
    ({"offer_hours": "0"}, "offer_hours"),
    ({"hashtags": "#"}, "hashtags"),
    ({"value_per_guest": "-3"}, "value_per_guest"),
])
def test_a_new_event_names_each_wrong_field_with_a_400_and_saves_nothing(people, fields, field):
    page = client_for(people["editor"]).post(_url("event_new", people), _form(**fields))
    assert page.status_code == 400
    assert f'data-field="{field}"'.encode() in page.content, page.content.decode()[-3000:]
    assert not Event.objects.exists()


def test_a_new_event_is_in_the_brands_time_zone_and_opens_on_its_page(people):
    done = client_for(people["editor"]).post(_url("event_new", people), _form(hashtags="printemps @dupont"))
    event = Event.objects.get()
    assert done.status_code == 302 and done["Location"] == _url("event", people, event.pk)
    assert event.starts_at == LATER and event.plus_ones == 1 and event.hashtags == "#printemps @dupont"
    edit = client_for(people["editor"]).get(_url("event_edit", people, event.pk))
    assert b'value="2030-03-12T19:00"' in edit.content
    changed = client_for(people["editor"]).post(_url("event_edit", people, event.pk), _form(capacity="0"))
    assert changed.status_code == 400 and b'data-field="capacity"' in changed.content
    event.refresh_from_db()
    assert event.capacity is None


def test_viewers_read_outsiders_get_404_and_only_editors_change(people):
    event = make_event(people)
    guest = invite(event, people, "Ana Blog")[0]
    viewer = client_for(people["viewer"])
    for name, args in (("event", [event.pk]), ("event_door_list", [event.pk]), ("event_after", [event.pk]),
                       ("events_memory", [])):
        assert viewer.get(_url(name, people, *args)).status_code == 200, name
        assert client_for(people["outsider"]).get(_url(name, people, *args)).status_code == 404, name
    other = reverse("web:event", args=[people["other_workspace"].pk, event.pk])
    assert client_for(people["outsider"]).get(other).status_code == 404
    assert b'data-testid="decide"' not in viewer.get(_url("event", people, event.pk)).content
    assert viewer.get(_url("event_new", people)).status_code == 403
    assert viewer.post(_url("event_decide", people, event.pk, guest.pk), {"decision": "considered"}).status_code == 403
    assert viewer.post(_url("event_invite", people, event.pk)).status_code == 403
    assert viewer.post(_url("event_after", people, event.pk), {"subject": "Merci"}).status_code == 403
    assert len(mail.outbox) == 0


def test_contacts_and_whole_lists_are_added_as_considered_once(people):
    event = make_event(people)
    ana, ben, cleo = (make_contact(people, name) for name in ("Ana Blog", "Ben Mag", "Cléo Vlog"))
    group = ContactList.objects.create(organisation=people["organisation"], name="Presse")
    group.contacts.add(ben, cleo)
    client = client_for(people["editor"])
    page = client.get(_url("event", people, event.pk), {"q": "Ana"}).content.decode()
    assert f'<option value="{ana.pk}">Ana Blog' in page and "Ben Mag" not in page
    assert client.post(_url("event_add_guests", people, event.pk), {"contacts": [ana.pk, ben.pk]}).status_code == 302
    added = client.post(_url("event_add_guests", people, event.pk), {"list": group.pk}, follow=True)
    assert b"1 contact added to the list, as considered." in added.content
    assert sorted(Guest.objects.filter(event=event, decision=Decision.CONSIDERED).values_list(
        "contact__name", flat=True)) == ["Ana Blog", "Ben Mag", "Cléo Vlog"]
    stranger = Contact.objects.create(organisation=people["other_workspace"].organisation, name="Zoé Ailleurs")
    refused = client.post(_url("event_add_guests", people, event.pk), {"contacts": [stranger.pk]})
    assert refused.status_code == 400 and b'data-field="contacts"' in refused.content
    assert not Guest.objects.filter(contact=stranger).exists()


def test_not_this_time_needs_a_reason_each_decision_is_logged_and_the_memory_shows_it(people):
    event = make_event(people)
    lea = events.add_contacts(event, [make_contact(people, "Léa Marquise")], people["owner"], NOW)[0]
    client = client_for(people["editor"])
    url = _url("event_decide", people, event.pk, lea.pk)
    refused = client.post(url, {"decision": "not_now", "reason": "", "note": ""})
    assert refused.status_code == 400 and b'data-field="reason"' in refused.content
    assert Guest.objects.get(pk=lea.pk).decision == Decision.CONSIDERED
    done = client.post(url, {"decision": "not_now", "reason": "budget", "note": "  next  time "})
    assert done.status_code == 302 and done["Location"].endswith(f"#guest-{lea.pk}")
    log = DecisionLog.objects.filter(guest=lea).last()
    assert log is not None and (log.decision, log.reason, log.note, log.decided_by) == (
        Decision.NOT_THIS_TIME, Reason.BUDGET, "next time", people["editor"])
    page = client.get(_url("event", people, event.pk)).content.decode()
    assert 'data-testid="reason">Budget — next time' in page
    memory = client.get(_url("events_memory", people)).content.decode()
    assert "Léa Marquise" in memory and "budget × 1" in memory and "considered for 1 event" in memory
    assert "Soirée printemps" in memory


def test_the_waiting_list_shows_each_guests_rank(people):
    event = make_event(people, capacity=10)
    ana, ben = events.add_contacts(event, [make_contact(people, n) for n in ("Ana Blog", "Ben Mag")],
                                   people["owner"], NOW)
    client = client_for(people["editor"])
    for guest in (ben, ana):
        client.post(_url("event_decide", people, event.pk, guest.pk), {"decision": "waitlist"})
    page = client.get(_url("event", people, event.pk)).content.decode()
    group = page[page.index('data-testid="group-waitlist"'):page.index('data-testid="group-considered"')]
    assert group.index("No. 1") < group.index("Ben Mag") < group.index("No. 2") < group.index("Ana Blog")


def test_the_invitations_go_to_invited_guests_not_yet_invited_with_problems_named(people):
    event = make_event(people, capacity=20)
    invite(event, people, "Ana Blog")
    invite(event, people, "Ben Sansmail", email="")
    considered = events.add_contacts(event, [make_contact(people, "Cléo Vlog")], people["owner"], NOW)
    client = client_for(people["editor"])
    before = client.get(_url("event", people, event.pk)).content
    assert b"2 invited guests have not had their invitation yet." in before
    page = client.post(_url("event_invite", people, event.pk), follow=True).content.decode()
    assert [m.to for m in mail.outbox] == [["ana@blog.test"]]
    assert "1 invitation sent." in page and "Ben Sansmail has no email address." in page
    assert "0 taken of 20" in page
    client.post(_url("event_invite", people, event.pk))
    assert len(mail.outbox) == 1  # Ana is not invited twice; Ben still has no address
    assert Guest.objects.get(pk=considered[0].pk).invited_at is None
    assert Event.objects.get(pk=event.pk).status == Event.Status.OPEN


def _evening(people):
    event = make_event(people, plus_ones=1, hashtags="#Printemps")
    ana, ben, cleo = invite(event, people, "Ana Blog", "Ben Mag", "Cléo Vlog")
    rsvp.answer(ana, "yes", ["Paul Martin"], "sans gluten", True, now=NOW)
    rsvp.answer(ben, "yes", [], "", False, now=NOW)
    rsvp.answer(cleo, "maybe", now=NOW)
    return event, ana, ben, cleo


def test_the_door_list_prints_names_companions_dietary_needs_and_photo_consent(people):
    event, _ana, _ben, _cleo = _evening(people)
    page = client_for(people["viewer"]).get(_url("event_door_list", people, event.pk)).content.decode()
    assert page.count('data-testid="door-row"') == 3
    assert "Paul Martin" in page and "sans gluten" in page and "no photo" in page and "not said" in page
    assert "3 guests expected, 4 people with their companions" in page
    assert "relations_print.css" in page
    event_page = client_for(people["viewer"]).get(_url("event", people, event.pk)).content.decode()
    assert _url("event_door_list", people, event.pk) in event_page
    assert _url("event_door", people, event.pk) in event_page  # the door page, with its scanner


def test_after_the_event_who_came_who_did_not_and_who_posted_without_the_advertising_mention(people):
    event, ana, ben, _cleo = _evening(people)
    assert checkin.check_in(event, ana, 2, STARTS + timedelta(minutes=5), "scan-1", None).status == "in"
    Mention.objects.create(contact=ana.contact, workspace=people["workspace"], event=event, network="instagram",
                           remote_id="p1", url="https://www.instagram.com/p/abc/", text="Superbe soirée",
                           published_at=STARTS + timedelta(hours=2), found_via="veille",
                           disclosure=Mention.Disclosure.MISSING)
    page = client_for(people["viewer"]).get(_url("event_after", people, event.pk)).content.decode()
    came = page[page.index('data-testid="came"'):page.index('data-testid="absent"')]
    absent = page[page.index('data-testid="absent"'):page.index('data-testid="posted"')]
    assert "Ana Blog" in came and "2 people" in came and "Ben Mag" in absent and "Ana Blog" not in absent
    assert 'href="https://www.instagram.com/p/abc/"' in page and 'data-testid="disclosure-missing"' in page
    assert 'data-testid="thanks-form"' not in page  # a viewer does not send it


def test_the_thank_you_goes_once_to_the_guests_who_came(people):
    event, ana, _ben, _cleo = _evening(people)
    checkin.check_in(event, ana, 1, STARTS + timedelta(minutes=5), "scan-1", None)
    client = client_for(people["editor"])
    url = _url("event_after", people, event.pk)
    assert b"goes to 1 guest who came" in client.get(url).content
    refused = client.post(url, {"subject": " ", "body": "Merci !"})
    assert refused.status_code == 400 and b'data-field="subject"' in refused.content and not mail.outbox
    done = client.post(url, {"subject": "Merci d'être venue", "body": "À bientôt"}, follow=True)
    assert b"1 thank-you sent." in done.content
    assert [(m.to, m.subject) for m in mail.outbox] == [(["ana@blog.test"], "Merci d'être venue")]
    again = client.post(url, {"subject": "Encore merci", "body": ""}, follow=True)
    assert b"Nobody left to thank" in again.content and len(mail.outbox) == 1

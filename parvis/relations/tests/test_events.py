"""Events: settings checked field by field, the guest list, decisions logged with their
reasons, and the invitation memory; invitations emailed with a personal link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parvis.accounts.actions import create_organisation, create_workspace
from parvis.accounts.models import User
from parvis.relations import events, mailing, tokens
from parvis.relations.events import EventError
from parvis.relations.models import (
    Contact,
    ContactList,
    Decision,
    DecisionLog,
    Event,
    Guest,
    Message,
    Reason,
)
from parvis.relations.tests.eventkit import ENDS, NOW, STARTS, invite, make_contact, make_event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "  "}, "name"),
    ({"ends_at": STARTS}, "ends_at"),
    ({"ends_at": STARTS - timedelta(hours=1)}, "ends_at"),
    ({"capacity": 0}, "capacity"),
    ({"plus_ones": 11}, "plus_ones"),
    ({"answer_by": STARTS}, "answer_by"),
    ({"answer_by": STARTS.replace(tzinfo=None) - timedelta(days=1)}, "answer_by"),
    ({"offer_hours": 0}, "offer_hours"),
    ({"hashtags": "#ok #pas!bon"}, "hashtags"),
    ({"value_per_guest": Decimal("-1")}, "value_per_guest"),
])
def test_a_bad_event_setting_names_its_field_and_nothing_is_saved(people, fields, field):
    with pytest.raises(EventError) as caught:
        make_event(people, **fields)
    assert caught.value.field == field
    assert not Event.objects.exists()


def test_an_event_is_made_with_its_secret_its_hashtags_parsed_and_its_reminder_planned(people):
    event = make_event(people, capacity=None, plus_ones=10, hashtags="#Printemps, @dupont  printemps #PRINTEMPS",
                       remind_hours=24)
    assert event.hashtags == "#Printemps @dupont"
    assert len(event.link_secret) == 64 and event.status == Event.Status.DRAFT
    assert event.remind_at == STARTS - timedelta(hours=24)


def test_capacity_cannot_drop_below_the_people_already_coming(people):
    from parvis.relations import rsvp

    event = make_event(people, capacity=10, plus_ones=2)
    (ana,) = invite(event, people, "Ana Blog")
    rsvp.answer(ana, "yes", ["Paul", "Zoé"], now=NOW)
    with pytest.raises(EventError) as caught:
        events.update_event(event, {"capacity": 2})
    assert caught.value.field == "capacity"
    events.update_event(event, {"capacity": 3})


def test_contacts_and_lists_join_the_list_once_as_considered_and_only_from_the_same_organisation(people):
    event = make_event(people)
    ana, ben = make_contact(people, "Ana Blog"), make_contact(people, "Ben Mag")
    chosen = ContactList.objects.create(organisation=people["organisation"], name="Lyon food")
    chosen.contacts.add(ana, ben)
    assert len(events.add_contacts(event, [ana], people["owner"], NOW)) == 1
    assert [g.contact for g in events.add_list(event, chosen, people["owner"], NOW)] == [ben]
    assert set(Guest.objects.values_list("decision", flat=True)) == {Decision.CONSIDERED}
    assert DecisionLog.objects.filter(decision=Decision.CONSIDERED).count() == 2
    other_org = create_organisation("Other", User.objects.create_user("x@other.test", "pw-x-12345"))
    stranger = Contact.objects.create(organisation=other_org, name="Stranger")
    with pytest.raises(EventError) as caught:
        events.add_contacts(event, [stranger], people["owner"], NOW)
    assert caught.value.field == "contacts"
    with pytest.raises(EventError):
        events.add_list(event, ContactList.objects.create(organisation=other_org, name="x"), people["owner"], NOW)


def test_every_decision_is_logged_and_not_this_time_needs_a_reason(people):
    event = make_event(people)
    (guest,) = events.add_contacts(event, [make_contact(people, "Ana Blog")], people["owner"], NOW)
    with pytest.raises(EventError) as caught:
        events.decide(guest, Decision.NOT_THIS_TIME, by=people["owner"], now=NOW)
    assert caught.value.field == "reason"
    events.decide(guest, Decision.NOT_THIS_TIME, Reason.CAPACITY, "  salle trop petite ", people["owner"], NOW)
    events.decide(guest, Decision.NOT_THIS_TIME, Reason.BUDGET, by=people["owner"], now=NOW)
    events.decide(guest, Decision.INVITED, Reason.BUDGET, by=people["owner"], now=NOW)
    guest.refresh_from_db()
    assert guest.decision == Decision.INVITED and guest.reason == ""
    logged = list(DecisionLog.objects.filter(guest=guest).values_list("decision", "reason", "note"))
    assert logged == [("considered", "", ""), ("not_now", "capacity", "salle trop petite"), ("not_now", "budget", ""),
                      ("invited", "", "")]


def test_the_waitlist_gets_the_next_rank(people):
    event = make_event(people)
    guests = events.add_contacts(event, [make_contact(people, n) for n in ("Ana", "Ben", "Cléo")], None, NOW)
    ranks = [events.decide(g, Decision.WAITLIST, now=NOW).waitlist_rank for g in guests]
    assert ranks == [1, 2, 3]
    assert events.decide(guests[1], Decision.WAITLIST, now=NOW).waitlist_rank == 2  # kept, not moved back
    assert events.decide(guests[0], Decision.INVITED, now=NOW).waitlist_rank is None


def test_the_memory_counts_events_and_reasons_of_those_never_invited_in_few_queries(people):
    ana, ben, cleo = (make_contact(people, n) for n in ("Ana Blog", "Ben Mag", "Cléo Vlog"))
    for number in range(3):
        event = make_event(people, name=f"Soirée {number}")
        guests = {g.contact_id: g for g in events.add_contacts(event, [ana, ben, cleo], None, NOW)}
        events.decide(guests[ana.pk], Decision.NOT_THIS_TIME, Reason.CAPACITY if number else Reason.BUDGET, now=NOW)
        if number == 2:
            events.decide(guests[ben.pk], Decision.INVITED, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        remembered = events.memory(people["organisation"])
    assert len(queries) == 2
    assert [(r.contact.name, r.considered, r.not_this_time, r.reasons, r.last_invited_at) for r in remembered] == [
        ("Ana Blog", 3, 3, {"capacity": 2, "budget": 1}, None),
        ("Cléo Vlog", 3, 0, {}, None)]


def test_invitations_go_in_the_contacts_language_with_a_personal_link_and_are_recorded(people):
    event = make_event(people, answer_by=STARTS - timedelta(days=2), plus_ones=1)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    Contact.objects.filter(pk=ben.contact_id).update(language="en")
    sent = mailing.send_invitations(event, [ana, ben], people["owner"], NOW)
    assert [g.pk for g in sent.sent] == [ana.pk, ben.pk] and not sent.problems
    by_address = {m.to[0]: m for m in mail.outbox}
    french, english = by_address["ana@blog.test"], by_address["ben@blog.test"]
    assert "Soirée printemps" in french.subject and "Soirée printemps" in english.subject
    assert "jeudi 12 mars 2026" in french.body and "19:00" in french.body
    assert "Thursday 12 March 2026" in english.body
    assert f"/rsvp/{tokens.link_token(ana)}/" in french.body
    assert french.reply_to == ["owner@agence.test"]
    message = Message.objects.get(contact=ana.contact)
    assert message.kind == Message.Kind.INVITATION and message.workspace == people["workspace"]
    assert tokens.link_token(ana) not in message.body  # the timeline does not keep the key
    ana.refresh_from_db()
    assert ana.invited_at == NOW and ana.contact.last_contact_at == NOW
    event.refresh_from_db()
    assert event.status == Event.Status.OPEN


def test_a_contact_without_email_or_not_invited_is_a_named_problem(people, english):
    event = make_event(people)
    (ana,) = invite(event, people, "Ana Blog", email="")
    (ben,) = events.add_contacts(event, [make_contact(people, "Ben Mag")], None, NOW)
    sent = mailing.send_invitations(event, [ana, ben], people["owner"], NOW)
    assert not sent.sent and not mail.outbox
    assert [(g.contact.name, problem) for g, problem in sent.problems] == [
        ("Ana Blog", "Ana Blog has no email address."), ("Ben Mag", "Ben Mag is not invited.")]


def test_links_are_cancelled_per_event_and_per_guest_and_tampering_fails(people):
    event = make_event(people)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    link = tokens.link_token(ana)
    assert tokens.guest_for_link(link) == ana
    assert link.split(".")[0] == ana.link_nonce  # random: no row id to guess from
    assert tokens.guest_for_link(link[:-2] + ("AA" if not link.endswith("AA") else "BB")) is None
    assert tokens.guest_for_link(tokens.door_code(ana)) is None  # a door code does not open the page
    assert tokens.guest_for_link("nonsense") is None and tokens.guest_for_link("") is None
    events.cancel_guest_link(ana)
    assert tokens.guest_for_link(link) is None
    assert tokens.guest_for_link(tokens.link_token(ben)) == ben
    old = tokens.link_token(ben)
    events.cancel_links(event)
    ben.refresh_from_db()
    assert tokens.guest_for_link(old) is None
    assert tokens.guest_for_link(tokens.link_token(Guest.objects.get(pk=ben.pk))) == ben


def test_a_cancelled_event_or_a_guest_no_longer_invited_has_no_page(people):
    event = make_event(people)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    events.decide(ana, Decision.NOT_THIS_TIME, Reason.CLIENT, now=NOW)
    assert tokens.guest_for_link(tokens.link_token(ana)) is None
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    assert tokens.guest_for_link(tokens.link_token(ben)) is None


def test_an_event_in_another_workspace_is_its_own(people):
    other = create_workspace(people["organisation"], "Fromagerie", people["owner"], "Europe/Paris", "fr")
    event = events.create_event(other, {"name": "Dégustation", "starts_at": STARTS, "ends_at": ENDS}, None, NOW)
    assert event.workspace == other

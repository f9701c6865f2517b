"""Answers and places: plus-ones named and counted, yes only while places remain, the
waitlist offered freed places by email (and passed on when an offer expires), two yeses
for the last place, deadlines; reminders sent once with the event as an ICS invitation."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from icalendar import Calendar

from parvis.relations import ics, mailing, rsvp, tokens
from parvis.relations.events import EventError
from parvis.relations.models import Answer, Decision, Event, Guest, Message
from parvis.relations.tests.eventkit import NOW, STARTS, invite, make_event

pytestmark = pytest.mark.django_db


def _fresh(guest: Guest) -> Guest:
    return Guest.objects.select_related("event__workspace", "contact").get(pk=guest.pk)


def test_a_yes_with_a_plus_one_then_a_no_frees_both_places_for_the_next_on_the_waitlist(people, english):
    event = make_event(people, capacity=2, plus_ones=1, offer_hours=24)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    assert rsvp.answer(ana, "yes", ["Paul Martin"], "végétarien", True, now=NOW).status == "yes"
    assert rsvp.taken(event, NOW) == 2
    full = rsvp.answer(ben, "yes", now=NOW)
    assert full.status == "waitlist" and "waiting list" in full.message
    assert _fresh(ben).decision == Decision.WAITLIST and _fresh(ben).waitlist_rank == 1
    assert not mail.outbox
    later = NOW + timedelta(hours=1)
    assert rsvp.answer(_fresh(ana), "no", now=later).status == "no"
    assert _fresh(ana).companions == []
    ben = _fresh(ben)
    assert ben.offer_expires_at == later + timedelta(hours=24)
    (offer,) = mail.outbox
    assert offer.to == ["ben@blog.test"] and "Soirée printemps" in offer.subject
    assert f"/rsvp/{tokens.link_token(ben)}/" in offer.body
    assert Message.objects.get(contact=ben.contact).kind == Message.Kind.OFFER
    assert rsvp.answer(ben, "yes", now=later + timedelta(hours=2)).status == "yes"
    ben = _fresh(ben)
    assert (ben.decision, ben.answer, ben.offer_expires_at, ben.waitlist_rank) == ("invited", "yes", None, None)


def test_plus_ones_are_named_within_the_allowance(people):
    event = make_event(people, plus_ones=2)
    (ana,) = invite(event, people, "Ana Blog")
    for companions, field in ((["Paul", "Zoé", "Max"], "companions"), (["Paul", "  "], "companion_2"),
                              (["x" * 101], "companion_1")):
        with pytest.raises(EventError) as caught:
            rsvp.answer(ana, "yes", companions, now=NOW)
        assert caught.value.field == field
    with pytest.raises(EventError) as caught:
        rsvp.answer(ana, "perhaps", now=NOW)
    assert caught.value.field == "answer"
    rsvp.answer(ana, "yes", [" Paul   Martin ", "Zoé"], now=NOW)
    assert _fresh(ana).companions == ["Paul Martin", "Zoé"] and _fresh(ana).places == 3


def test_fewer_companions_free_places_and_more_than_remain_are_refused_without_losing_the_place(people):
    event = make_event(people, capacity=3, plus_ones=2)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    rsvp.answer(ana, "yes", ["Paul", "Zoé"], now=NOW)
    assert rsvp.answer(ben, "yes", now=NOW).status == "waitlist"
    rsvp.answer(_fresh(ana), "yes", ["Paul"], now=NOW)  # one place freed: Ben is offered it
    assert _fresh(ben).offer_expires_at is not None and len(mail.outbox) == 1
    with pytest.raises(EventError) as caught:
        rsvp.answer(_fresh(ana), "yes", ["Paul", "Zoé"], now=NOW)
    assert caught.value.field == "companions"
    assert _fresh(ana).companions == ["Paul"] and _fresh(ana).answer == Answer.YES


def test_an_offer_not_taken_in_time_passes_to_the_next(people):
    event = make_event(people, capacity=1, offer_hours=48)
    ana, ben, cleo = invite(event, people, "Ana Blog", "Ben Mag", "Cléo Vlog")
    rsvp.answer(ana, "yes", now=NOW)
    rsvp.answer(ben, "yes", now=NOW)
    rsvp.answer(cleo, "yes", now=NOW)
    rsvp.answer(_fresh(ana), "no", now=NOW)
    assert [m.to for m in mail.outbox] == [["ben@blog.test"]]
    assert rsvp.expire_offers(NOW + timedelta(hours=47)) == 0
    assert rsvp.expire_offers(NOW + timedelta(hours=48)) == 1
    assert [m.to for m in mail.outbox] == [["ben@blog.test"], ["cléo@blog.test"]]
    ben, cleo = _fresh(ben), _fresh(cleo)
    assert ben.offer_expires_at is None and ben.waitlist_rank is None
    assert cleo.offer_expires_at == NOW + timedelta(hours=96)
    late = rsvp.answer(ben, "yes", now=NOW + timedelta(hours=49))  # too late: back at the end of the line
    assert late.status == "waitlist" and _fresh(ben).waitlist_rank == 3


def test_answers_after_the_deadline_or_the_start_are_refused_with_a_message(people, english):
    event = make_event(people, answer_by=STARTS - timedelta(days=3))
    (ana,) = invite(event, people, "Ana Blog")
    with pytest.raises(EventError) as caught:
        rsvp.answer(ana, "yes", now=STARTS - timedelta(days=2))
    assert caught.value.field == "answer" and "Answers closed on Monday 9 March 2026, 19:00" in caught.value.message
    with pytest.raises(EventError, match="has started"):
        rsvp.answer(ana, "no", now=STARTS)


def _last_place(people) -> tuple[Event, list[Guest]]:
    event = make_event(people, capacity=2)
    guests = invite(event, people, "Ana Blog", "Ben Mag", "Cléo Vlog")
    rsvp.answer(guests[0], "yes", now=NOW)
    return event, guests[1:]


def test_two_yeses_for_the_last_place_one_after_the_other_give_it_once(people):
    event, (ben, cleo) = _last_place(people)
    assert [rsvp.answer(g, "yes", now=NOW).status for g in (ben, cleo)] == ["yes", "waitlist"]
    assert rsvp.taken(event, NOW) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks: PostgreSQL (SQLite's writers are serialised; see the test above)")
def test_two_yeses_for_the_last_place_at_once_give_it_once(people):
    event, pair = _last_place(people)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(guest: Guest) -> None:
        barrier.wait()
        try:
            results.append(rsvp.answer(guest, "yes", now=NOW).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(guest,)) for guest in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["waitlist", "yes"]
    assert rsvp.taken(event, NOW) == 2


# -- reminders and the ICS -------------------------------------------------------------------------

def test_reminders_go_once_to_yes_and_maybe_with_the_event_attached(people):
    event = make_event(people, remind_hours=48, description="Dégustation; nouveautés, printemps\nà 19 h")
    ana, ben, cleo = invite(event, people, "Ana Blog", "Ben Mag", "Cléo Vlog")
    rsvp.answer(ana, "yes", now=NOW)
    rsvp.answer(ben, "maybe", now=NOW)
    rsvp.answer(cleo, "no", now=NOW)
    assert mailing.send_reminders(NOW) == 0  # drafts are not reminded, nor before the time
    Event.objects.filter(pk=event.pk).update(status=Event.Status.OPEN)
    due = STARTS - timedelta(hours=48)
    assert mailing.send_reminders(due - timedelta(seconds=1)) == 0
    assert mailing.send_reminders(due) == 2
    assert mailing.send_reminders(due + timedelta(minutes=1)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@blog.test", "ben@blog.test"]
    assert Event.objects.get(pk=event.pk).reminded_at == due
    reminder = next(m for m in mail.outbox if m.to == ["ana@blog.test"])
    part = reminder.attachments[0]  # then the door code's PNG (test_qr)
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    text = part.get_payload(decode=True).decode()
    assert "METHOD:REQUEST" in text
    calendar = Calendar.from_ical(text)
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("DTSTART") == STARTS and str(vevent["UID"]) == ics.uid(_fresh(ana))
    assert str(vevent["DESCRIPTION"]).startswith("Dégustation; nouveautés, printemps\nà 19 h")
    assert str(vevent["LOCATION"]) == "Atelier Dupont, 3 rue des Fleurs, Lyon"
    assert str(vevent["ATTENDEE"]) == "mailto:ana@blog.test"
    assert Message.objects.filter(kind=Message.Kind.REMINDER).count() == 2


def test_a_reminder_claimed_before_a_crash_is_not_sent_again(people):
    event = make_event(people)
    (ana,) = invite(event, people, "Ana Blog")
    rsvp.answer(ana, "yes", now=NOW)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.OPEN)
    Guest.objects.filter(pk=ana.pk).update(reminded_at=NOW)  # claimed, then the worker died
    assert mailing.send_reminders(STARTS - timedelta(hours=1)) == 0 and not mail.outbox


def test_the_ics_escapes_text_folds_at_75_octets_and_keeps_dtstart_in_utc(people):
    event = make_event(people, name="Lancement « Printemps », atelier; dégustation " + "é" * 60)
    (ana,) = invite(event, people, "Ana Blog")
    text = ics.invitation(_fresh(ana), "ligne 1\nligne 2, avec \\ barre", NOW)
    lines = text.split("\r\n")
    assert text.endswith("\r\n") and all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # folded
    assert "DTSTART:20260312T180000Z" in lines and "DTEND:20260312T213000Z" in lines
    assert "DESCRIPTION:ligne 1\\nligne 2\\, avec \\\\ barre" in lines
    (vevent,) = Calendar.from_ical(text).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.name
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    assert vevent["ORGANIZER"].params["CN"] == "Boulangerie Dupont"
    assert ics.fold("a" * 200).replace("\r\n ", "") == "a" * 200

"""The door: the printable list, scans counted once however often they are synced, the
offline list matched by code hash, other events' codes refused with a reason; after the
event, who came, who did not, who posted; the thank-you; the gift in the ledger."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from parvis.relations import checkin, events, mailing, rsvp, tokens
from parvis.relations.events import EventError
from parvis.relations.models import CheckIn, Gift, Guest, Mention, Message
from parvis.relations.tests.eventkit import NOW, STARTS, invite, make_contact, make_event

pytestmark = pytest.mark.django_db
DOOR = STARTS + timedelta(minutes=12)  # 19:12 in Paris


def _evening(people, **fields):
    event = make_event(people, plus_ones=1, value_per_guest=Decimal("45.00"), hashtags="#Printemps", **fields)
    ana, ben, cleo = invite(event, people, "Ana Blog", "Ben Mag", "Cléo Vlog")
    rsvp.answer(ana, "yes", ["Paul Martin"], "sans gluten", True, now=NOW)
    rsvp.answer(ben, "yes", [], "", False, now=NOW)
    rsvp.answer(cleo, "maybe", now=NOW)
    return event, [Guest.objects.select_related("event__workspace", "contact").get(pk=g.pk) for g in (ana, ben, cleo)]


def test_the_door_list_says_who_with_companions_diet_photo_consent_and_answer(people):
    event, (ana, ben, cleo) = _evening(people)
    rows = checkin.door_list(event)
    assert [(r.name, r.answer, r.companions, r.dietary, r.photo_consent) for r in rows] == [
        ("Ana Blog", "yes", ["Paul Martin"], "sans gluten", True), ("Ben Mag", "yes", [], "", False),
        ("Cléo Vlog", "maybe", [], "", None)]
    assert rows[0].code_hash == tokens.code_hash(tokens.door_code(ana))


def test_the_offline_list_holds_hashes_not_codes_and_a_scan_matches_without_the_network(people):
    event, (ana, _ben, _cleo) = _evening(people)
    downloaded = json.loads(json.dumps(checkin.door_sync_list(event, NOW)))
    code = tokens.door_code(ana)
    assert code not in json.dumps(downloaded) and "ana@blog.test" not in code and code[3:35] == ana.link_nonce
    on_phone = {row["code_hash"]: row for row in downloaded["guests"]}
    assert on_phone[tokens.code_hash(code)]["name"] == "Ana Blog"
    scans = [{"code": code, "people": 2, "scanned_at": DOOR.isoformat(), "client_id": "phone1-0001"}]
    assert [s.status for s in checkin.sync_scans(event, scans, people["owner"])] == ["in"]
    assert [s.status for s in checkin.sync_scans(event, scans, people["owner"])] == ["duplicate"]
    assert CheckIn.objects.count() == 1
    ana.refresh_from_db()
    assert (ana.checked_in_at, ana.arrived) == (DOOR, 2)


def test_a_second_scan_of_a_guest_shows_when_they_came_in(people, english):
    event, (ana, _ben, _cleo) = _evening(people)
    code = tokens.door_code(ana)
    assert checkin.check_in(event, code, 1, DOOR, "a", None).status == "in"
    again = checkin.check_in(event, code, 1, DOOR + timedelta(minutes=30), "b", None)
    assert again.status == "already" and again.message == "Already in at 19:12."
    earlier = checkin.check_in(event, ana, 1, DOOR - timedelta(minutes=2), "c", None)  # a phone synced late
    assert earlier.message == "Already in at 19:10."


def test_codes_of_another_event_altered_or_cancelled_are_refused_with_a_reason(people, english):
    event, (ana, ben, _cleo) = _evening(people)
    other = make_event(people, name="Autre soirée")
    (stranger,) = invite(other, people, "Dan Pod")
    assert checkin.check_in(event, tokens.door_code(stranger), 1, DOOR, "x1", None).message == (
        "This invitation is for another event.")
    code = tokens.door_code(ana)
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert checkin.check_in(event, altered, 1, DOOR, "x2", None).status == "refused"
    assert checkin.check_in(event, tokens.link_token(ana), 1, DOOR, "x3", None).status == "refused"
    events.cancel_guest_link(ben)
    assert checkin.check_in(event, code, 1, DOOR, "x4", None).status == "in"
    assert checkin.check_in(event, tokens.door_code(Guest.objects.get(pk=ben.pk)), 1, DOOR, "x5", None).status == "in"
    with pytest.raises(EventError) as caught:
        checkin.check_in(event, code, 3, DOOR, "x6", None)
    assert caught.value.field == "people"


def test_a_guest_who_came_gets_the_invitation_in_the_gifts_ledger(people):
    event, (ana, ben, _cleo) = _evening(people)
    checkin.check_in(event, tokens.door_code(ana), 2, DOOR, "g1", people["owner"])
    gift = Gift.objects.get(guest=ana)
    assert (gift.kind, gift.value, gift.contact, gift.workspace, str(gift.given_on)) == (
        "invitation", Decimal("45.00"), ana.contact, people["workspace"], "2026-03-12")
    assert not Gift.objects.filter(guest=ben).exists()


def test_after_the_event_who_came_who_did_not_and_who_posted_in_the_week(people):
    event, (ana, ben, cleo) = _evening(people)
    checkin.check_in(event, tokens.door_code(ana), 2, DOOR, "p1", None)
    outsider = make_contact(people, "Eve Insta")
    ws = people["workspace"]

    def mention(contact, text, at, key, **fields):
        return Mention.objects.create(contact=contact, workspace=ws, network="mastodon", remote_id=key, text=text,
                                      published_at=at, found_via="inbox", **fields)

    mention(ana.contact, "Superbe soirée #printemps !", STARTS + timedelta(hours=2), "1")
    mention(ana.contact, "Encore #Printemps", STARTS + timedelta(days=8), "2")  # too late
    mention(outsider, "Vu les photos #Printemps2019", STARTS + timedelta(days=1), "3")  # another hashtag
    mention(outsider, "Pas de hashtag", STARTS + timedelta(days=2), "4", event=event)  # linked by hand
    mention(ben.contact, "#Printemps", STARTS - timedelta(days=1), "5")  # before
    after = checkin.after_event(event)
    assert [g.contact.name for g in after.came] == ["Ana Blog"]
    assert [g.contact.name for g in after.absent] == ["Ben Mag"]
    assert [(p.contact.name, [m.remote_id for m in p.mentions], p.came) for p in after.posted] == [
        ("Ana Blog", ["1"], True), ("Eve Insta", ["4"], False)]


def test_thanks_go_to_those_who_came_once_and_are_recorded(people, english):
    event, (ana, ben, _cleo) = _evening(people)
    checkin.check_in(event, tokens.door_code(ana), 1, DOOR, "t1", None)
    later = STARTS + timedelta(days=1)
    sent = mailing.send_thanks(event, [ana, ben], "Merci !", "Merci d'être venue.", people["owner"], later)
    assert [g.pk for g in sent.sent] == [ana.pk] and [p for _g, p in sent.problems] == ["Ben Mag did not come."]
    again = mailing.send_thanks(event, [ana], "Merci !", "Encore", people["owner"], later)
    assert not again.sent and len(mail.outbox) == 1
    message = Message.objects.get(kind=Message.Kind.THANKS)
    assert (message.contact, message.subject, message.sent_by) == (ana.contact, "Merci !", people["owner"])
    with pytest.raises(EventError) as caught:
        mailing.send_thanks(event, [ana], " ", "x", None, later)
    assert caught.value.field == "subject"

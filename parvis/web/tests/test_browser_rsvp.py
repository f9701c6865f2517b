"""A guest's answer on a phone (390 px), from the link in their invitation email: yes with
a named companion (their door code then shows as a QR code), then no; the places freed
go to the next on the waiting list by email, and her link shows the offer, which she
takes. The emails are the files `parvis up` writes in its data folder."""

from __future__ import annotations

import email
import re
import time
from email.message import Message
from pathlib import Path

from playwright.sync_api import expect

from parvis.web.tests.browser import browser_marks, shot
from parvis.web.tests.test_browser_phone import parvis_json

pytestmark = browser_marks
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}

SEED = '''
    from datetime import timedelta
    from django.utils import timezone
    from parvis.accounts.actions import create_own_workspace
    from parvis.accounts.models import User
    from parvis.relations import events, tokens
    from parvis.relations.models import Contact, Decision

    owner, now = User.objects.get(email="ADMIN"), timezone.now()
    workspace = create_own_workspace(owner, "Maison Lumière", "Europe/Paris", "fr")
    starts = (now + timedelta(days=3)).astimezone(workspace.tz).replace(hour=19, minute=0, second=0, microsecond=0)
    event = events.create_event(workspace, {
        "name": "Soirée printemps", "starts_at": starts, "ends_at": starts + timedelta(hours=3),
        "place": "Atelier Dupont", "address": "3 rue des Fleurs, Lyon", "capacity": 2, "plus_ones": 1}, owner, now)
    guests = []
    for name, address in (("Ana Blog", "ana@blog.test"), ("Cléo Vlog", "cleo@blog.test")):
        contact = Contact.objects.create(organisation=workspace.organisation, name=name, email=address)
        (guest,) = events.add_contacts(event, [contact], owner, now)
        guests.append(events.decide(guest, Decision.INVITED, by=owner, now=now))
    print(json.dumps([f"/rsvp/{tokens.link_token(guest)}/" for guest in guests]))
'''


def _emails(folder: Path, to: str) -> list[Message]:
    """The emails to `to` that parvis wrote to files, oldest first."""
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for raw in path.read_bytes().split(b"-" * 79):
            message = email.message_from_bytes(raw.strip())
            if message["To"] == to:
                found.append(message)
    return found


def _text(message: Message) -> str:
    return "".join(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")  # type: ignore[union-attr]
                   for part in message.walk() if part.get_content_type() == "text/plain")


def rsvp_link(parvis, to: str, subject: str) -> str:
    """The personal link in the newest email to `to` whose subject has `subject`."""
    deadline = time.monotonic() + 10
    while True:
        messages = [m for m in _emails(parvis.data_dir / "emails", to) if subject in str(email.header.make_header(
            email.header.decode_header(m["Subject"])))]
        if messages or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert messages, f"no email to {to} about {subject!r}"
    link = re.search(re.escape(parvis.url) + r"/rsvp/[A-Za-z0-9_.-]+/", _text(messages[-1]))
    assert link, _text(messages[-1])
    return link.group(0)


def answer(page, choice: str, companion: str | None = None) -> None:
    page.check(f"input[name=answer][value={choice}]")
    if companion is not None:
        page.fill("#id_companion_1", companion)
    with page.expect_navigation():
        page.get_by_test_id("rsvp-send").click()
    expect(page.locator("p.flash[role=status]").first).to_be_visible()


def test_a_guest_says_yes_then_no_and_the_freed_place_goes_to_the_waitlist(browser, parvis):
    # The invitations' links (the shell runs with the test settings: its emails stay in memory).
    ana_link, cleo_link = (parvis.url + path for path in parvis_json(parvis, SEED.replace("ADMIN", parvis.admin_email)))

    ana = browser.new_context(**PHONE).new_page()
    ana.goto(ana_link)
    expect(ana.get_by_test_id("rsvp")).to_contain_text("Atelier Dupont")
    assert ana.get_by_test_id("rsvp-door-code").count() == 0
    answer(ana, "yes", "Paul Martin")
    expect(ana.get_by_test_id("rsvp-door-code").locator("svg[role=img]")).to_be_visible()
    expect(ana.locator("#id_companion_1")).to_have_value("Paul Martin")
    assert ana.evaluate("document.documentElement.scrollWidth") <= 390
    shot(ana, "rsvp-phone")

    # Ana and Paul take both places: Cléo's yes puts her on the waiting list.
    cleo = browser.new_context(**PHONE).new_page()
    cleo.goto(cleo_link)
    answer(cleo, "yes")
    expect(cleo.get_by_test_id("rsvp-waitlist")).to_be_visible()
    assert cleo.get_by_test_id("rsvp-door-code").count() == 0

    answer(ana, "no")
    assert ana.get_by_test_id("rsvp-door-code").count() == 0

    # The freed place is offered to Cléo by email (parvis up's, in its data folder); her
    # link says so, and she takes it.
    offer_link = rsvp_link(parvis, "cleo@blog.test", "Soirée printemps")
    assert offer_link == cleo_link  # one personal link per guest, whatever the email
    cleo.goto(offer_link)
    expect(cleo.get_by_test_id("rsvp-offer")).to_be_visible()
    answer(cleo, "yes")
    expect(cleo.get_by_test_id("rsvp-door-code").locator("svg[role=img]")).to_be_visible()
    assert cleo.get_by_test_id("rsvp-offer").count() == 0 and cleo.get_by_test_id("rsvp-waitlist").count() == 0
    ana.context.close()
    cleo.context.close()

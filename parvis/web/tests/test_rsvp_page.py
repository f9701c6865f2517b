"""The guest's RSVP page: public, in the guest's language, the event in the brand's time
zone, the answer form with one field per allowed companion, each bad field named, CSRF
on the POST, private headers, and the same friendly 404 for any link that does not work."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from parvis.relations import events, tokens
from parvis.relations.models import Contact, Event, Guest
from parvis.relations.tests.eventkit import NOW, STARTS, invite, make_event

pytestmark = pytest.mark.django_db


def _url(guest: Guest) -> str:
    return reverse("web:rsvp", args=[tokens.link_token(guest)])


def _guest(people, **fields) -> Guest:
    event = make_event(people, plus_ones=2, capacity=10, **fields)
    (guest,) = invite(event, people, "Ana Blog")
    return Guest.objects.select_related("event__workspace", "contact").get(pk=guest.pk)


@pytest.fixture
def at_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def test_the_page_shows_the_event_in_the_brands_zone_and_the_guests_language(people, at_now):
    guest = _guest(people, description="Nouveautés <b>printemps</b>")
    response = Client().get(_url(guest))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page and "jeudi 12 mars 2026" in page and "19:00" in page
    assert "Atelier Dupont" in page and "&lt;b&gt;printemps" in page
    assert 'name="companion_1"' in page and 'name="companion_2"' in page and 'name="companion_3"' not in page
    assert response["Referrer-Policy"] == "no-referrer" and response["X-Robots-Tag"].startswith("noindex")
    assert "private" in response["Cache-Control"]
    assert "https://" not in page.replace("https://www.w3.org", "")  # no third-party assets
    Contact.objects.filter(pk=guest.contact_id).update(language="en")
    assert "Thursday 12 March 2026" in Client().get(_url(guest)).content.decode()


def test_an_answer_is_recorded_with_its_companions_and_the_page_says_thank_you(people, at_now, english):
    guest = _guest(people)
    Contact.objects.filter(pk=guest.contact_id).update(language="en")
    client = Client(enforce_csrf_checks=True)
    page = client.get(_url(guest))
    token = page.cookies["csrftoken"].value
    response = client.post(_url(guest), {"csrfmiddlewaretoken": token, "answer": "yes", "companion_1": "Paul Martin",
                                         "companion_2": "", "dietary": "vegan", "photo_consent": "no",
                                         "comment": "Merci !"}, follow=True)
    assert response.status_code == 200 and "see you there" in response.content.decode()
    guest.refresh_from_db()
    assert (guest.answer, guest.companions, guest.dietary, guest.photo_consent) == ("yes", ["Paul Martin"], "vegan",
                                                                                    False)


def test_a_post_without_the_csrf_token_is_refused(people, at_now):
    guest = _guest(people)
    response = Client(enforce_csrf_checks=True).post(_url(guest), {"answer": "yes"})
    assert response.status_code == 403
    guest.refresh_from_db()
    assert guest.answer == "pending"


def test_each_bad_field_is_named(people, at_now):
    guest = _guest(people)
    Contact.objects.filter(pk=guest.contact_id).update(language="en")
    response = Client().post(_url(guest), {"answer": "", "companion_1": "x" * 101, "dietary": "d" * 301})
    assert response.status_code == 400
    page = response.content.decode()
    for field in ("answer", "companion_1", "dietary"):
        assert f'data-field="{field}"' in page


def test_a_yes_beyond_capacity_says_the_waitlist(people, at_now):
    guest = _guest(people)
    Event.objects.filter(pk=guest.event_id).update(capacity=2)
    Contact.objects.filter(pk=guest.contact_id).update(language="en")
    response = Client().post(_url(guest), {"answer": "yes", "companion_1": "Paul", "companion_2": "Zoé"}, follow=True)
    page = response.content.decode()
    assert "The event is full: you are on the waiting list." in page and 'data-testid="rsvp-waitlist"' in page
    guest.refresh_from_db()
    assert (guest.decision, guest.waitlist_rank, guest.companions) == ("waitlist", 1, ["Paul", "Zoé"])


def test_after_the_deadline_the_page_says_answers_are_closed(people, english):
    guest = _guest(people, answer_by=STARTS - timedelta(days=3))
    with mock.patch("django.utils.timezone.now", return_value=STARTS - timedelta(days=1)):
        page = Client().get(_url(guest)).content.decode()
        assert 'data-testid="rsvp-closed"' in page and "<form" not in page
        Client().post(_url(guest), {"answer": "yes"})
    guest.refresh_from_db()
    assert guest.answer == "pending"


def test_bad_altered_and_cancelled_links_get_the_same_friendly_404(people, at_now):
    guest = _guest(people)
    good = tokens.link_token(guest)
    altered = good[:-1] + ("A" if good[-1] != "A" else "B")
    events.cancel_guest_link(guest)
    for token in (altered, good, "nope", tokens.door_code(guest)):
        response = Client().get(reverse("web:rsvp", args=[token]))
        assert response.status_code == 404 and 'data-testid="invalid-link"' in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"

"""Contacts' posts about a brand, found by the inbox and la veille: kept once on the
contact's timeline, linked to the event whose hashtag they carry, checked for the
advertising mention when the brand gave something, and told once when it is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from parvis.accounts.models import Notification
from parvis.inbox.models import Author, Item, Thread
from parvis.relations import events, mentions
from parvis.relations import people as contacts
from parvis.relations.models import Event, Gift, Mention

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _every_call_looks(monkeypatch):
    """The sweep looks once a minute in a process; each call here is a new minute."""
    monkeypatch.setattr(mentions._looking, "ready", lambda: True)


@pytest.fixture
def lea(people):
    return contacts.save(people["organisation"], {
        "name": "Léa Marquise", "website": "https://www.blog-de-lea.example/",
        "handles": [("mastodon", "@lea@piaille.example")]})


def _item(people, account, text, *, key="lea@piaille.example", private=False, at=NOW):
    author, _ = Author.objects.get_or_create(workspace=people["workspace"], network="mastodon", key=key,
                                             defaults={"remote_id": key, "handle": f"@{key}"})
    thread, _ = Thread.objects.get_or_create(workspace=people["workspace"], account=account,
                                             key=f"t{Item.objects.count()}")
    return Item.objects.create(workspace=people["workspace"], account=account, thread=thread, author=author,
                               network="mastodon", remote_id=f"r{Item.objects.count()}", kind="mention",
                               text=text, created_at=at, private=private, url="https://piaille.example/@lea/1")


def test_a_contacts_public_post_in_the_inbox_is_kept_once_and_others_are_not(people, account, lea):
    _item(people, account, "Les galettes de @brand sont top")
    _item(people, account, "message privé", private=True)
    _item(people, account, "Moi aussi", key="someone@else.example")
    assert mentions.find_contact_posts(NOW) == 1
    assert mentions.find_contact_posts(NOW) == 0  # nothing new since the last pass
    mention = Mention.objects.get()
    assert (mention.contact, mention.found_via, mention.disclosure) == (lea, "inbox", Mention.Disclosure.NOT_NEEDED)


def test_after_a_benefit_a_post_without_the_mention_is_flagged_and_told_once(people, account, lea):
    Gift.objects.create(workspace=people["workspace"], contact=lea, kind="fee", description="Article",
                        value=Decimal("300"), given_on=date(2026, 11, 1))
    _item(people, account, "J'adore les galettes de @brand !")
    _item(people, account, "Publicité — les galettes de @brand", at=NOW + timedelta(minutes=5))
    mentions.find_contact_posts(NOW)
    assert sorted(Mention.objects.values_list("disclosure", flat=True)) == ["missing", "present"]
    told = Notification.objects.filter(kind="influencer_mention_missing")
    assert told.count() == len({m.user_id for m in told}) >= 1
    assert "Léa Marquise" in told.first().message


def test_a_post_with_the_events_hashtag_is_linked_to_the_event(people, account, lea):
    event = events.create_event(people["workspace"], {
        "name": "Soirée galettes", "starts_at": NOW - timedelta(days=1), "ends_at": NOW - timedelta(hours=20),
        "hashtags": "#GaletteParty"}, people["owner"], NOW - timedelta(days=10))
    _item(people, account, "Merci pour la #galetteparty d'hier")
    mentions.find_contact_posts(NOW)
    assert Mention.objects.get().event == event
    assert Event.objects.count() == 1


def test_a_veille_hit_on_an_article_of_the_contacts_blog_is_kept(people, lea):
    from parvis.listening.models import Entry, Hit, Monitor, Source

    source = Source.objects.create(url="https://blog-de-lea.example/feed.xml", site_url="https://blog-de-lea.example/")
    monitor = Monitor.objects.create(workspace=people["workspace"], name="Marque", query="galette")
    ours = Entry.objects.create(source=source, key="a", story="a", url="https://blog-de-lea.example/2026/galettes",
                                title="Mes galettes préférées", text="La galette de la boulangerie", published_at=NOW)
    elsewhere = Entry.objects.create(source=source, key="b", story="b", url="https://blog-de-lea.example.evil/x",
                                     title="Autre", text="galette", published_at=NOW)
    for entry in (ours, elsewhere):
        Hit.objects.create(monitor=monitor, entry=entry, published_at=NOW)
    assert mentions.find_contact_posts(NOW) == 1
    mention = Mention.objects.get()
    assert (mention.network, mention.found_via, mention.url) == ("feed", "veille", ours.url)
    assert mention.text.startswith("Mes galettes préférées")

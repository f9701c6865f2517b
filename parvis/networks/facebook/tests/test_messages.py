"""A Page's Messenger conversations against the fake: messages come into the inbox as
private items grouped by conversation, both sides; an answer goes to the person through
the Send API, never outside the 24-hour window; lists are read page by page; what
people write stays text. The last tests go through the real inbox and publishing paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parvis.networks import graph
from parvis.networks.base import ErrorKind, ItemKind, NetworkError, Presence, PublishRequest, ReplyTarget
from parvis.networks.facebook.connector import SERVER_URL, FacebookConnector
from parvis.networks.models import SocialAccount

pytestmark = pytest.mark.usefixtures("english")
DAY = 24 * 3600


def reply_to(item, text: str = "Oui, livraison jeudi") -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=f"dm-{item.remote_id}",
                          reply_to=ReplyTarget(item.remote_id, item.root_id or item.remote_id, dict(item.extra)))


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def since(days: float) -> str:
    """A cursor as if the last poll was `days` ago."""
    return graph.write_cursor(timezone.now() - timedelta(days=days), set())


def test_messages_come_in_as_private_items_grouped_by_conversation(meta, connector, page):
    assert "messages" in connector.inbox_streams()
    alex = meta.add_message(page, "Alex Dupont", "Bonjour, vous livrez à Lyon ?", at=meta.now - 120)
    meta.add_message(page, "Sam Martin", "Ouvert dimanche ?", at=meta.now - 60)
    again = meta.add_message(page, "Alex Dupont", "Et à Villeurbanne ?")
    inbox = connector.fetch_inbox("messages", None)
    assert [i.text for i in inbox.items] == ["Bonjour, vous livrez à Lyon ?", "Ouvert dimanche ?",
                                             "Et à Villeurbanne ?"]  # oldest first
    first, sam, second = inbox.items
    assert {i.kind for i in inbox.items} == {ItemKind.MESSAGE} and all(i.private for i in inbox.items)
    assert first.thread_key == second.thread_key == alex.conversation != sam.thread_key
    conversation = meta.conversations[alex.conversation]
    assert (first.author.key, first.author.remote_id, first.author.display_name) == (
        conversation.user_id, conversation.user_id, "Alex Dupont")
    assert first.extra["recipient"] == conversation.user_id and second.remote_id == again.id
    assert connector.fetch_inbox("messages", inbox.cursor).items == []  # once


def test_an_answer_goes_to_the_person_and_comes_back_as_our_own(meta, connector, page):
    meta.add_message(page, "Sam Martin", "Ouvert dimanche ?")
    alex = meta.add_message(page, "Alex Dupont", "Vous livrez ?")
    inbox = connector.fetch_inbox("messages", None)
    item = next(i for i in inbox.items if i.remote_id == alex.id)
    request = reply_to(item)
    sent = connector.publish(request)
    (ours,) = meta.sent_messages(alex.conversation)
    assert (sent.remote_id, ours.text) == (ours.id, "Oui, livraison jeudi")
    (call,) = meta.requests_to("*/messages", "POST")
    assert call.path.endswith(f"/{page.id}/messages") and call.form["messaging_type"] == "RESPONSE"
    assert '"' + meta.conversations[alex.conversation].user_id + '"' in call.form["recipient"]
    found = connector.find_published(request, since=timezone.now() - timedelta(minutes=1))
    assert found.presence is Presence.FOUND and found.post.remote_id == ours.id
    (back,) = connector.fetch_inbox("messages", inbox.cursor).items
    assert (back.remote_id, back.kind, back.thread_key, back.private) == (ours.id, ItemKind.OWN, item.thread_key,
                                                                          True)
    assert connector.refresh_items([ours.id])[ours.id].text == "Oui, livraison jeudi"


def test_outside_the_24_hours_an_answer_is_refused_in_words_and_nothing_is_sent(meta, connector, page):
    meta.add_message(page, "Alex Dupont", "Vous livrez ?", at=meta.now - DAY - 3600)
    (item,) = connector.fetch_inbox("messages", since(2)).items
    error = refusal(lambda: connector.publish(reply_to(item)))
    assert error.kind is ErrorKind.PERMANENT
    assert "Messenger lets a Page answer only within 24 hours of the person's last message" in error.message
    assert "25 hours ago" in error.message
    assert meta.requests_to("*/messages", "POST") == []


def test_the_window_counts_from_the_persons_latest_message_read_at_sending_time(meta, connector, page):
    old = meta.add_message(page, "Alex Dupont", "Vous livrez ?", at=meta.now - DAY - 3600)
    (item,) = connector.fetch_inbox("messages", since(2)).items
    meta.add_message(page, "Alex Dupont", "Je réessaie !")  # they wrote again: the window is open
    connector.publish(reply_to(item))
    assert [m.text for m in meta.sent_messages(old.conversation)] == ["Oui, livraison jeudi"]


def test_an_answer_to_our_own_message_with_none_of_theirs_left_is_refused(meta, connector, page):
    alex = meta.add_message(page, "Alex Dupont", "Vous livrez ?", at=meta.now - 3600)
    conversation = meta.conversations[alex.conversation]
    for number in range(100):  # ours only, as far back as parvis reads
        meta.new_message(conversation, True, f"Relance {number}", meta.now - 1800 + number)
    own = next(i for i in connector.fetch_inbox("messages", None).items if i.kind is ItemKind.OWN)
    error = refusal(lambda: connector.publish(reply_to(own)))
    assert error.kind is ErrorKind.PERMANENT and "none of theirs is left in the conversation" in error.message
    assert meta.requests_to("*/messages", "POST") == []


def test_metas_own_refusals_are_worded(meta, connector, page):
    alex = meta.add_message(page, "Alex Dupont", "Vous livrez ?")
    (item,) = connector.fetch_inbox("messages", None).items
    meta.advance(2 * DAY)  # Meta's clock says the window closed while parvis's did not yet
    error = refusal(lambda: connector.publish(reply_to(item)))
    assert error.kind is ErrorKind.PERMANENT and "within 24 hours" in error.message
    meta.advance(-2 * DAY)
    meta.make_unavailable(alex.conversation)
    error = refusal(lambda: connector.publish(reply_to(item)))
    assert error.kind is ErrorKind.PERMANENT and "cannot receive" in error.message
    assert meta.sent_messages(alex.conversation) == []
    too_long = refusal(lambda: connector.publish(reply_to(item, "x" * 2001)))
    assert too_long.kind is ErrorKind.PERMANENT and "2,000 characters" in too_long.message


def test_an_answer_whose_fate_is_unknown_is_never_said_absent(meta, connector, page):
    meta.add_message(page, "Alex Dupont", "Vous livrez ?")
    (item,) = connector.fetch_inbox("messages", None).items
    lookup = connector.find_published(reply_to(item), since=timezone.now() - timedelta(minutes=1))
    assert lookup.presence is Presence.UNKNOWN and "check the conversation" in lookup.reason.render()
    meta.lose_next(path="*/messages")
    error = refusal(lambda: connector.publish(reply_to(item)))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    assert connector.find_published(reply_to(item), since=timezone.now() - timedelta(minutes=1)).presence \
        is Presence.FOUND


def test_conversations_and_messages_are_read_page_by_page(meta, connector, page):
    for number in range(30):  # more than one page of conversations (25)
        meta.add_message(page, f"Client {number}", f"Question {number}", at=meta.now - 3600 + number)
    for number in range(30):  # and one conversation longer than a page of messages
        meta.add_message(page, "Bavard", f"Message {number}", at=meta.now - 1800 + number)
    inbox = connector.fetch_inbox("messages", None)
    texts = [i.text for i in inbox.items]
    assert len(texts) == 60 and len(set(i.remote_id for i in inbox.items)) == 60
    assert texts[:2] == ["Question 0", "Question 1"] and texts[-1] == "Message 29"
    assert len(meta.requests_to("*/conversations", "GET")) == 2
    meta.add_message(page, "Client 3", "Encore une")
    assert [i.text for i in connector.fetch_inbox("messages", inbox.cursor).items] == ["Encore une"]


def test_the_first_poll_starts_a_day_back(meta, connector, page):
    meta.add_message(page, "Alex Dupont", "Il y a longtemps", at=meta.now - 3 * DAY)
    meta.add_message(page, "Alex Dupont", "Aujourd'hui")
    assert [i.text for i in connector.fetch_inbox("messages", None).items] == ["Aujourd'hui"]


def test_what_people_write_stays_text(meta, connector, page):
    hostile = '<script>alert("x")</script> <img src=x onerror=y> & \x00 {{ secret }}'
    meta.add_message(page, '<b onmouseover="z">Alex</b>\x07', hostile)
    (item,) = connector.fetch_inbox("messages", None).items
    assert item.text == '<script>alert("x")</script> <img src=x onerror=y> &  {{ secret }}'
    assert item.author.display_name == '<b onmouseover="z">Alex</b>'


def test_a_message_meta_no_longer_shows_is_left_as_it_is(meta, connector, page):
    first = meta.add_message(page, "Alex Dupont", "Le premier", at=meta.now - 3600)
    for number in range(20):  # Meta answers for a conversation's 20 newest messages only
        meta.add_message(page, "Alex Dupont", f"Puis {number}", at=meta.now - 1800 + number)
    found = connector.refresh_items([first.id])
    assert first.id not in found  # unknown: not said deleted


def test_without_the_messaging_permission_only_messages_stop_and_say_why(meta, connector, page):
    meta.tokens[page.token].scopes.remove("pages_messaging")
    meta.add_message(page, "Alex Dupont", "Vous livrez ?")
    error = refusal(lambda: connector.fetch_inbox("messages", None))
    assert error.kind is ErrorKind.PERMANENT and "pages_messaging" in error.message
    assert connector.fetch_inbox("comments", None).items == []  # the rest goes on


def test_private_messages_cannot_be_hidden(meta, connector, page):
    from parvis.networks.base import Moderation

    meta.add_message(page, "Alex Dupont", "Vous livrez ?")
    (item,) = connector.fetch_inbox("messages", None).items
    assert refusal(lambda: connector.moderate(Moderation.HIDE, item, item.author)).kind is ErrorKind.PERMANENT
    assert connector.thread_context(item.remote_id) == []


# -- through the inbox and the publishing engine ---------------------------------------------

@pytest.fixture
def page_account(people, meta, page) -> SocialAccount:
    return SocialAccount.objects.create(workspace=people["workspace"], network="facebook", server_url=SERVER_URL,
                                        remote_id=page.id, handle=page.name,
                                        credentials={"access_token": page.token})


@pytest.mark.django_db
def test_the_inbox_stores_messages_as_private_items_and_an_answer_goes_out_once(meta, page, page_account, people):
    from parvis.inbox import polling, replies
    from parvis.inbox.models import Item, Kind, Poller
    from parvis.publishing import engine

    alex = meta.add_message(page, "Alex Dupont", "Bonjour, vous livrez ?")
    polling.ensure_pollers()
    poller = Poller.objects.get(account=page_account, stream="messages")
    connector = FacebookConnector(page_account)
    assert polling.poll(poller.pk, connector=connector).new == 1
    item = Item.objects.get(account=page_account, remote_id=alex.id)
    assert item.private and item.thread.private and item.kind == Kind.MESSAGE and item.in_inbox
    assert item.thread.key == alex.conversation

    reply = replies.send_reply(item, "Oui, jeudi !", people["editor"])
    publication = reply.post.publications.get()
    assert engine.publish(publication.pk) == "published"
    (ours,) = meta.sent_messages(alex.conversation)
    publication.refresh_from_db()
    assert publication.remote_id == ours.id and ours.text == "Oui, jeudi !"
    assert replies.link_published() == 1
    own = Item.objects.get(account=page_account, remote_id=ours.id)
    assert own.kind == Kind.OWN and own.thread_id == item.thread_id and own.private
    polling.poll(poller.pk, connector=FacebookConnector(page_account))  # the poll meets it again: no duplicate
    assert Item.objects.filter(account=page_account, remote_id=ours.id).count() == 1


def _polled_from_two_days_back(page_account):
    from parvis.inbox import polling
    from parvis.inbox.models import Poller

    polling.ensure_pollers()
    Poller.objects.filter(account=page_account, stream="messages").update(cursor=since(2))
    poller = Poller.objects.get(account=page_account, stream="messages")
    polling.poll(poller.pk, connector=FacebookConnector(page_account))


@pytest.mark.django_db
def test_the_reply_form_says_at_once_when_the_window_has_closed(meta, page, page_account, people):
    from parvis.inbox import replies
    from parvis.inbox.models import Item
    from parvis.publishing.models import Publication
    from parvis.publishing.validation import PostValidationError

    alex = meta.add_message(page, "Alex Dupont", "Bonjour ?", at=meta.now - DAY - 2 * 3600)
    _polled_from_two_days_back(page_account)
    item = Item.objects.get(account=page_account, remote_id=alex.id)
    with pytest.raises(PostValidationError) as refused:
        replies.send_reply(item, "Désolé du retard", people["editor"])
    (error,) = refused.value.errors
    assert (error.field, error.code) == ("text", "outside_window")
    assert "Facebook lets an account answer a private message only within 24 hours" in error.message
    assert "26 hours ago" in error.message
    assert not Publication.objects.exists()
    meta.add_message(page, "Alex Dupont", "Vous êtes là ?")  # they write again: the window opens
    _polled_from_two_days_back(page_account)
    assert replies.check_reply(item, "Oui !") == []


@pytest.mark.django_db
def test_an_answer_outside_metas_window_fails_visibly_without_sending(meta, page, page_account, people):
    """The stored copy says the person wrote a minute ago (a clock off somewhere), Meta's
    conversation says 26 hours: the connector's own check before sending decides."""
    from parvis.inbox import replies
    from parvis.inbox.models import Item
    from parvis.publishing import engine
    from parvis.publishing.models import State

    alex = meta.add_message(page, "Alex Dupont", "Bonjour ?", at=meta.now - DAY - 2 * 3600)
    _polled_from_two_days_back(page_account)
    Item.objects.filter(remote_id=alex.id).update(created_at=timezone.now() - timedelta(minutes=1))
    item = Item.objects.get(account=page_account, remote_id=alex.id)
    publication = replies.send_reply(item, "Désolé du retard", people["editor"]).post.publications.get()
    assert engine.publish(publication.pk) == "failed"
    publication.refresh_from_db()
    assert publication.state == State.FAILED and "within 24 hours" in publication.error
    assert meta.requests_to("*/messages", "POST") == []
    page_account.refresh_from_db()
    assert not page_account.needs_reconnect

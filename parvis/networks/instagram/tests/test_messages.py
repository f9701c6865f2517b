"""An Instagram account's private conversations against the fake, connected either way:
through its Facebook Page (the Page's conversations with platform=instagram) or with
Instagram Login (/me/conversations). Messages come in as private items grouped by
conversation; an answer goes to the person, never outside the 24-hour window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parvis.networks import graph
from parvis.networks.base import ErrorKind, ItemKind, NetworkError, Presence, PublishRequest, ReplyTarget
from parvis.networks.instagram.connector import InstagramConnector
from parvis.networks.instagram.tests.conftest import account_row

pytestmark = pytest.mark.usefixtures("english")
DAY = 24 * 3600


def reply_to(item, text: str = "Oui, en taille M") -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=f"dm-{item.remote_id}",
                          reply_to=ReplyTarget(item.remote_id, item.root_id or item.remote_id, dict(item.extra)))


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def test_messages_through_the_page_come_in_and_are_answered_through_the_page(meta, ig, connector):
    page = meta.pages[ig.page_id]
    meta.add_message(page, "Alex Dupont", "Ceci est pour Messenger, pas Instagram")
    lea = meta.add_message(ig, "lea.b", "Vous avez la robe en M ?", at=meta.now - 60)
    again = meta.add_message(ig, "lea.b", "Ou en L ?")
    inbox = connector.fetch_inbox("messages", None)
    assert [i.remote_id for i in inbox.items] == [lea.id, again.id]  # the Page's Messenger stays out
    first, _second = inbox.items
    conversation = meta.conversations[lea.conversation]
    assert (first.kind, first.private, first.thread_key) == (ItemKind.MESSAGE, True, lea.conversation)
    assert (first.author.key, first.author.handle) == (conversation.user_id, "@lea.b")
    assert meta.requests_to("*/conversations", "GET")[0].query["platform"] == "instagram"

    sent = connector.publish(reply_to(first))
    (ours,) = meta.sent_messages(lea.conversation)
    assert sent.remote_id == ours.id
    (call,) = meta.requests_to("*/messages", "POST")
    assert call.path.endswith(f"/{page.id}/messages") and conversation.user_id in call.form["recipient"]
    (back,) = connector.fetch_inbox("messages", inbox.cursor).items
    assert (back.remote_id, back.kind, back.thread_key) == (ours.id, ItemKind.OWN, lea.conversation)


def test_messages_with_instagram_login_use_the_accounts_own_conversations(meta, solo, solo_connector):
    lea = meta.add_message(solo, "lea.b", "Bonjour !")
    (item,) = solo_connector.fetch_inbox("messages", None).items
    assert meta.requests_to("*/conversations", "GET")[0].path.endswith("/me/conversations")
    request = reply_to(item, "Bonjour Léa 👋")
    solo_connector.publish(request)
    (call,) = meta.requests_to("*/messages", "POST")
    assert call.path.endswith(f"/{solo.id}/messages")
    (ours,) = meta.sent_messages(lea.conversation)
    assert ours.text == "Bonjour Léa 👋"
    found = solo_connector.find_published(request, since=timezone.now() - timedelta(minutes=1))
    assert found.presence is Presence.FOUND and found.post.remote_id == ours.id
    assert solo_connector.refresh_items([lea.id, ours.id])[ours.id].kind is ItemKind.OWN


def test_outside_the_24_hours_an_answer_is_refused_in_words_and_nothing_is_sent(meta, ig, connector):
    meta.add_message(ig, "lea.b", "Vous avez la robe en M ?", at=meta.now - DAY - 600)
    cursor = graph.write_cursor(timezone.now() - timedelta(days=2), set())
    (item,) = connector.fetch_inbox("messages", cursor).items
    error = refusal(lambda: connector.publish(reply_to(item)))
    assert error.kind is ErrorKind.PERMANENT
    assert "Instagram lets an account answer a message only within 24 hours" in error.message
    assert meta.requests_to("*/messages", "POST") == []


def test_a_message_over_1000_bytes_is_refused_before_sending(meta, ig, connector):
    meta.add_message(ig, "lea.b", "Une question")
    (item,) = connector.fetch_inbox("messages", None).items
    error = refusal(lambda: connector.publish(reply_to(item, "é" * 501)))  # 1,002 bytes in 501 characters
    assert error.kind is ErrorKind.PERMANENT and "1,000 bytes" in error.message
    assert meta.requests_to("*/messages", "POST") == []


def test_without_the_messaging_permission_only_messages_stop_and_say_why(meta, solo, solo_connector):
    meta.tokens[solo.token].scopes.remove("instagram_business_manage_messages")
    meta.add_message(solo, "lea.b", "Bonjour !")
    error = refusal(lambda: solo_connector.fetch_inbox("messages", None))
    assert error.kind is ErrorKind.PERMANENT and "instagram_business_manage_messages" in error.message


def test_what_people_write_stays_text(meta, ig, connector):
    meta.add_message(ig, "lea.b", '<img src=x onerror="alert(1)">\x1b[31m & <a href="javascript:x">ici</a>')
    (item,) = connector.fetch_inbox("messages", None).items
    assert item.text == '<img src=x onerror="alert(1)">[31m & <a href="javascript:x">ici</a>'


@pytest.mark.django_db
def test_the_inbox_stores_instagram_messages_as_private_items(people, meta, ig):
    from parvis.inbox import polling
    from parvis.inbox.models import Item, Kind, Poller

    page = meta.pages[ig.page_id]
    account = account_row(ig, page.token, "facebook", workspace=people["workspace"])
    account.save()
    lea = meta.add_message(ig, "lea.b", "Vous avez la robe en M ?")
    polling.ensure_pollers()
    assert "messages" in set(Poller.objects.filter(account=account).values_list("stream", flat=True))
    poller = Poller.objects.get(account=account, stream="messages")
    assert polling.poll(poller.pk, connector=InstagramConnector(account)).new == 1
    item = Item.objects.get(account=account, remote_id=lea.id)
    assert item.private and item.thread.private and item.kind == Kind.MESSAGE
    assert item.thread.key == lea.conversation and item.author.handle == "@lea.b"

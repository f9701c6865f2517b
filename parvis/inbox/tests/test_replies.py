"""Replying from the inbox, end to end on the Mastodon test server: the fan's reply is
polled in, our answer goes out through the publishing engine (exactly once, threaded),
comes back into the conversation, and counts as the first response."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from parvis.inbox import polling, replies
from parvis.inbox.models import Item, Kind, Poller, Status
from parvis.publishing import engine
from parvis.publishing.models import Post, PostKind, Publication, State
from parvis.publishing.pause import pause_workspace
from parvis.publishing.validation import PostValidationError


@pytest.fixture
def conversation(mastodon_account, mastodon_server):
    """The brand posted; a fan answered; parvis polled its notifications."""
    account, brand = mastodon_account
    fan = mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}")
    ours = mastodon_server.post_as(brand, "Nouvelle fournée de croissants ce matin !")
    theirs = mastodon_server.post_as(fan, f"@{brand['username']} Vous en gardez pour midi ?",
                                     in_reply_to_id=ours["id"])
    polling.ensure_pollers()
    poller = Poller.objects.get(account=account, stream="notifications")
    assert polling.poll(poller.pk).new == 1
    item = Item.objects.get(account=account, in_inbox=True)
    return account, brand, fan, ours, theirs, item, poller


def publish_reply(reply) -> Publication:
    publication = reply.post.publications.get()
    assert engine.publish(publication.pk) == "published"
    publication.refresh_from_db()
    return publication


def test_a_reply_is_threaded_on_the_network_and_comes_back_into_the_conversation(conversation, mastodon_server,
                                                                                  people):
    account, brand, fan, ours, theirs, item, poller = conversation
    assert item.remote_id == theirs["id"] and item.kind == Kind.REPLY
    reply = replies.send_reply(item, f"@{fan['username']} Bien sûr, on vous en garde deux !", people["editor"])
    item.refresh_from_db()
    assert item.status == Status.PENDING
    publication = publish_reply(reply)
    sent = mastodon_server.status(publication.remote_id)
    assert sent is not None and sent["in_reply_to_id"] == theirs["id"]

    assert replies.link_published() == 1
    assert replies.link_published() == 0  # once
    item.refresh_from_db()
    assert item.first_response_by == people["editor"] and item.first_response_at is not None
    thread = list(Item.objects.filter(thread=item.thread).order_by("created_at").values_list("kind", flat=True))
    assert thread[-1] == Kind.OWN and Kind.REPLY in thread


def test_a_reply_is_sent_once_even_if_the_engine_runs_it_again(conversation, mastodon_server, people):
    account, brand, fan, ours, theirs, item, poller = conversation
    reply = replies.send_reply(item, f"@{fan['username']} Merci !", people["owner"])
    publication = publish_reply(reply)
    Publication.objects.filter(pk=publication.pk).update(state=State.SCHEDULED, next_attempt_at=timezone.now(),
                                                         may_exist=True)
    engine.publish(publication.pk)  # a retry after an uncertain attempt: reconciled, not resent
    ours_now = [s for s in mastodon_server.statuses_of(brand) if s.get("in_reply_to_id") == theirs["id"]]
    assert len(ours_now) == 1


def test_polling_again_after_a_restart_adds_no_duplicate(conversation, mastodon_server):
    account, brand, fan, ours, theirs, item, poller = conversation
    # A worker that died mid-poll left its cursor unsaved: the next poll starts over.
    Poller.objects.filter(pk=poller.pk).update(cursor="", next_poll_at=timezone.now())
    polling.poll(poller.pk)
    assert Item.objects.filter(account=account, remote_id=theirs["id"]).count() == 1


def test_replies_go_out_during_a_crisis_pause(conversation, people):
    account, brand, fan, ours, theirs, item, poller = conversation
    pause_workspace(people["workspace"], people["owner"], "Bad buzz")
    reply = replies.send_reply(item, f"@{fan['username']} Nous regardons cela tout de suite.", people["owner"])
    assert publish_reply(reply).state == State.PUBLISHED


def test_replies_stay_out_of_the_editorial_plan(conversation, people):
    account, brand, fan, ours, theirs, item, poller = conversation
    reply = replies.send_reply(item, "Merci !", people["owner"])
    assert not Post.objects.filter(pk=reply.post.pk).exists()  # the planning screens' manager
    assert Post.with_replies.get(pk=reply.post.pk).kind == PostKind.REPLY


def test_a_bad_reply_is_refused_with_the_field_named(conversation, people):
    account, brand, fan, ours, theirs, item, poller = conversation
    for text in ("", "   ", "x" * 600):
        with pytest.raises(PostValidationError) as caught:
            replies.send_reply(item, text, people["owner"])
        assert "text" in caught.value.by_field()
    Item.objects.filter(pk=item.pk).update(deleted_at=timezone.now())
    item.refresh_from_db()
    with pytest.raises(PostValidationError) as caught:
        replies.send_reply(item, "Merci", people["owner"])
    assert "item" in caught.value.by_field()
    assert not Post.with_replies.filter(kind=PostKind.REPLY).exists()

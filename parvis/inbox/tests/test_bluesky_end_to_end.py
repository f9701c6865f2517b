"""The inbox on a real local Bluesky network (PDS + AppView from @atproto/dev-env, on the
loopback PostgreSQL and Redis): a fan's reply is polled in with its thread, answered
through the publishing engine exactly once, and nothing is stored twice after a restart."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from parvis.inbox import polling, replies, triage
from parvis.inbox.models import Item, Kind, Poller
from parvis.networks.base import Moderation
from parvis.publishing import engine
from parvis.publishing.models import Publication, State

PASSWORD = "main-password-123"


@pytest.fixture
def conversation(bluesky_inbox_account, bsky_network):
    account, brand = bluesky_inbox_account
    fan = bsky_network.create_account(f"f{uuid.uuid4().hex[:10]}", PASSWORD, display_name="Fan <i>de pain</i>")
    ours = bsky_network.post_as(brand["handle"], "Nouvelle fournée ce matin !")
    theirs = bsky_network.post_as(fan["handle"], "Vous en gardez pour midi ?", reply_to=ours.uri)
    bsky_network.process_all()
    polling.ensure_pollers()
    poller = Poller.objects.get(account=account, stream="notifications")
    assert polling.poll(poller.pk).new == 1
    item = Item.objects.get(account=account, in_inbox=True)
    return account, fan, ours, theirs, item, poller


def test_a_reply_comes_in_with_its_thread_and_is_answered_once(conversation, bsky_network, people):
    account, fan, ours, theirs, item, poller = conversation
    assert item.remote_id == theirs.uri and item.kind == Kind.REPLY
    assert item.author.key == fan["did"] and item.author.display_name == "Fan <i>de pain</i>"
    thread = list(Item.objects.filter(thread=item.thread).order_by("created_at"))
    assert [i.remote_id for i in thread] == [ours.uri, theirs.uri]  # our post above it, as context
    assert thread[0].kind == Kind.OWN and not thread[0].in_inbox

    reply = replies.send_reply(item, "Bien sûr, deux croissants vous attendent !", people["editor"])
    publication = reply.post.publications.get()
    assert engine.publish(publication.pk) == "published"
    # A retry after an uncertain attempt finds the post instead of sending it again.
    Publication.objects.filter(pk=publication.pk).update(state=State.SCHEDULED, next_attempt_at=timezone.now(),
                                                         may_exist=True)
    engine.publish(publication.pk)
    publication.refresh_from_db()
    bsky_network.process_all()
    answers = bsky_network.get_post_thread(fan["handle"], theirs.uri)["thread"].get("replies", [])
    assert [a["post"]["uri"] for a in answers] == [publication.remote_id]

    assert replies.link_published() == 1
    item.refresh_from_db()
    assert item.first_response_by == people["editor"]
    assert Item.objects.filter(thread=item.thread, kind=Kind.OWN, remote_id=publication.remote_id).exists()


def test_polling_again_after_a_restart_stores_nothing_twice(conversation):
    account, fan, ours, theirs, item, poller = conversation
    Poller.objects.filter(pk=poller.pk).update(cursor="", next_poll_at=timezone.now())
    polling.poll(poller.pk)
    assert Item.objects.filter(account=account, remote_id=theirs.uri).count() == 1


def test_a_deleted_reply_is_marked_deleted_by_the_refresh(conversation, bsky_network):
    account, fan, ours, theirs, item, poller = conversation
    bsky_network.delete_as(fan["handle"], theirs.uri)
    bsky_network.process_all()
    refresh = Poller.objects.get(account=account, stream=Poller.REFRESH)
    Poller.objects.filter(pk=refresh.pk).update(next_poll_at=timezone.now())
    result = polling.poll(refresh.pk)
    assert result.deleted == 1
    assert Item.objects.get(pk=item.pk).deleted_at is not None


def test_like_and_hide_from_the_inbox(conversation, bsky_network, people):
    account, fan, ours, theirs, item, poller = conversation
    assert Moderation.HIDE in triage.available_actions(item)
    triage.moderate(item, "like", people["owner"])
    triage.moderate(item, "hide", people["owner"])
    item.refresh_from_db()
    assert item.liked_at is not None and item.hidden_at is not None
    bsky_network.process_all()
    likes = bsky_network.list_records(account.remote_id, "app.bsky.feed.like")
    assert [like["value"]["subject"]["uri"] for like in likes] == [theirs.uri]

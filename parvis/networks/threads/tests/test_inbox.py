"""The Threads inbox against the loopback fake: replies under the account's posts and
mentions, each delivered once, hidden and unhidden, answered in the thread."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.base import (
    ErrorKind,
    ItemKind,
    Moderation,
    NetworkError,
    PublishRequest,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.threads.connector import ThreadsConnector

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def connector(threads, threads_account) -> ThreadsConnector:
    threads.polls_until_finished = 0
    return ThreadsConnector(threads_account)


def post(connector: ThreadsConnector, text: str, reply_to: ReplyTarget | None = None) -> str:
    remote = connector.publish(PublishRequest(text=text, idempotency_key=text, reply_to=reply_to))
    assert isinstance(remote, RemotePost)
    return remote.remote_id


def test_replies_under_the_accounts_posts_come_once_oldest_first(threads, connector):
    root = post(connector, "Question du jour ?")
    first = threads.reply_as("alice", to=root, text="Moi !")
    nested = threads.reply_as("carol", to=first, text="Toi ?")
    page = connector.fetch_inbox("replies", None)
    assert [(i.remote_id, i.kind, i.author.handle, i.text) for i in page.items] == [
        (first, ItemKind.REPLY, "@alice", "Moi !"), (nested, ItemKind.REPLY, "@carol", "Toi ?")]
    assert {(i.thread_key, i.root_id) for i in page.items} == {(root, root)}
    assert page.items[0].extra["top_level"] and not page.items[1].extra["top_level"]
    assert page.items[1].in_reply_to_id == first and page.items[0].url.startswith("https://www.threads.com/@alice/")
    again = connector.fetch_inbox("replies", page.cursor)
    assert again.items == []
    later = threads.reply_as("bob", to=root, text="Pas moi")
    assert [i.remote_id for i in connector.fetch_inbox("replies", again.cursor).items] == [later]


def test_mentions_are_their_own_stream(threads, connector):
    mention = threads.mention_as("fan", "Merci @brand pour l'accueil")
    threads.mention_as("fan", "Rien à voir")
    page = connector.fetch_inbox("mentions", None)
    assert [(i.remote_id, i.kind, i.text) for i in page.items] == [(mention, ItemKind.MENTION,
                                                                    "Merci @brand pour l'accueil")]
    assert connector.fetch_inbox("mentions", page.cursor).items == []
    assert list(connector.inbox_streams()) == ["replies", "mentions"]


def test_a_top_level_reply_is_hidden_and_unhidden(threads, connector):
    root = post(connector, "Sujet")
    rude = threads.reply_as("troll", to=root, text="insulte")
    under = threads.reply_as("other", to=rude, text="+1")
    items = {i.remote_id: i for i in connector.fetch_inbox("replies", None).items}
    connector.moderate(Moderation.HIDE, items[rude], items[rude].author)
    assert {threads.media[m].hide_status for m in (rude, under)} == {"HIDDEN"}
    connector.moderate(Moderation.UNHIDE, items[rude], items[rude].author)
    assert threads.media[rude].hide_status == "UNHUSHED"
    with pytest.raises(NetworkError) as nested:
        connector.moderate(Moderation.HIDE, items[under], items[under].author)
    assert nested.value.kind is ErrorKind.PERMANENT
    with pytest.raises(NetworkError) as blocked:
        connector.moderate(Moderation.BLOCK, items[rude], items[rude].author)
    assert blocked.value.kind is ErrorKind.PERMANENT
    assert connector.moderations() == frozenset({Moderation.HIDE, Moderation.UNHIDE})


def test_a_reply_from_the_inbox_is_threaded_and_comes_back_as_our_own(threads, brand, connector):
    root = post(connector, "Sujet")
    question = threads.reply_as("alice", to=root, text="Et le prix ?")
    page = connector.fetch_inbox("replies", None)
    answer = post(connector, "10 €", ReplyTarget(remote_id=question, root_id=root))
    assert (threads.media[answer].replied_to, threads.media[answer].owner_id) == (question, brand.id)
    ours = connector.fetch_inbox("replies", page.cursor).items
    assert [(i.remote_id, i.kind) for i in ours] == [(answer, ItemKind.OWN)]


def test_refreshing_sees_edits_and_deletions(threads, connector):
    root = post(connector, "Sujet")
    kept = threads.reply_as("alice", to=root, text="Avant")
    gone = threads.reply_as("bob", to=root, text="Effacé")
    threads.media[kept].text = "Après"
    threads.media[gone].deleted = True
    refreshed = connector.refresh_items([kept, gone])
    assert refreshed[gone] is None
    item: Any = refreshed[kept]
    assert (item.text, item.kind) == ("Après", ItemKind.REPLY)


def test_the_thread_context_is_the_chain_above_root_first(threads, connector):
    root = post(connector, "Sujet")
    first = threads.reply_as("alice", to=root, text="Un")
    second = threads.reply_as("bob", to=first, text="Deux")
    chain = connector.thread_context(second)
    assert [(i.remote_id, i.kind) for i in chain] == [(root, ItemKind.OWN), (first, ItemKind.REPLY)]


def test_a_post_deleted_while_polling_does_not_stop_the_poll(threads, connector):
    kept, gone = post(connector, "Reste"), post(connector, "Part")
    reply = threads.reply_as("alice", to=kept, text="Bien")
    threads.fail_next(400, {"error": {"message": "Unsupported get request.", "code": 100, "error_subcode": 33}},
                      method="GET", path=f"/v1.0/{gone}/conversation")
    assert [i.remote_id for i in connector.fetch_inbox("replies", None).items] == [reply]


def test_the_inbox_pollers_store_replies_and_mentions_once_with_their_thread(threads, threads_account, connector):
    from parvis.inbox import polling
    from parvis.inbox.models import Item, Poller

    root = post(connector, "Question du jour ?")
    first = threads.reply_as("alice", to=root, text="Moi !")
    nested = threads.reply_as("carol", to=first, text="Toi ?")
    mention = threads.mention_as("fan", "Merci @brand")
    polling.ensure_pollers()
    pollers = Poller.objects.filter(account=threads_account).exclude(stream=Poller.REFRESH)
    assert sorted(p.stream for p in pollers) == ["mentions", "replies"]
    for _round in range(2):
        for poller in pollers:
            polling.poll(poller.pk, connector=connector)
    stored = dict(Item.objects.filter(account=threads_account).values_list("remote_id", "kind"))
    assert stored == {first: "reply", nested: "reply", mention: "mention", root: "own"}

"""Reading the inbox: a conversation is the item's own exchange, not the whole thread."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parvis.inbox.ingest import store
from parvis.inbox.models import Item
from parvis.inbox.queries import InboxFilters, conversation, inbox_items
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.base import ItemKind


def test_a_conversation_under_a_busy_post_is_only_this_persons_exchange(account):
    now = timezone.now()
    brand, ana = author("Brand", "brand@brand.social"), author("Ana", "ana@x.social")
    ben = author("Ben", "ben@x.social")

    def at(minutes: int):
        return now - timedelta(minutes=100 - minutes)

    entries = [
        inbound("Notre post", kind=ItemKind.OWN, by=brand, remote_id="root", in_reply_to=None, thread="root", at=at(0)),
        inbound("Ana : une question", by=ana, remote_id="a1", in_reply_to="root", thread="root", at=at(1)),
        inbound("Ben : autre chose", by=ben, remote_id="b1", in_reply_to="root", thread="root", at=at(2)),
        inbound("Réponse à Ana", kind=ItemKind.OWN, by=brand, remote_id="r1", in_reply_to="a1", thread="root",
                at=at(3)),
        inbound("Ana : merci, et aussi…", by=ana, remote_id="a2", in_reply_to="r1", thread="root", at=at(4)),
        inbound("Ben répond à Ana", by=ben, remote_id="b2", in_reply_to="a2", thread="root", at=at(5)),
        inbound("Ana, un autre fil de réponse", by=ana, remote_id="a3", in_reply_to="root", thread="root", at=at(6)),
    ]
    store(account, entries, analyser=lambda items: None)
    first = Item.objects.get(remote_id="a1")
    assert [i.remote_id for i in conversation(first)] == ["root", "a1", "r1", "a2", "b2", "a3"]
    bens = Item.objects.get(remote_id="b1")
    assert [i.remote_id for i in conversation(bens)] == ["root", "b1", "b2"]


def test_a_private_conversation_is_shown_whole(account):
    ana = author("Ana", "ana@x.social")
    entries = [inbound(f"Message {n}", kind=ItemKind.MESSAGE, by=ana, remote_id=f"m{n}", in_reply_to=None,
                       thread="conv:m0", private=True, at=timezone.now() - timedelta(minutes=10 - n))
               for n in range(3)]
    store(account, entries, analyser=lambda items: None)
    assert len(conversation(Item.objects.get(remote_id="m2"))) == 3


def test_snoozed_items_leave_the_open_view_until_they_wake(account, people):
    items = store(account, [inbound("Bonjour"), inbound("Rebonjour")], analyser=lambda items: None).created
    now = timezone.now()
    Item.objects.filter(pk=items[0].pk).update(snoozed_until=now + timedelta(hours=2))
    open_now = inbox_items([people["workspace"]], InboxFilters(), people["owner"].pk, now=now)
    assert list(open_now) == [items[1]]
    snoozed = inbox_items([people["workspace"]], InboxFilters(view="snoozed"), people["owner"].pk, now=now)
    assert list(snoozed) == [items[0]]
    later = inbox_items([people["workspace"]], InboxFilters(), people["owner"].pk, now=now + timedelta(hours=3))
    assert set(later) == set(items)


def test_nobody_sees_another_workspaces_items(account, people):
    store(account, [inbound("Secret de la boulangerie")], analyser=lambda items: None)
    theirs = inbox_items([people["other_workspace"]], InboxFilters(view="all"), people["outsider"].pk)
    assert not theirs.exists()
    searched = inbox_items([people["other_workspace"]], InboxFilters(view="all", q="boulangerie"),
                           people["outsider"].pk)
    assert not searched.exists()


def test_search_ignores_accents_and_matches_word_starts(account, people):
    store(account, [inbound("Le CAFÉ était froid"), inbound("Remboursement demandé")], analyser=lambda items: None)

    def found(q: str) -> list[str]:
        return [i.text for i in inbox_items([people["workspace"]], InboxFilters(view="all", q=q), people["owner"].pk)]

    assert found("cafe") == ["Le CAFÉ était froid"]
    assert found("rembours") == ["Remboursement demandé"]
    assert found("café froid") == ["Le CAFÉ était froid"]
    assert found('"; DROP TABLE inbox_item; --') == []
    assert found("*") == found("")  # nothing searchable: no filter

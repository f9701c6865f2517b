"""The Bluesky side of the unified inbox, against a whole local Bluesky network:
@atproto/dev-env's TestNetwork (PLC, PDS, AppView, ozone) on loopback, on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    ItemKind,
    Moderation,
    NetworkError,
    PublishRequest,
    ReplyTarget,
)
from parvis.networks.bluesky import inbox as bluesky_inbox
from parvis.networks.bluesky.connector import BlueskyConnector
from parvis.testing.bsky_network import LocalBlueskyNetwork, bsky_network_available

PASSWORD = "main-password-123"
NOTIFICATIONS = "notifications"


pytestmark = pytest.mark.slow  # the npm Bluesky network


@pytest.fixture(scope="module")
def net() -> Iterator[LocalBlueskyNetwork]:
    available, reason = bsky_network_available()
    if not available:
        pytest.skip(reason)
    with LocalBlueskyNetwork() as network:
        network.create_account("fan", PASSWORD, display_name="Fanny <b>Fan</b>")
        network.create_account("critic", PASSWORD, display_name="Critique")
        yield network


@pytest.fixture
def brand(net: LocalBlueskyNetwork) -> tuple[BlueskyConnector, str]:
    """A fresh brand account, connected with an app password as a CM would (not saved:
    the connector is what is under test). Returns the connector and the full handle."""
    from parvis.networks.bluesky.views import verify

    handle = net.create_account(f"b{uuid.uuid4().hex[:10]}", PASSWORD, display_name="La Marque")["handle"]
    app_password = net.create_app_password(handle, PASSWORD, "parvis")
    account, identity = verify(net.url, handle, app_password)
    account.remote_id, account.handle = identity.remote_id, identity.handle
    return BlueskyConnector(account), handle


def poll(connector: BlueskyConnector, cursor: str | None) -> tuple[list[InboundItem], str | None, bool]:
    page = connector.fetch_inbox(NOTIFICATIONS, cursor)
    return page.items, page.cursor, page.more


def reply_request(text: str, key: str, item: InboundItem) -> PublishRequest:
    return PublishRequest(
        text=text, idempotency_key=key, created_at=datetime.now(UTC),
        reply_to=ReplyTarget(remote_id=item.remote_id, root_id=item.root_id or item.remote_id, extra=item.extra),
    )


def reply_refs(net: LocalBlueskyNetwork, uri: str) -> dict[str, dict[str, str]]:
    """The root and parent refs of a post record as stored in its repository."""
    reply = net.get_record(uri)["value"]["reply"]
    return {end: {"uri": reply[end]["uri"], "cid": reply[end]["cid"]} for end in ("root", "parent")}


def test_replies_mentions_and_quotes_come_in_with_author_text_thread_and_refs(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Nouvelle recette de croissants")
    reply = net.post_as("fan", "Miam, j'arrive !", reply_to=post.uri)
    mention = net.post_as("critic", f"Vous avez goûté chez @{handle} ?")
    quote = net.quote_as("fan", post.uri, "Regardez ça https://example.com/recette")
    net.like_as("critic", post.uri)  # a like is not a conversation: not in the inbox
    net.process_all()

    items, cursor, more = poll(connector, None)

    assert [(i.remote_id, i.kind) for i in items] == [
        (reply.uri, ItemKind.REPLY), (mention.uri, ItemKind.MENTION), (quote.uri, ItemKind.QUOTE),
    ]
    assert cursor and not more
    fan = net.account("fan")
    first = items[0]
    assert (first.author.key, first.author.remote_id, first.author.handle, first.author.display_name) == (
        fan["did"], fan["did"], "@fan.test", "Fanny <b>Fan</b>")
    assert first.text == "Miam, j'arrive !"
    assert first.thread_key == post.uri and first.root_id == post.uri and first.in_reply_to_id == post.uri
    assert first.extra == {"uri": reply.uri, "cid": reply.cid, "root": post.as_ref(), "parent": post.as_ref()}
    assert first.url == f"https://bsky.app/profile/fan.test/post/{reply.rkey}"
    assert items[1].text == f"Vous avez goûté chez @{handle} ?"
    assert items[1].thread_key == mention.uri and items[1].in_reply_to_id is None
    assert items[1].extra["root"] == mention.as_ref() and items[1].extra["parent"] is None
    assert items[2].text == "Regardez ça https://example.com/recette" and items[2].thread_key == quote.uri
    assert items[0].created_at <= items[1].created_at <= items[2].created_at


def test_a_poll_with_the_cursor_brings_nothing_again_and_newer_items_after(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Ouvert dimanche")
    earlier = net.post_as("fan", "Super", reply_to=post.uri)
    net.process_all()
    items, cursor, _ = poll(connector, None)
    assert [i.remote_id for i in items] == [earlier.uri]

    again, cursor, more = poll(connector, cursor)
    assert again == [] and not more

    later = net.post_as("critic", "Et lundi ?", reply_to=post.uri)
    answer = net.post_as("fan", f"@{handle} vous faites des chouquettes ?")
    net.process_all()
    newer, cursor, more = poll(connector, cursor)
    assert [(i.remote_id, i.kind) for i in newer] == [(later.uri, ItemKind.REPLY), (answer.uri, ItemKind.MENTION)]
    assert not more
    assert poll(connector, cursor)[0] == []


def test_first_poll_on_an_empty_inbox_then_everything_that_comes(net, brand):
    connector, handle = brand
    items, cursor, _ = poll(connector, None)
    assert items == [] and cursor
    post = net.post_as(handle, "Premier message")
    replies = [net.post_as("fan", f"Réponse {n}", reply_to=post.uri) for n in range(3)]
    net.process_all()
    assert [i.remote_id for i in poll(connector, cursor)[0]] == [r.uri for r in replies]


def test_a_backlog_larger_than_one_poll_comes_over_several_polls_without_loss(net, brand, monkeypatch):
    connector, handle = brand
    post = net.post_as(handle, "Concours !")
    net.process_all()
    _, cursor, _ = poll(connector, None)
    backlog = [net.post_as("fan" if n % 2 else "critic", f"Je participe {n}", reply_to=post.uri) for n in range(7)]
    net.process_all()
    monkeypatch.setattr(bluesky_inbox, "PAGE_SIZE", 2)
    monkeypatch.setattr(bluesky_inbox, "MAX_PAGES", 2)

    seen: list[str] = []
    first, cursor, more = poll(connector, cursor)
    assert len(first) == 4 and more  # two pages of two, the newest ones
    seen += [i.remote_id for i in first]
    # Something new while the backlog is read: it comes too, once.
    newest = net.post_as("critic", "Moi aussi", reply_to=post.uri)
    net.process_all()
    for _ in range(5):
        items, cursor, more = poll(connector, cursor)
        seen += [i.remote_id for i in items]
        if not items and not more:
            break
    assert sorted(seen) == sorted([p.uri for p in backlog] + [newest.uri])
    assert len(seen) == len(set(seen))


def test_refresh_gives_current_text_and_none_for_deleted_posts(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Question du jour")
    kept = net.post_as("fan", "Le pain au chocolat", reply_to=post.uri)
    edited = net.post_as("critic", "Chocolatine", reply_to=post.uri)
    deleted = net.post_as("fan", "Je retire", reply_to=post.uri)
    net.process_all()
    net.edit_as("critic", edited.uri, "Chocolatine, évidemment")
    net.delete_as("fan", deleted.uri)
    net.process_all()

    found = connector.refresh_items([kept.uri, edited.uri, deleted.uri])

    assert found[deleted.uri] is None
    assert found[kept.uri] is not None and found[kept.uri].text == "Le pain au chocolat"
    assert found[kept.uri].kind is ItemKind.REPLY
    assert found[edited.uri] is not None and found[edited.uri].text == "Chocolatine, évidemment"


def test_refresh_reads_more_than_one_batch(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Comptez-vous")
    replies = [net.post_as("fan", f"{n}", reply_to=post.uri) for n in range(27)]
    net.process_all()
    found = connector.refresh_items([r.uri for r in replies])
    assert [found[r.uri].text for r in replies] == [str(n) for n in range(27)]  # type: ignore[union-attr]


def test_thread_context_gives_the_ancestors_root_first_ours_as_own(net, brand):
    connector, handle = brand
    root = net.post_as(handle, "On ouvre une boutique")
    fan = net.post_as("fan", "Où ça ?", reply_to=root.uri)
    ours = net.post_as(handle, "À Lyon !", reply_to=fan.uri)
    last = net.post_as("critic", "Enfin", reply_to=ours.uri)
    net.process_all()

    context = connector.thread_context(last.uri)

    assert [(i.remote_id, i.kind) for i in context] == [
        (root.uri, ItemKind.OWN), (fan.uri, ItemKind.CONTEXT), (ours.uri, ItemKind.OWN)]
    assert [i.text for i in context] == ["On ouvre une boutique", "Où ça ?", "À Lyon !"]
    assert all(i.thread_key == root.uri for i in context)


def test_thread_context_of_a_deleted_post_is_empty(net, brand):
    connector, handle = brand
    root = net.post_as(handle, "Fil")
    gone = net.post_as("fan", "Oups", reply_to=root.uri)
    net.delete_as("fan", gone.uri)
    net.process_all()
    assert connector.thread_context(gone.uri) == []


def test_shortened_links_are_written_out_and_bad_facets_ignored():
    text = "Voir example.com/tres-lon... et ça 👉 ici"
    start = len(b"Voir ")
    shown = len(b"example.com/tres-lon...")
    emoji = text.encode().index("👉".encode())
    record = {"text": text, "facets": [
        {"index": {"byteStart": start, "byteEnd": start + shown},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/tres-long-chemin"}]},
        # cuts the emoji in half: ignored
        {"index": {"byteStart": emoji + 1, "byteEnd": emoji + 3},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example"}]},
        # out of range, and not a web link: ignored
        {"index": {"byteStart": 0, "byteEnd": 10_000},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example"}]},
        {"index": {"byteStart": 0, "byteEnd": 4},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}]},
        "not a facet",
    ]}
    assert bluesky_inbox.plain_text(record) == "Voir https://example.com/tres-long-chemin et ça 👉 ici"
    assert bluesky_inbox.plain_text({"text": "a\x00b\u202e\nc", "facets": "nope"}) == "ab\u202e\nc"


def test_a_post_dated_in_the_future_takes_the_time_the_appview_saw_it():
    view = {
        "uri": "at://did:plc:abc/app.bsky.feed.post/3kxyz", "cid": "bafyfake",
        "author": {"did": "did:plc:abc", "handle": "abc.test"}, "indexedAt": "2026-01-02T10:00:00.000Z",
        "record": {"$type": "app.bsky.feed.post", "text": "du futur", "createdAt": "2099-01-01T00:00:00Z"},
    }
    item = bluesky_inbox.post_item(view, ItemKind.MENTION)
    assert item is not None and item.created_at == datetime(2026, 1, 2, 10, tzinfo=UTC)
    assert bluesky_inbox.post_item({**view, "uri": "javascript:x"}, ItemKind.MENTION) is None


def test_an_unreadable_cursor_starts_over_instead_of_failing():
    assert bluesky_inbox.Mark.load("not json").at is None
    assert bluesky_inbox.Mark.load('{"at": 3, "seen": [1]}').seen == {}


def test_a_reply_published_with_reply_to_is_threaded_once(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Des questions ?")
    question = net.post_as("fan", "Vous livrez ?", reply_to=post.uri)
    net.process_all()
    item = next(i for i in poll(connector, None)[0] if i.remote_id == question.uri)

    request = reply_request("Oui, dans tout Lyon.", "reply-1", item)
    published = connector.publish(request)
    again = connector.publish(request)  # a retry after an uncertain failure
    net.process_all()

    assert again.remote_id == published.remote_id
    found = connector.find_published(request, since=datetime.now(UTC)).post
    assert found is not None and found.remote_id == published.remote_id
    assert reply_refs(net, published.remote_id) == {"root": post.as_ref(), "parent": question.as_ref()}
    thread = net.get_post_thread("fan", question.uri)["thread"]
    assert [r["post"]["uri"] for r in thread["replies"]] == [published.remote_id]
    assert thread["parent"]["post"]["uri"] == post.uri


def test_a_reply_to_an_item_stored_without_refs_is_threaded_from_the_appview(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Sondage")
    answer = net.post_as("fan", "Option A", reply_to=post.uri)
    net.process_all()
    request = PublishRequest(text="Merci !", idempotency_key="bare", created_at=datetime.now(UTC),
                             reply_to=ReplyTarget(remote_id=answer.uri, root_id=post.uri))
    published = connector.publish(request)
    assert reply_refs(net, published.remote_id) == {"root": post.as_ref(), "parent": answer.as_ref()}


def _item(connector: BlueskyConnector, uri: str) -> InboundItem:
    found = connector.refresh_items([uri])[uri]
    assert found is not None
    return found


def test_like_and_repost_happen_once_and_are_undone(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Merci à tous")
    reply = net.post_as("fan", "Merci à vous", reply_to=post.uri)
    net.process_all()
    item = _item(connector, reply.uri)
    did = connector.did

    for action in (Moderation.LIKE, Moderation.LIKE, Moderation.BOOST, Moderation.BOOST):
        connector.moderate(action, item, item.author)
        net.process_all()
    assert len(net.list_records(did, "app.bsky.feed.like")) == 1
    assert len(net.list_records(did, "app.bsky.feed.repost")) == 1
    view = net.get_posts("fan", [reply.uri])[0]
    assert (view["likeCount"], view["repostCount"]) == (1, 1)

    connector.moderate(Moderation.UNLIKE, item, item.author)
    connector.moderate(Moderation.UNBOOST, item, item.author)
    connector.moderate(Moderation.UNBOOST, item, item.author)
    net.process_all()
    assert net.list_records(did, "app.bsky.feed.like") == []
    assert net.list_records(did, "app.bsky.feed.repost") == []
    view = net.get_posts("fan", [reply.uri])[0]
    assert (view["likeCount"], view["repostCount"]) == (0, 0)


def test_a_like_made_in_another_app_is_not_doubled(net, brand):
    connector, handle = brand
    post = net.post_as("critic", f"@{handle} bravo")
    net.like_as(handle, post.uri)
    net.process_all()
    item = _item(connector, post.uri)
    connector.moderate(Moderation.LIKE, item, item.author)
    assert len(net.list_records(connector.did, "app.bsky.feed.like")) == 1
    connector.moderate(Moderation.UNLIKE, item, item.author)
    assert net.list_records(connector.did, "app.bsky.feed.like") == []


def _gate(net: LocalBlueskyNetwork, root_uri: str) -> dict[str, Any]:
    did, rkey = root_uri.split("/")[2], root_uri.rsplit("/", 1)[-1]
    return net.get_record(f"at://{did}/app.bsky.feed.threadgate/{rkey}")["value"]


def test_hide_and_unhide_a_reply_with_the_threadgate_keeping_its_rules(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Votre avis ?")
    rude = net.post_as("critic", "Nul", reply_to=post.uri)
    kind = net.post_as("fan", "Top", reply_to=post.uri)
    # Replies restricted to followers afterwards, from another app: the rule must stay.
    net.put_record(handle, "app.bsky.feed.threadgate", post.rkey, {
        "$type": "app.bsky.feed.threadgate", "post": post.uri,
        "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "allow": [{"$type": "app.bsky.feed.threadgate#followerRule"}],
    })
    net.process_all()
    rude_item = _item(connector, rude.uri)

    connector.moderate(Moderation.HIDE, rude_item, rude_item.author)
    connector.moderate(Moderation.HIDE, rude_item, rude_item.author)
    net.process_all()

    gate = _gate(net, post.uri)
    assert gate["hiddenReplies"] == [rude.uri]
    assert gate["allow"] == [{"$type": "app.bsky.feed.threadgate#followerRule"}]
    root_view = net.get_posts("fan", [post.uri])[0]
    assert root_view["threadgate"]["record"]["hiddenReplies"] == [rude.uri]
    assert kind.uri not in gate["hiddenReplies"]

    connector.moderate(Moderation.UNHIDE, rude_item, rude_item.author)
    net.process_all()
    assert _gate(net, post.uri)["hiddenReplies"] == []
    assert _gate(net, post.uri)["allow"] == [{"$type": "app.bsky.feed.threadgate#followerRule"}]


def test_hide_creates_an_open_threadgate_when_there_is_none(net, brand):
    connector, handle = brand
    post = net.post_as(handle, "Sans règle")
    spam = net.post_as("critic", "Achetez mes followers", reply_to=post.uri)
    net.process_all()
    item = _item(connector, spam.uri)
    connector.moderate(Moderation.HIDE, item, item.author)
    gate = _gate(net, post.uri)
    assert gate["hiddenReplies"] == [spam.uri] and gate["post"] == post.uri
    assert "allow" not in gate  # no rule: everyone can still reply


def test_replies_in_someone_elses_thread_cannot_be_hidden(net, brand):
    connector, handle = brand
    post = net.post_as("fan", "Mon fil à moi")
    reply = net.post_as("critic", f"@{handle} regardez", reply_to=post.uri)
    net.process_all()
    item = _item(connector, reply.uri)
    with pytest.raises(NetworkError) as caught:
        connector.moderate(Moderation.HIDE, item, item.author)
    assert caught.value.kind is ErrorKind.PERMANENT


def test_mute_and_block_the_author(net, brand):
    connector, handle = brand
    critic = net.account("critic")
    post = net.post_as("critic", f"@{handle} encore vous")
    net.process_all()
    item = _item(connector, post.uri)

    connector.moderate(Moderation.MUTE, item, item.author)
    connector.moderate(Moderation.BLOCK, item, item.author)
    connector.moderate(Moderation.BLOCK, item, item.author)
    net.process_all()

    viewer = net.get_profile(handle, critic["did"])["viewer"]
    assert viewer["muted"] is True
    blocks = net.list_records(connector.did, "app.bsky.graph.block")
    assert [b["value"]["subject"] for b in blocks] == [critic["did"]]
    assert viewer["blocking"] == blocks[0]["uri"]


def test_report_reaches_the_moderation_service(net, brand):
    connector, handle = brand
    post = net.post_as("critic", f"@{handle} arnaque !!!")
    net.process_all()
    item = _item(connector, post.uri)

    connector.moderate(Moderation.REPORT, item, item.author, "Insultes répétées")
    net.process_all()

    reports = net.ozone_reports(post.uri)
    assert len(reports) == 1
    assert reports[0]["createdBy"] == connector.did
    assert reports[0]["subject"]["uri"] == post.uri
    assert reports[0]["event"]["comment"] == "Insultes répétées"


def test_streams_and_actions_offered(brand):
    connector, _ = brand
    assert list(connector.inbox_streams()) == [NOTIFICATIONS]
    assert connector.moderations() == frozenset(Moderation)
    with pytest.raises(NetworkError) as caught:
        connector.fetch_inbox("messages", None)
    assert caught.value.kind is ErrorKind.PERMANENT

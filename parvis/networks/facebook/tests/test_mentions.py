"""Posts by others that tag the Page (its mentions) against the fake: they come into the
inbox once as MENTION items, their authors (mostly unnamed by Facebook) are never merged,
refresh follows the tagged list, and a reply is refused before anything is sent. The last
test goes through the real poller into the inbox."""

from __future__ import annotations

import pytest

from parvis.networks.base import ErrorKind, ItemKind, Moderation, NetworkError, PublishRequest, ReplyTarget
from parvis.networks.facebook.connector import SERVER_URL, FacebookConnector
from parvis.networks.models import SocialAccount

pytestmark = pytest.mark.usefixtures("english")
DAY = 24 * 3600


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def test_tagged_posts_come_in_as_mentions_once(meta, connector, page):
    assert "mentions" in connector.inbox_streams()
    first = meta.tag_page(page, "Alex Dupont", "Super pain chez @Boulangerie Dupont")
    meta.advance(60)
    second = meta.tag_page(page, "Sam Martin", "Merci !", from_visible=True)
    meta.tag_page(meta.add_page("Autre Page"), "Léa", "Pas pour nous")
    inbox = connector.fetch_inbox("mentions", None)
    assert [i.remote_id for i in inbox.items] == [first, second]  # oldest first
    item = inbox.items[0]
    assert (item.kind, item.text, item.thread_key, item.root_id, item.extra) == (
        ItemKind.MENTION, "Super pain chez @Boulangerie Dupont", first, first, {"tagged": True})
    user, number = first.split("_")
    assert item.url == f"https://www.facebook.com/{user}/posts/{number}"
    named = inbox.items[1].author
    assert (named.key, named.display_name) == (meta.tagged_posts[second].author_id, "Sam Martin")
    assert connector.fetch_inbox("mentions", inbox.cursor).items == []
    third = meta.tag_page(page, "Alex Dupont", "Encore !")  # the same second as the last one seen: still new
    assert [i.remote_id for i in connector.fetch_inbox("mentions", inbox.cursor).items] == [third]
    (call, *_) = meta.requests_to("*/tagged", "GET")
    assert call.query["fields"] == "id,message,created_time,permalink_url,from"


def test_the_first_poll_starts_a_day_back(meta, connector, page):
    old = meta.tag_page(page, "Alex Dupont", "Il y a longtemps")
    meta.tagged_posts[old].created -= 3 * DAY
    meta.tag_page(page, "Alex Dupont", "Aujourd'hui")
    assert [i.text for i in connector.fetch_inbox("mentions", None).items] == ["Aujourd'hui"]


def test_unnamed_authors_are_never_one_person(meta, connector, page):
    a = meta.tag_page(page, "Alex Dupont", "Un")
    b = meta.tag_page(page, "Sam Martin", "Deux")
    by_id = {i.remote_id: i.author for i in connector.fetch_inbox("mentions", None).items}
    assert by_id[a].key == f"facebook-tagged:{a}" != by_id[b].key == f"facebook-tagged:{b}"
    assert by_id[a].display_name == "Someone on Facebook (unnamed)" and by_id[a].remote_id == ""


def test_what_people_write_stays_text(meta, connector, page):
    hostile = '<script>alert("x")</script> <img src=x onerror=y> & \x00 {{ secret }}'
    meta.tag_page(page, '<b onmouseover="z">Alex</b>\x07', hostile, from_visible=True)
    (item,) = connector.fetch_inbox("mentions", None).items
    assert item.text == '<script>alert("x")</script> <img src=x onerror=y> &  {{ secret }}'
    assert item.author.display_name == '<b onmouseover="z">Alex</b>'


def test_refresh_keeps_a_tagged_post_and_drops_a_vanished_one_beside_comments(meta, connector, page):
    kept = meta.tag_page(page, "Alex Dupont", "Toujours là")
    gone = meta.tag_page(page, "Sam Martin", "Bientôt supprimé")
    post = connector.publish(PublishRequest(text="Fournée du jour", idempotency_key="p"))
    comment = meta.comment_as("Léa", on=post.remote_id, text="Miam")
    del meta.tagged_posts[gone]
    found = connector.refresh_items([kept, gone, comment.id])
    assert found[kept] is not None and found[kept].kind is ItemKind.MENTION and found[kept].text == "Toujours là"
    assert found[gone] is None
    assert found[comment.id] is not None and found[comment.id].text == "Miam"


def test_a_reply_to_a_tagged_post_is_refused_in_words_and_nothing_is_sent(meta, connector, page):
    meta.tag_page(page, "Alex Dupont", "Vous livrez ?")
    (item,) = connector.fetch_inbox("mentions", None).items
    reply = PublishRequest(text="Oui !", idempotency_key="r",
                           reply_to=ReplyTarget(item.remote_id, item.root_id or item.remote_id, dict(item.extra)))
    error = refusal(lambda: connector.publish(reply))
    assert error.kind is ErrorKind.PERMANENT and "answer it from Facebook" in str(error)
    assert meta.requests_to("*", "POST") == [] and meta.comments == {}
    assert refusal(lambda: connector.moderate(Moderation.HIDE, item, item.author)).kind is ErrorKind.PERMANENT


def test_without_the_permission_only_mentions_stop_and_say_why(meta, connector, page):
    post = connector.publish(PublishRequest(text="Fournée du jour", idempotency_key="p"))
    comment = meta.comment_as("Léa", on=post.remote_id, text="Miam")
    meta.tokens[page.token].scopes.remove("pages_read_user_content")
    error = refusal(lambda: connector.fetch_inbox("mentions", None))
    assert error.kind is ErrorKind.PERMANENT and "pages_read_user_content" in error.message
    assert [i.remote_id for i in connector.fetch_inbox("comments", None).items] == [comment.id]
    del meta.comments[comment.id]
    assert connector.refresh_items([comment.id]) == {comment.id: None}  # a deleted comment, as before


# -- through the inbox ---------------------------------------------------------------------

@pytest.mark.django_db
def test_the_poller_stores_a_tagged_post_as_a_mention_in_the_inbox(meta, page, people):
    from parvis.inbox import polling
    from parvis.inbox.models import Item, Kind, Poller

    account = SocialAccount.objects.create(workspace=people["workspace"], network="facebook", server_url=SERVER_URL,
                                           remote_id=page.id, handle=page.name,
                                           credentials={"access_token": page.token})
    a = meta.tag_page(page, "Alex Dupont", "Bravo <b>@Boulangerie</b>")
    b = meta.tag_page(page, "Sam Martin", "Top")
    polling.ensure_pollers()
    poller = Poller.objects.get(account=account, stream="mentions")
    assert polling.poll(poller.pk, connector=FacebookConnector(account)).new == 2
    item = Item.objects.get(account=account, remote_id=a)
    assert item.kind == Kind.MENTION and item.text == "Bravo <b>@Boulangerie</b>" and item.in_inbox
    assert item.author_id != Item.objects.get(account=account, remote_id=b).author_id
    assert polling.poll(poller.pk, connector=FacebookConnector(account)).new == 0

"""The site's comments in the inbox, on the real WordPress: read as plain text after a
cursor, moderated, answered exactly once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from parvis.networks.base import ItemKind, Moderation, Presence, PublishRequest, RemoteAuthor, ReplyTarget

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.usefixtures("english")]


def _visitor_comment(wp: Any, post_id: int, content: str, approved: int = 0, parent: int = 0) -> int:
    """A comment left by a visitor (not logged in), as the blog's comment form makes one."""
    data = json.dumps({"comment_post_ID": post_id, "comment_author": "Camille", "comment_parent": parent,
                       "comment_author_email": "camille@example.com", "comment_author_url": "https://camille.example",
                       "comment_content": content, "comment_approved": approved})
    return int(wp.php(f"return wp_insert_comment(json_decode({json.dumps(data)}, true));"))


def _status(wp: Any, number: int) -> str:
    return str(wp.rest_json("GET", f"/wp/v2/comments/{number}", params={"context": "edit"})["status"])


@pytest.fixture
def article(connector) -> Any:
    return connector.publish(PublishRequest(text="Commentez !", idempotency_key=str(uuid.uuid4()),
                                            options={"title": "Vos avis"}))


def test_new_comments_come_after_the_cursor_as_plain_text(connector, wordpress_server, article):
    start = connector.fetch_inbox("comments", None).cursor
    html = '<p>Bravo <script>alert(1)</script><a href="https://spam.example">ici</a> &amp; merci</p>'
    number = _visitor_comment(wordpress_server, int(article.remote_id), html)
    page = connector.fetch_inbox("comments", start)
    (item,) = page.items
    assert page.cursor == str(number)
    assert item.remote_id == f"comment-{number}" and item.kind is ItemKind.REPLY
    assert item.text == "Bravo alert(1)ici & merci"
    assert (item.author.display_name, item.author.url) == ("Camille", "https://camille.example")
    assert "camille" not in item.author.key  # the email is not kept as the key
    assert item.thread_key == f"post-{article.remote_id}"
    assert item.in_reply_to_id == item.root_id == article.remote_id
    assert item.extra["status"] == "hold"
    assert connector.fetch_inbox("comments", page.cursor).items == []


def test_a_comment_is_approved_held_and_reported_as_spam(connector, wordpress_server, article):
    number = _visitor_comment(wordpress_server, int(article.remote_id), "Pas mal")
    (item,) = connector.refresh_items([f"comment-{number}"]).values()
    assert item is not None
    nobody = RemoteAuthor(key="x", remote_id="x", handle="x")
    connector.moderate(Moderation.UNHIDE, item, nobody)
    assert _status(wordpress_server, number) == "approved"
    connector.moderate(Moderation.HIDE, item, nobody)
    assert _status(wordpress_server, number) == "hold"
    connector.moderate(Moderation.REPORT, item, nobody)
    assert _status(wordpress_server, number) == "spam"
    assert connector.refresh_items([item.remote_id]) == {item.remote_id: None}  # out of the inbox
    assert connector.moderations() == {Moderation.HIDE, Moderation.UNHIDE, Moderation.REPORT}


def test_a_reply_is_threaded_under_the_comment_once(connector, wordpress_server, article):
    number = _visitor_comment(wordpress_server, int(article.remote_id), "Une question ?", approved=1)
    (item,) = connector.refresh_items([f"comment-{number}"]).values()
    assert item is not None
    request = PublishRequest(text="Merci Camille !", idempotency_key=str(uuid.uuid4()),
                             reply_to=ReplyTarget(remote_id=item.remote_id, root_id=item.root_id or "",
                                                  extra=item.extra))
    assert connector.find_published(request, datetime.now(UTC)).presence is Presence.ABSENT

    reply = connector.publish(request)

    again = connector.publish(request)
    assert again.remote_id == reply.remote_id
    found = connector.find_published(request, datetime.now(UTC))
    assert found.presence is Presence.FOUND and found.post is not None and found.post.remote_id == reply.remote_id
    answers = wordpress_server.rest_json("GET", "/wp/v2/comments", params={"parent": number, "context": "edit"})
    assert [f"comment-{a['id']}" for a in answers] == [reply.remote_id]
    assert answers[0]["author"] == wordpress_server.user_id and answers[0]["post"] == int(article.remote_id)
    ours = connector.refresh_items([reply.remote_id])[reply.remote_id]
    assert ours is not None and ours.kind is ItemKind.OWN and ours.text == "Merci Camille !"
    context = connector.thread_context(reply.remote_id)
    assert [c.remote_id for c in context] == [article.remote_id, item.remote_id]
    assert context[0].kind is ItemKind.OWN and context[0].text.startswith("Vos avis")

    connector.delete(reply.remote_id)
    assert _status(wordpress_server, int(reply.remote_id.removeprefix("comment-"))) == "trash"

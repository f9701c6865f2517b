"""The Mastodon side of the unified inbox, against mastodon-mock on loopback.

Other people (fans) write to the brand through the mock's HTTP API with their own
tokens; the brand's connector polls, refreshes, reads context, moderates and replies.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.base import (
    ErrorKind,
    ItemKind,
    Moderation,
    NetworkError,
    Presence,
    PublishRequest,
    RemoteAuthor,
    ReplyTarget,
)
from parvis.networks.mastodon.connector import MastodonConnector
from parvis.networks.mastodon.content import html_to_text
from parvis.networks.mastodon.inbox import CONVERSATIONS, NOTIFICATIONS, author_from
from parvis.networks.mastodon.mentions import complete
from parvis.testing.mastodon_server import LocalMastodon, LocalUser

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> & <b>gras</b>'


@pytest.fixture
def brand(mastodon_account: tuple[Any, dict[str, Any]]) -> tuple[Any, LocalUser]:
    account, local = mastodon_account
    return account, LocalUser(id=local["id"], username=local["username"], access_token=local["access_token"])


@pytest.fixture
def fan(mastodon_server: LocalMastodon) -> LocalUser:
    return mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}", display_name="Fan <i>Numéro</i> 1")


@pytest.fixture
def other_fan(mastodon_server: LocalMastodon) -> LocalUser:
    return mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}")


def host(server: LocalMastodon) -> str:
    return server.url.split("://", 1)[1]


def poll(account: Any, stream: str, cursor: str | None) -> Any:
    # A fresh connector per poll, as the poller will make one per job.
    return MastodonConnector(account).fetch_inbox(stream, cursor)


def test_streams_are_notifications_and_conversations(brand):
    account, _ = brand
    assert tuple(MastodonConnector(account).inbox_streams()) == (NOTIFICATIONS, CONVERSATIONS)


def test_replies_mentions_messages_and_quotes_come_in_with_their_kind(mastodon_server, brand, fan, other_fan):
    account, me = brand
    at = f"@{me['username']}"
    post = mastodon_server.post_as(me, "Nouveaux croissants !")
    reply = mastodon_server.post_as(fan, f"{at} {HOSTILE}", in_reply_to_id=post["id"])
    # Answers the fan, not the brand, but below the brand's post: still a reply to us.
    deeper = mastodon_server.post_as(other_fan, f"@{fan['username']} {at} moi aussi", in_reply_to_id=reply["id"])
    mention = mastodon_server.post_as(other_fan, f"Allez voir {at}, c'est bon")
    message = mastodon_server.post_as(fan, f"{at} une question privée", visibility="direct")
    quote = mastodon_server.post_as(other_fan, f"{at} regardez ça", quoted_status_id=post["id"])

    page = poll(account, NOTIFICATIONS, None)

    by_id = {item.remote_id: item for item in page.items}
    assert [item.remote_id for item in page.items] == [
        reply["id"], deeper["id"], mention["id"], message["id"], quote["id"]]  # oldest first
    assert {i: by_id[i].kind for i in by_id} == {
        reply["id"]: ItemKind.REPLY, deeper["id"]: ItemKind.REPLY, mention["id"]: ItemKind.MENTION,
        message["id"]: ItemKind.MESSAGE, quote["id"]: ItemKind.QUOTE,
    }
    first = by_id[reply["id"]]
    assert first.text == f"{at} {HOSTILE}"  # markup sent as text comes back as text
    assert first.author.key == f"{fan['username']}@{host(mastodon_server)}"
    assert first.author.remote_id == fan["id"]
    assert first.author.display_name == "Fan <i>Numéro</i> 1"
    assert (first.thread_key, first.root_id, first.in_reply_to_id) == (post["id"], post["id"], post["id"])
    assert first.private is False and first.created_at.tzinfo is not None
    assert by_id[deeper["id"]].thread_key == post["id"]
    assert by_id[mention["id"]].thread_key == mention["id"]
    private = by_id[message["id"]]
    assert (private.private, private.thread_key) == (True, f"conv:{message['id']}")
    assert private.extra["visibility"] == "direct"
    assert private.extra["mentions"] == [fan["username"]]
    assert by_id[quote["id"]].extra["quoted_id"] == post["id"]
    assert page.cursor is not None and page.more is False


def test_a_second_poll_brings_nothing_and_later_items_come_next(mastodon_server, brand, fan):
    account, me = brand
    mastodon_server.post_as(fan, f"@{me['username']} premier")
    first = poll(account, NOTIFICATIONS, None)
    assert len(first.items) == 1

    again = poll(account, NOTIFICATIONS, first.cursor)
    assert (again.items, again.cursor) == ([], first.cursor)

    later = mastodon_server.post_as(fan, f"@{me['username']} second")
    after = poll(account, NOTIFICATIONS, first.cursor)
    assert [item.remote_id for item in after.items] == [later["id"]]
    assert after.cursor != first.cursor


def test_first_poll_takes_one_page_and_full_pages_say_more(mastodon_server, brand, fan):
    account, me = brand
    for n in range(42):
        mastodon_server.post_as(fan, f"@{me['username']} ancien {n}")
    first = poll(account, NOTIFICATIONS, None)
    assert len(first.items) == 40 and first.more is False
    assert first.items[-1].text.endswith("ancien 41")  # the newest page, not the oldest

    new = [mastodon_server.post_as(fan, f"@{me['username']} nouveau {n}")["id"] for n in range(41)]
    full = poll(account, NOTIFICATIONS, first.cursor)
    rest = poll(account, NOTIFICATIONS, full.cursor)
    assert (full.more, rest.more) == (True, False)
    assert [i.remote_id for i in full.items] + [i.remote_id for i in rest.items] == new


def test_private_conversation_with_our_reply_stays_direct_and_threaded(mastodon_server, brand, fan):
    account, me = brand
    question = mastodon_server.post_as(fan, f"@{me['username']} ma commande ?", visibility="direct")
    [item] = poll(account, NOTIFICATIONS, None).items

    connector = MastodonConnector(account)
    target = ReplyTarget(item.remote_id, item.root_id or item.remote_id, item.extra)
    sent = connector.publish(PublishRequest(text="Elle part demain.", idempotency_key="dm-1", reply_to=target))

    ours = mastodon_server.status(sent.remote_id, as_user=me)
    assert ours is not None
    assert ours["visibility"] == "direct"
    assert ours["in_reply_to_id"] == question["id"]
    assert html_to_text(ours["content"]) == f"@{fan['username']} Elle part demain."
    assert [m["id"] for m in ours["mentions"]] == [fan["id"]]  # so Mastodon delivers it

    conversation = poll(account, CONVERSATIONS, None)
    kinds = {i.remote_id: (i.kind, i.thread_key, i.private) for i in conversation.items}
    assert kinds == {
        question["id"]: (ItemKind.MESSAGE, item.thread_key, True),
        sent.remote_id: (ItemKind.OWN, item.thread_key, True),
    }
    assert all(i.extra.get("conversation_id") for i in conversation.items)

    assert poll(account, CONVERSATIONS, conversation.cursor).items == []
    follow_up = mastodon_server.post_as(
        fan, f"@{me['username']} merci !", visibility="direct", in_reply_to_id=sent.remote_id)
    newer = poll(account, CONVERSATIONS, conversation.cursor)
    assert [(i.remote_id, i.kind, i.thread_key) for i in newer.items] == [
        (follow_up["id"], ItemKind.MESSAGE, item.thread_key)]


def test_public_reply_is_threaded_and_reconciled_on_its_parent(mastodon_server, brand, fan):
    account, me = brand
    post = mastodon_server.post_as(me, "Horaires d'été")
    question = mastodon_server.post_as(fan, f"@{me['username']} ouvert dimanche ?", in_reply_to_id=post["id"])
    [item] = poll(account, NOTIFICATIONS, None).items
    connector = MastodonConnector(account)
    request = PublishRequest(
        text=f"@{fan['username']} Oui, de 8h à 13h.", idempotency_key="r-1",
        reply_to=ReplyTarget(item.remote_id, item.root_id or "", item.extra))

    sent = connector.publish(request)

    ours = mastodon_server.status(sent.remote_id)
    assert ours is not None
    assert (ours["in_reply_to_id"], ours["visibility"]) == (question["id"], "public")
    assert html_to_text(ours["content"]) == request.text  # the mention is not doubled
    since = timezone.now() - timedelta(minutes=5)
    found = connector.find_published(request, since)
    assert found.presence is Presence.FOUND and found.post is not None and found.post.remote_id == sent.remote_id
    elsewhere = PublishRequest(text=request.text, idempotency_key="r-2",
                               reply_to=ReplyTarget(post["id"], post["id"], item.extra))
    assert connector.find_published(elsewhere, since).presence is not Presence.FOUND


def test_edits_show_in_refresh_and_deletions_give_none(mastodon_server, brand, fan):
    account, me = brand
    kept = mastodon_server.post_as(fan, f"@{me['username']} version 1")
    gone = mastodon_server.post_as(fan, f"@{me['username']} à supprimer")
    mastodon_server.edit_as(fan, kept["id"], f"@{me['username']} version 2 <corrigée>")
    mastodon_server.delete_as(fan, gone["id"])

    fresh = MastodonConnector(account).refresh_items([kept["id"], gone["id"]])

    assert fresh[gone["id"]] is None
    item = fresh[kept["id"]]
    assert item is not None
    assert item.text == f"@{me['username']} version 2 <corrigée>"
    assert item.edited_at is not None and item.edited_at >= item.created_at


def test_refresh_falls_back_to_one_request_per_status_without_the_batch_endpoint(
    mastodon_server, brand, fan,
):
    account, me = brand
    kept = mastodon_server.post_as(fan, f"@{me['username']} toujours là")
    gone = mastodon_server.post_as(fan, f"@{me['username']} bientôt parti")
    mastodon_server.delete_as(fan, gone["id"])
    # What a Mastodon older than 4.3 answers: no such route.
    mastodon_server.fail_next(404, body={"error": "Record not found"}, method="GET",
                              path="/api/v1/statuses", count=None)
    try:
        fresh = MastodonConnector(account).refresh_items([kept["id"], gone["id"]])
    finally:
        mastodon_server.clear_faults()
    assert fresh[gone["id"]] is None
    item = fresh[kept["id"]]
    assert item is not None and item.text.endswith("toujours là")


def test_thread_context_is_root_first_with_our_posts_as_own(mastodon_server, brand, fan, other_fan):
    account, me = brand
    at = f"@{me['username']}"
    post = mastodon_server.post_as(me, "Concours !")
    first = mastodon_server.post_as(fan, f"{at} je participe", in_reply_to_id=post["id"])
    answer = mastodon_server.post_as(me, f"@{fan['username']} bonne chance", in_reply_to_id=first["id"])
    last = mastodon_server.post_as(other_fan, f"{at} et moi ?", in_reply_to_id=answer["id"])

    chain = MastodonConnector(account).thread_context(last["id"])

    assert [(i.remote_id, i.kind) for i in chain] == [
        (post["id"], ItemKind.OWN), (first["id"], ItemKind.REPLY), (answer["id"], ItemKind.OWN)]
    assert {i.thread_key for i in chain} == {post["id"]}

    unrelated = mastodon_server.post_as(other_fan, "Quelle belle journée")
    aside = mastodon_server.post_as(fan, f"{at} vous avez vu ?", in_reply_to_id=unrelated["id"])
    [above] = MastodonConnector(account).thread_context(aside["id"])
    assert (above.remote_id, above.kind) == (unrelated["id"], ItemKind.CONTEXT)
    [item] = [i for i in poll(account, NOTIFICATIONS, None).items if i.remote_id == aside["id"]]
    assert (item.kind, item.thread_key) == (ItemKind.MENTION, unrelated["id"])


def test_moderation_really_changes_the_server(mastodon_server, brand, fan):
    account, me = brand
    mastodon_server.post_as(fan, f"@{me['username']} {HOSTILE}")
    [item] = poll(account, NOTIFICATIONS, None).items
    connector = MastodonConnector(account)
    author = item.author
    assert connector.moderations() == frozenset(Moderation) - {Moderation.HIDE, Moderation.UNHIDE}

    connector.moderate(Moderation.LIKE, item, author)
    assert mastodon_server.favourited_by(item.remote_id) == [me["id"]]
    connector.moderate(Moderation.UNLIKE, item, author)
    assert mastodon_server.favourited_by(item.remote_id) == []
    connector.moderate(Moderation.BOOST, item, author)
    assert mastodon_server.reblogged_by(item.remote_id) == [me["id"]]
    connector.moderate(Moderation.UNBOOST, item, author)
    assert mastodon_server.reblogged_by(item.remote_id) == []

    connector.moderate(Moderation.MUTE, item, author)
    assert fan["id"] in mastodon_server.mutes_of(me)
    connector.moderate(Moderation.BLOCK, item, author)
    assert fan["id"] in mastodon_server.blocks_of(me)
    connector.moderate(Moderation.REPORT, item, author, reason="Insultes répétées\x00")
    [report] = mastodon_server.reports_against(fan["id"], as_user=me)
    assert report["comment"] == "Insultes répétées"
    assert [str(s["id"]) for s in report["statuses"]] == [item.remote_id]

    with pytest.raises(NetworkError) as caught:
        connector.moderate(Moderation.HIDE, item, author)
    assert caught.value.kind is ErrorKind.PERMANENT


def test_a_rate_limited_poll_is_transient_with_retry_after(mastodon_server, brand):
    account, _ = brand
    mastodon_server.rate_limit_next(retry_after=30, method="GET", path="/api/v1/notifications")
    with pytest.raises(NetworkError) as caught:
        poll(account, NOTIFICATIONS, None)
    assert caught.value.kind is ErrorKind.TRANSIENT
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 30


# -- no server needed --------------------------------------------------------------------

@pytest.mark.parametrize(("html", "text"), [
    ('<p>a &amp; b<br>c</p><p>d</p>', "a & b\nc\n\nd"),
    ('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>', "<script>alert(1)</script>"),
    ('<p>x<script>alert(1)</script>y</p><style>p{}</style>', "xy"),
    ('<p>fin <img src=x onerror=alert(1)', "fin"),
    ('<a title="1>2" href="javascript:alert(1)">lien</a>', "lien"),
    ('<p>nul\x00 \x1b[31m</p>', "nul [31m"),
    ('<p><span class="h-card"><a class="u-url mention" href="u">@<span>bob</span></a></span> '
     '<a href="https://ex.com/abcdef"><span class="invisible">https://</span>'
     '<span class="ellipsis">ex.com/ab</span><span class="invisible">cdef</span></a></p>',
     "@bob https://ex.com/abcdef"),
])
def test_status_html_becomes_plain_text_without_markup(html, text):
    assert html_to_text(html) == text


def test_author_key_always_has_a_domain():
    local = author_from({"id": 7, "acct": "Alice", "username": "Alice", "note": "<p>Bio <b>x</b></p>"},
                        "example.social")
    remote = author_from({"id": 8, "acct": "bob@other.social", "followers_count": 12}, "example.social")
    assert (local.key, local.handle, local.remote_id, local.bio) == (
        "alice@example.social", "@Alice@example.social", "7", "Bio x")
    assert (remote.key, remote.followers) == ("bob@other.social", 12)


def test_reply_text_adds_only_the_missing_well_formed_mentions():
    target = ReplyTarget("1", "1", {"mentions": ["bob", "carol@other.social", "x <script>"]})
    assert complete("Merci !", target) == "@bob @carol@other.social Merci !"
    assert complete("@Bob @carol@other.social Merci", target) == "@Bob @carol@other.social Merci"
    # `@carol` alone would reach a local carol, not carol@other.social.
    assert complete("@bob @carol merci", target) == "@carol@other.social @bob @carol merci"
    assert complete("Merci @bob et @carol@other.social.", target) == "Merci @bob et @carol@other.social."
    assert complete("Salut", None) == "Salut"


def test_moderation_without_an_item_is_permanent(brand):
    account, _ = brand
    author = RemoteAuthor(key="x@y", remote_id="1", handle="@x@y")
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).moderate(Moderation.LIKE, None, author)
    assert caught.value.kind is ErrorKind.PERMANENT


def test_private_messages_from_strangers_are_not_lost_to_the_notification_filter(
    mastodon_server, brand, fan,
):
    account, me = brand
    # Mastodon 4.3's default: private mentions from people one does not follow are
    # filtered out of the notification list, into "notification requests".
    mastodon_server.set_notification_policy(me, for_private_mentions="filter")
    message = mastodon_server.post_as(fan, f"@{me['username']} je ne vous suis pas", visibility="direct")
    assert mastodon_server.status(message["id"], as_user=me) is not None

    page = poll(account, NOTIFICATIONS, None)

    assert [(i.remote_id, i.kind) for i in page.items] == [(message["id"], ItemKind.MESSAGE)]


def test_a_branch_of_a_private_thread_written_between_polls_is_not_missed(mastodon_server, brand, fan):
    account, me = brand
    question = mastodon_server.post_as(fan, f"@{me['username']} deux questions", visibility="direct")
    first = poll(account, CONVERSATIONS, None)
    assert [i.remote_id for i in first.items] == [question["id"]]
    # Our answer from another app, then the fan answers the first message again: the
    # newest message's own ancestors do not include our answer.
    ours = mastodon_server.post_as(me, f"@{fan['username']} la première : oui", visibility="direct",
                                   in_reply_to_id=question["id"])
    branch = mastodon_server.post_as(fan, f"@{me['username']} et la seconde ?", visibility="direct",
                                     in_reply_to_id=question["id"])

    later = poll(account, CONVERSATIONS, first.cursor)

    assert [(i.remote_id, i.kind) for i in later.items] == [
        (ours["id"], ItemKind.OWN), (branch["id"], ItemKind.MESSAGE)]
    assert {i.thread_key for i in later.items} == {f"conv:{question['id']}"}


@pytest.mark.parametrize(("error", "kind"), [
    ("This action is not allowed", ErrorKind.PERMANENT),  # what this post refuses
    ("This action is outside the authorized scopes", ErrorKind.RECONNECT),  # the token
])
def test_a_refused_action_is_permanent_but_a_missing_scope_needs_reconnecting(
    mastodon_server, brand, fan, error, kind,
):
    account, me = brand
    mastodon_server.post_as(fan, f"@{me['username']} coucou")
    [item] = poll(account, NOTIFICATIONS, None).items
    mastodon_server.fail_next(403, body={"error": error}, path=f"/api/v1/statuses/{item.remote_id}/favourite")
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).moderate(Moderation.LIKE, item, item.author)
    assert caught.value.kind is kind
    assert mastodon_server.favourited_by(item.remote_id) == []


def test_a_private_message_is_never_boosted(mastodon_server, brand, fan):
    account, me = brand
    mastodon_server.post_as(fan, f"@{me['username']} entre nous", visibility="direct")
    [item] = poll(account, NOTIFICATIONS, None).items
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).moderate(Moderation.BOOST, item, item.author)
    assert caught.value.kind is ErrorKind.PERMANENT
    assert mastodon_server.reblogged_by(item.remote_id) == []


def test_reconciling_compares_remote_mentions_as_mastodon_shows_them():
    """A post found on the server after an uncertain attempt is ours even though Mastodon
    shows `@user@domain` as `@user`, including when a full stop follows the mention."""
    from parvis.networks.mastodon.connector import _same_text

    assert _same_text("Merci @camille@example.social.", "Merci @camille.")
    assert _same_text("Bonjour @fan@127.0.0.1:3000 !", "Bonjour @fan !")
    assert _same_text("@a@ex.com, @b@sub.ex.org et @c", "@a, @b et @c")
    assert not _same_text("Merci @camille@example.social", "Merci @camille !")

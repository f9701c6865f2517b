"""One place decides the @mentions of a Mastodon reply: what the reply box starts with,
what is counted, and what is sent agree, for authors on the account's own server and on
other servers, however the person wrote the mention."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.inbox.replies import outgoing_text
from parvis.inbox.tests.factories import author, seed
from parvis.networks.base import ReplyTarget
from parvis.networks.mastodon.connector import MastodonConnector
from parvis.networks.mastodon.mentions import complete, prefill, reply_mentions
from parvis.networks.models import SocialAccount

pytestmark = pytest.mark.django_db

OWN = frozenset({"social.example"})


def target(*accts: str) -> ReplyTarget:
    return ReplyTarget("1", "1", {"mentions": list(accts)})


@pytest.fixture
def account(people: dict[str, Any]) -> SocialAccount:
    # Not the root's `account`: mentions are written against the local domain in its config.
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://mastodon.social.example",
        remote_id="42", handle="@brand@social.example", credentials={"access_token": "x"},
        config={"local_domain": "social.example"})


def test_a_local_author_written_in_full_is_not_mentioned_twice():
    fan = target("fan1")  # on the account's own server
    assert prefill(fan) == "@fan1 "
    assert complete("Merci !", fan, OWN) == "@fan1 Merci !"
    assert complete("@fan1@social.example Merci !", fan, OWN) == "@fan1@social.example Merci !"
    assert complete("@Fan1@Social.Example, merci.", fan, OWN) == "@Fan1@Social.Example, merci."
    # The same name on another server is someone else: the author is still added.
    assert complete("@fan1@other.social Merci", fan, OWN) == "@fan1 @fan1@other.social Merci"


def test_a_remote_author_must_be_written_in_full():
    fan = target("fan2@other.social")
    assert prefill(fan) == "@fan2@other.social "
    assert complete("@fan2@other.social Merci", fan, OWN) == "@fan2@other.social Merci"
    # A bare @fan2 would reach a local fan2 (the account's server), not this author.
    assert complete("@fan2 Merci", fan, OWN) == "@fan2@other.social @fan2 Merci"


def test_whom_a_reply_mentions_is_read_from_the_status_as_the_accounts_server_names_them():
    me = "42"
    public = {"account": {"id": "7", "acct": "fan1"}, "visibility": "public",
              "mentions": [{"id": "42", "acct": "brand"}, {"id": "8", "acct": "fan2@other.social"}]}
    assert reply_mentions(public, me) == ["fan1"]  # a public reply answers its author
    private = {**public, "visibility": "direct"}
    assert reply_mentions(private, me) == ["fan1", "fan2@other.social"]  # and every participant
    ours = {"account": {"id": "42", "acct": "brand"}, "visibility": "public", "mentions": []}
    assert reply_mentions(ours, me) == []


def test_the_reply_box_the_counter_and_the_sent_text_agree(account):
    local = seed(account, ["Elle est dispo ?"], by=author("Fan", "fan1@social.example"), mentions=["fan1"])[0]
    remote = seed(account, ["Still open?"], by=author("Alex", "alex@other.social"),
                  mentions=["alex@other.social"])[0]
    connector = MastodonConnector(account)
    for item, start in ((local, "@fan1 "), (remote, "@alex@other.social ")):
        box = connector.reply_prefill(ReplyTarget(item.remote_id, item.remote_id, item.extra))
        assert box == start
        assert outgoing_text(item, box + "Oui !") == start + "Oui !"
    # The author's address as parvis shows it (a saved reply's {handle}) counts as written.
    assert outgoing_text(local, "@fan1@social.example Oui !") == "@fan1@social.example Oui !"
    assert outgoing_text(local, "@fan1@mastodon.social.example Oui !") == "@fan1@mastodon.social.example Oui !"

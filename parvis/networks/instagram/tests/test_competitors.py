"""Following another Instagram business account through business discovery
(`competitors.ProfileReader`), against the loopback Graph fake."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from parvis.networks import registry
from parvis.networks.instagram.competitors import ProfileReader
from parvis.networks.instagram.tests.conftest import account_row
from parvis.networks.models import SocialAccount
from parvis.networks.public import ReadError
from parvis.testing.meta_server import LocalMeta

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def reader() -> ProfileReader:
    return ProfileReader()


@pytest.fixture
def ours(meta: LocalMeta, ig: Any) -> SocialAccount:
    """The workspace's account, connected with Facebook Login."""
    return account_row(ig, meta.pages[ig.page_id].token, "facebook")


@pytest.fixture
def rival(meta: LocalMeta) -> Any:
    rival = meta.add_discoverable_account("Fournil.Rival", name="Le Fournil", followers_count=5400,
                                          follows_count=12)
    meta.add_discoverable_media(rival, "Pain au levain", ago=7200, like_count=31, comments_count=4)
    meta.add_discoverable_media(rival, "Croissants\x07 du jour", ago=60, like_count=80, comments_count=2)
    meta.add_discoverable_media(rival, "Likes hidden", ago=3600, like_count=5, comments_count=1, likes_hidden=True)
    return rival


def test_the_reader_is_declared_for_instagram_and_needs_an_account() -> None:
    assert registry.profile_reader("instagram").needs_account is True


def test_the_profile_carries_the_public_counts(reader: ProfileReader, ours: SocialAccount, rival: Any) -> None:
    timeline = reader.read("@fournil.rival", account=ours)
    profile = timeline.profile
    assert (profile.network, profile.remote_id, profile.handle, profile.name) == (
        "instagram", rival.id, "@Fournil.Rival", "Le Fournil")
    assert profile.url == "https://www.instagram.com/Fournil.Rival/"
    assert (profile.followers, profile.following, profile.posts) == (5400, 12, 3)
    assert timeline.retry_after is None


def test_posts_come_newest_first_with_their_counts_and_plain_text(reader: ProfileReader, ours: SocialAccount,
                                                                  rival: Any, meta: LocalMeta) -> None:
    posts = reader.read("@fournil.rival", account=ours).posts
    assert [p.text for p in posts] == ["Croissants du jour", "Likes hidden", "Pain au levain"]
    newest = posts[0]
    assert newest.remote_id == rival.media[1].id and newest.url.startswith("https://www.instagram.com/p/")
    assert (newest.author_handle, newest.author_name, newest.author_id) == ("@Fournil.Rival", "Le Fournil", rival.id)
    assert newest.created_at == datetime.fromtimestamp(meta.now - 60, UTC)
    assert newest.counts == {"replies": 2, "likes": 80}


def test_a_post_with_hidden_likes_leaves_likes_out_of_its_counts(reader: ProfileReader, ours: SocialAccount,
                                                                 rival: Any) -> None:
    hidden = next(p for p in reader.read("@fournil.rival", account=ours).posts if p.text == "Likes hidden")
    assert hidden.counts == {"replies": 1}


def test_the_limit_bounds_the_posts_read(reader: ProfileReader, ours: SocialAccount, rival: Any) -> None:
    assert [p.text for p in reader.read("@fournil.rival", account=ours, limit=1).posts] == ["Croissants du jour"]


@pytest.mark.parametrize("username", ["nobody.here", "personal.one"])
def test_a_personal_or_unknown_account_is_a_permanent_error_worded_for_a_person(
        reader: ProfileReader, ours: SocialAccount, meta: LocalMeta, username: str) -> None:
    meta.add_discoverable_account("personal.one", account_type="PERSONAL")
    with pytest.raises(ReadError) as caught:
        reader.read(f"@{username}", account=ours)
    assert not caught.value.transient and not caught.value.reconnect
    assert caught.value.message == (
        f"Instagram shows no business or creator account named @{username}: the name may be misspelt, or the "
        "account is personal or age-restricted, and Meta lets parvis follow business and creator accounts only.")


def test_a_rate_limit_is_transient_with_the_wait_meta_gives(reader: ProfileReader, ours: SocialAccount,
                                                            rival: Any, meta: LocalMeta, ig: Any) -> None:
    meta.throttle_next(80002, owner=ig.id, minutes=12)
    with pytest.raises(ReadError) as caught:
        reader.read("@fournil.rival", account=ours)
    assert caught.value.transient and caught.value.retry_after == 720
    assert "Meta's rate limit was reached (code 80002)" in caught.value.message


def test_an_application_rate_limit_is_transient_too(reader: ProfileReader, ours: SocialAccount,
                                                    rival: Any, meta: LocalMeta) -> None:
    meta.throttle_next(4)
    with pytest.raises(ReadError) as caught:
        reader.read("@fournil.rival", account=ours)
    assert caught.value.transient and caught.value.retry_after and caught.value.retry_after > 0


def test_usage_near_the_limit_asks_the_next_read_to_wait(reader: ProfileReader, ours: SocialAccount,
                                                         rival: Any, meta: LocalMeta) -> None:
    meta.set_usage(call_count=95, estimated_time_to_regain_access=3)
    timeline = reader.read("@fournil.rival", account=ours)
    assert len(timeline.posts) == 3 and timeline.retry_after == 180
    with pytest.raises(ReadError) as caught:  # the account is held: no call before then
        reader.read("@fournil.rival", account=ours)
    assert caught.value.transient and caught.value.retry_after and 170 < caught.value.retry_after <= 180


def test_an_expired_token_asks_to_reconnect_the_account(reader: ProfileReader, ours: SocialAccount, rival: Any,
                                                        meta: LocalMeta, ig: Any) -> None:
    meta.expire_token(meta.pages[ig.page_id].token)
    with pytest.raises(ReadError) as caught:
        reader.read("@fournil.rival", account=ours)
    assert caught.value.reconnect and not caught.value.transient
    assert caught.value.message.startswith("Instagram could not be read through @boulangerie: Meta no longer "
                                           "accepts parvis's access to this account: the access expired.")


def test_an_instagram_login_account_is_asked_to_connect_through_facebook_login(
        reader: ProfileReader, solo: Any, rival: Any, meta: LocalMeta) -> None:
    before = len(meta.received)
    with pytest.raises(ReadError) as caught:
        reader.read("@fournil.rival", account=account_row(solo, solo.token, "instagram"))
    assert not caught.value.transient
    assert "connected through Facebook Login; @atelier was connected with Instagram Login" in caught.value.message
    assert len(meta.received) == before  # no call made


def test_reading_without_a_connected_account_is_refused(reader: ProfileReader) -> None:
    with pytest.raises(ReadError) as caught:
        reader.read("@fournil.rival")
    assert not caught.value.transient and "Facebook Login" in caught.value.message


@pytest.mark.parametrize(("typed", "handle"), [
    ("@Fournil.Rival", "@fournil.rival"), ("fournil_rival", "@fournil_rival"), ("  @brand  ", "@brand"),
    ("https://www.instagram.com/Fournil.Rival/", "@fournil.rival"), ("instagram.com/brand", "@brand"),
    ("https://instagram.com/brand/?hl=fr", "@brand"),
])
def test_normalise_keeps_the_username_lowercased_with_an_at(reader: ProfileReader, typed: str, handle: str) -> None:
    assert reader.normalise(typed) == handle


@pytest.mark.parametrize("typed", [
    "", "@", "brand name", "brand@mastodon.social", "@brand@instagram.com", "a" * 31, "https://www.instagram.com/p/",
    "https://www.instagram.com/p/Cx12/", "https://example.com/brand/", "#brand", "bränd",
])
def test_normalise_refuses_what_is_not_an_instagram_username(reader: ProfileReader, typed: str) -> None:
    assert reader.normalise(typed) is None

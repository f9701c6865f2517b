"""The Mastodon connector against mastodon-mock on loopback, through Mastodon.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from parvis.networks.base import ErrorKind, MediaFile, NetworkError, Presence, PublishRequest
from parvis.networks.mastodon.connector import MastodonConnector, limits_from_instance, plain_text

pytestmark = pytest.mark.django_db


def test_limits_are_read_from_the_instance_not_hard_coded(mastodon_server, mastodon_account):
    account, _ = mastodon_account
    limits = MastodonConnector(account).limits()
    config = mastodon_server.instance(2)["configuration"]
    assert limits.max_chars == config["statuses"]["max_characters"]
    assert limits.max_media == config["statuses"]["max_media_attachments"]
    assert limits.max_image_bytes == config["media_attachments"]["image_size_limit"]


def test_limits_follow_an_instance_with_a_bigger_limit():
    info = {"configuration": {"statuses": {"max_characters": 5000, "max_media_attachments": 6,
                                           "characters_reserved_per_url": 23},
                              "media_attachments": {"supported_mime_types": ["image/png", "video/mp4"]}}}
    limits = limits_from_instance(info)
    assert (limits["max_chars"], limits["max_media"], limits["image_mime_types"]) == (5000, 6, ["image/png"])


def test_urls_count_as_23_characters(mastodon_account):
    account, _ = mastodon_account
    connector = MastodonConnector(account)
    url = "https://example.com/" + "a" * 200
    assert connector.count(f"Voir {url}") == 5 + 23
    assert connector.count("Salut @alice@example.social") == len("Salut @alice")
    assert connector.count("Café 👩‍👩‍👧") == 6  # a family emoji is one grapheme


def test_publish_with_image_and_alt_text(mastodon_server, mastodon_account, tmp_path: Path, png):
    account, local = mastodon_account
    image = tmp_path / "croissant.png"
    image.write_bytes(png)
    remote = MastodonConnector(account).publish(PublishRequest(
        text="Nouveaux croissants #boulangerie https://example.com",
        idempotency_key="key-1", media=[MediaFile(image, "image/png", "Un croissant doré")]))
    statuses = mastodon_server.statuses_of(local)
    assert [s["id"] for s in statuses] == [remote.remote_id]
    assert statuses[0]["media_attachments"][0]["description"] == "Un croissant doré"
    assert remote.url


def test_same_idempotency_key_never_posts_twice(mastodon_server, mastodon_account):
    account, local = mastodon_account
    connector = MastodonConnector(account)
    first = connector.publish(PublishRequest(text="Une seule fois", idempotency_key="same"))
    second = connector.publish(PublishRequest(text="Une seule fois", idempotency_key="same"))
    assert first.remote_id == second.remote_id
    assert len(mastodon_server.statuses_of(local)) == 1


def test_find_published_recognises_our_post(mastodon_account):
    account, _ = mastodon_account
    connector = MastodonConnector(account)
    request = PublishRequest(text="Bonjour <à> tous & bonne journée\nligne 2", idempotency_key="k")
    posted = connector.publish(request)
    from django.utils import timezone

    found = connector.find_published(request, since=timezone.now().replace(year=2020))
    assert found.presence is Presence.FOUND and found.post is not None and found.post.remote_id == posted.remote_id
    other = PublishRequest(text="Autre chose", idempotency_key="k2")
    # The account's whole history is one short page: sure it is not there.
    assert connector.find_published(other, since=timezone.now()).presence is Presence.ABSENT


def test_find_published_is_unsure_when_the_page_does_not_reach_back_to_the_first_attempt(
        mastodon_account, monkeypatch):
    from django.utils import timezone

    from parvis.networks.mastodon import connector as module

    account, _ = mastodon_account
    connector = MastodonConnector(account)
    for n in range(3):
        connector.publish(PublishRequest(text=f"Billet {n}", idempotency_key=f"page-{n}"))
    monkeypatch.setattr(module, "FIND_PAGE", 2)  # a busy account: our post could be further down
    lookup = connector.find_published(PublishRequest(text="Jamais envoyé", idempotency_key="never"),
                                      since=timezone.now().replace(year=2020))
    assert lookup.presence is Presence.UNKNOWN and "2" in str(lookup.reason)


@pytest.mark.parametrize(("fault", "kind", "uncertain"), [
    ("fail_503", ErrorKind.TRANSIENT, True),
    ("rate_limit", ErrorKind.TRANSIENT, False),
    ("accept_then_drop", ErrorKind.TRANSIENT, True),
])
def test_errors_say_what_to_do_next(mastodon_server, mastodon_account, fault, kind, uncertain):
    account, _ = mastodon_account
    {"fail_503": lambda: mastodon_server.fail_next(503),
     "rate_limit": lambda: mastodon_server.rate_limit_next(retry_after=7),
     "accept_then_drop": mastodon_server.accept_then_drop}[fault]()
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).publish(PublishRequest(text=f"fault {fault}", idempotency_key=fault))
    assert caught.value.kind is kind
    assert caught.value.uncertain is uncertain
    if fault == "rate_limit":
        assert 6 <= caught.value.retry_after <= 7


def test_too_long_for_the_server_is_permanent(mastodon_account):
    account, _ = mastodon_account
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).publish(PublishRequest(text="x" * 501, idempotency_key="long"))
    assert caught.value.kind is ErrorKind.PERMANENT
    assert "500" in caught.value.message


def test_revoked_token_asks_for_reconnection(mastodon_server, mastodon_account):
    import httpx

    account, local = mastodon_account
    httpx.post(f"{mastodon_server.url}/oauth/revoke", data={"token": local["access_token"]})
    with pytest.raises(NetworkError) as caught:
        MastodonConnector(account).publish(PublishRequest(text="après révocation", idempotency_key="r"))
    assert caught.value.kind is ErrorKind.RECONNECT


def test_plain_text_turns_status_html_back_into_text():
    assert plain_text("<p>a &amp; b<br>c</p><p>d</p>") == "a & b\nc\n\nd"

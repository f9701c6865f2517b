"""@mentions of the brand in other accounts' captions and comments: Meta's `mentions`
webhook at the HTTP level (handshake, signature, retries, bad input), then the "mentions"
inbox stream reading what was stored from the Graph fake, and the poller bringing it into
the inbox."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.inbox import polling
from parvis.inbox.models import Item, Poller
from parvis.networks import registry
from parvis.networks.base import ErrorKind, ItemKind, NetworkError
from parvis.networks.instagram.connector import SERVER_URL
from parvis.networks.instagram.models import Mention
from parvis.networks.models import SocialAccount

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TOKEN = "un-jeton-de-verification"
SECRET = "ig-app-secret"
HOSTILE = "Merci @boulangerie <script>alert(1)</script> <b>top</b> & co"


@pytest.fixture(autouse=True)
def webhook_settings(settings: Any) -> None:
    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = TOKEN
    settings.PARVIS_INSTAGRAM_APP_SECRET = SECRET
    settings.PARVIS_META_APP_SECRET = "meta-app-secret"


@pytest.fixture
def brand(people: dict[str, Any], meta: Any, ig: Any) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="instagram", server_url=SERVER_URL, remote_id=ig.id,
        handle=f"@{ig.username}", credentials={"access_token": meta.pages[ig.page_id].token, "login": "facebook",
                                               "page_id": ig.page_id})


def notification(ig_id: str, *changes: dict[str, str]) -> bytes:
    return json.dumps({"object": "instagram", "entry": [
        {"id": ig_id, "time": 1765000000, "changes": [{"field": "mentions", "value": v} for v in changes]}]}).encode()


def post(client: Any, body: bytes, secret: str = SECRET, signature: str | None = None) -> Any:
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(reverse("instagram:webhook"), body, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature, "Accept-Language": "en"})


# -- the webhook -----------------------------------------------------------------------------
def test_the_subscription_handshake_answers_the_challenge_to_the_right_token_only(client):
    url = reverse("instagram:webhook")
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.content, ok["Content-Type"].split(";")[0]) == (200, b"1158201444", "text/plain")
    wrong = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "devine", "hub.challenge": "1158201444"})
    assert wrong.status_code == 403 and b"1158201444" not in wrong.content


def test_no_verify_token_configured_refuses_every_subscription(client, settings):
    settings.PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = ""
    answer = client.get(reverse("instagram:webhook"), {"hub.mode": "subscribe", "hub.verify_token": "",
                                                       "hub.challenge": "42"})
    assert answer.status_code == 403


def test_a_signed_notification_stores_a_mention_and_metas_retry_stores_nothing_more(client, brand):
    body = notification(brand.remote_id, {"media_id": "17900000000000001"},
                        {"media_id": "17900000000000002", "comment_id": "17850000000000003"})
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200  # Meta retries what it thinks failed
    rows = sorted(Mention.objects.filter(account=brand).values_list("media_id", "comment_id"))
    assert rows == [("17900000000000001", ""), ("17900000000000002", "17850000000000003")]


def test_the_facebook_login_apps_secret_signs_too(client, brand):
    assert post(client, notification(brand.remote_id, {"media_id": "17900000000000001"}),
                secret="meta-app-secret").status_code == 200
    assert Mention.objects.filter(account=brand).count() == 1


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(client, brand):
    body = notification(brand.remote_id, {"media_id": "17900000000000001"})
    assert post(client, body, secret="not-the-secret").status_code == 403
    assert post(client, body, signature="").status_code == 403
    legacy = "sha1=" + hmac.new(SECRET.encode(), body, "sha1").hexdigest()  # the old X-Hub-Signature form
    assert post(client, body, signature=legacy).status_code == 403
    tampered = body.replace(b"17900000000000001", b"17900000000000009")
    assert post(client, tampered, signature="sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256)
                .hexdigest()).status_code == 403
    assert not Mention.objects.exists()


def test_malformed_json_is_a_short_400_not_a_500(client, brand):
    answer = post(client, b'{"object": "instagram", "entry": [')
    assert answer.status_code == 400 and answer.content == b"The notification is not JSON."
    assert post(client, b'{"entry": "not a list"}').status_code == 400
    odd = post(client, json.dumps({"object": "instagram", "entry": [
        {"id": brand.remote_id, "changes": [{"field": "mentions", "value": "x"}, {"field": "mentions"},
                                            {"field": "mentions", "value": {"media_id": {"x": 1}}},
                                            "junk"]}, 7]}).encode())
    assert odd.status_code == 200 and not Mention.objects.exists()


def test_an_oversized_body_is_refused(client, brand):
    body = b" " * (3 * 1024 * 1024)
    assert post(client, body).status_code == 413


def test_accounts_parvis_does_not_know_and_other_fields_are_acknowledged_and_ignored(client, brand):
    body = json.dumps({"object": "instagram", "entry": [
        {"id": "17841499999999999", "time": 1, "changes": [{"field": "mentions", "value": {"media_id": "1"}}]},
        {"id": brand.remote_id, "time": 1, "changes": [{"field": "comments", "value": {"id": "5", "text": "hi"}}]},
    ]}).encode()
    assert post(client, body).status_code == 200
    assert not Mention.objects.exists()


def test_another_objects_notification_is_ignored(client, brand):
    body = json.dumps({"object": "page", "entry": [
        {"id": brand.remote_id, "changes": [{"field": "mentions", "value": {"media_id": "1"}}]}]}).encode()
    assert post(client, body).status_code == 200 and not Mention.objects.exists()


def test_only_get_and_post_are_answered(client):
    assert client.put(reverse("instagram:webhook")).status_code == 405


# -- the "mentions" stream -------------------------------------------------------------------
def stream(account: SocialAccount) -> Any:
    return registry.connector_for(account)


def test_the_connector_offers_a_mentions_stream(brand):
    assert "mentions" in stream(brand).inbox_streams()


def test_a_caption_mention_becomes_a_mention_item_whose_hostile_text_stays_text(meta, brand, ig):
    media_id = meta.mention_account(ig.id, "fan_de_pain", HOSTILE)
    Mention.objects.create(account=brand, media_id=media_id)
    page = stream(brand).fetch_inbox("mentions", None)
    (item,) = page.items
    assert (item.kind, item.remote_id, item.thread_key, item.text) == (ItemKind.MENTION, media_id, media_id, HOSTILE)
    assert item.author.handle == "@fan_de_pain" and item.url.startswith("https://www.instagram.com/p/")
    assert Mention.objects.get().fetched_at is not None
    assert stream(brand).fetch_inbox("mentions", page.cursor).items == []  # read once


def test_a_comment_mention_is_read_through_mentioned_comment(meta, brand, ig):
    media_id, comment_id = meta.mention_in_comment(ig.id, "gourmande", "Allez voir @boulangerie !")
    Mention.objects.create(account=brand, media_id=media_id, comment_id=comment_id)
    (item,) = stream(brand).fetch_inbox("mentions", None).items
    assert (item.kind, item.remote_id, item.thread_key, item.root_id) == (ItemKind.MENTION, comment_id, media_id,
                                                                            media_id)
    assert (item.text, item.author.handle) == ("Allez voir @boulangerie !", "@gourmande")
    assert item.url.startswith("https://www.instagram.com/p/")


def test_a_mention_of_a_deleted_media_is_dropped_not_retried_forever(meta, brand, ig):
    gone = meta.mention_account(ig.id, "ephemere", "@boulangerie bientôt effacé")
    kept = meta.mention_account(ig.id, "fidele", "@boulangerie toujours là")
    Mention.objects.create(account=brand, media_id=gone)
    Mention.objects.create(account=brand, media_id=kept)
    del meta.tagged_media[gone]  # its author deleted it before parvis read it
    page = stream(brand).fetch_inbox("mentions", None)
    assert [i.remote_id for i in page.items] == [kept]
    assert stream(brand).fetch_inbox("mentions", page.cursor).items == []
    assert Mention.objects.filter(fetched_at__isnull=True).count() == 0


def test_a_temporary_error_keeps_the_mention_for_the_next_poll(meta, brand, ig):
    first = meta.mention_account(ig.id, "un", "@boulangerie un")
    second = meta.mention_account(ig.id, "deux", "@boulangerie deux")
    Mention.objects.create(account=brand, media_id=first)
    Mention.objects.create(account=brand, media_id=second)
    meta.fail_next(503, method="GET", path=f"*/{ig.id}", count=1)
    with pytest.raises(NetworkError) as caught:  # the poller records it and backs off
        stream(brand).fetch_inbox("mentions", None)
    assert caught.value.kind is ErrorKind.TRANSIENT and Mention.objects.filter(fetched_at__isnull=True).count() == 2
    page = stream(brand).fetch_inbox("mentions", None)
    assert [i.remote_id for i in page.items] == [first, second]


def test_a_mention_committed_late_below_the_cursor_is_still_read(meta, brand, ig):
    early = meta.mention_account(ig.id, "tot", "@boulangerie tôt")
    late = meta.mention_account(ig.id, "tard", "@boulangerie tard")
    slow = Mention.objects.create(account=brand, media_id=late)  # its request committed last
    Mention.objects.create(account=brand, media_id=early)
    page = stream(brand).fetch_inbox("mentions", None)
    Mention.objects.filter(pk=slow.pk).update(fetched_at=None)  # as if it had not been there yet
    assert [i.remote_id for i in stream(brand).fetch_inbox("mentions", page.cursor).items] == [late]


def test_mentions_read_long_ago_are_forgotten(meta, brand, ig):
    old = Mention.objects.create(account=brand, media_id="1", fetched_at=timezone.now() - timedelta(days=31))
    recent = Mention.objects.create(account=brand, media_id="2", fetched_at=timezone.now() - timedelta(days=2))
    stream(brand).fetch_inbox("mentions", str(recent.pk))
    assert list(Mention.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk


def test_refreshing_a_mention_reads_it_again_and_sees_it_deleted(meta, brand, ig):
    media_id = meta.mention_account(ig.id, "fan", "@boulangerie v1")
    Mention.objects.create(account=brand, media_id=media_id)
    assert stream(brand).refresh_items([media_id])[media_id].text == "@boulangerie v1"
    del meta.tagged_media[media_id]
    assert stream(brand).refresh_items([media_id]) == {media_id: None}


def test_from_the_webhook_to_the_inbox(client, meta, brand, ig):
    media_id = meta.mention_account(ig.id, "blogueuse", "Le meilleur croissant : @boulangerie")
    assert post(client, notification(ig.id, {"media_id": media_id})).status_code == 200
    polling.ensure_pollers()
    poller = Poller.objects.get(account=brand, stream="mentions")
    assert polling.poll(poller.pk).new == 1
    item = Item.objects.get(account=brand, remote_id=media_id)
    assert (item.kind, item.text) == ("mention", "Le meilleur croissant : @boulangerie")


# -- answering a mention -------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["caption", "comment"])
def test_a_reply_from_the_inbox_goes_under_the_mention_through_the_mentions_edge(client, meta, brand, ig,
                                                                                people, where):
    from parvis.inbox import replies
    from parvis.publishing import engine

    if where == "caption":
        media_id = meta.mention_account(ig.id, "blogueuse", "Le meilleur croissant : @boulangerie")
        assert post(client, notification(ig.id, {"media_id": media_id})).status_code == 200
        remote_id = media_id
    else:
        media_id, remote_id = meta.mention_in_comment(ig.id, "gourmande", "Allez voir @boulangerie !")
        assert post(client, notification(ig.id, {"media_id": media_id, "comment_id": remote_id})).status_code == 200
    polling.ensure_pollers()
    polling.poll(Poller.objects.get(account=brand, stream="mentions").pk)
    item = Item.objects.get(account=brand, remote_id=remote_id)

    publication = replies.send_reply(item, "Merci beaucoup !", people["editor"]).post.publications.get()
    assert engine.publish(publication.pk) == "published"
    ours = [c for c in meta.comments.values() if c.text == "Merci beaucoup !"]
    assert len(ours) == 1 and ours[0].on == media_id and ours[0].author_name == ig.username
    assert ours[0].parent == (remote_id if where == "comment" else None)
    publication.refresh_from_db()
    assert publication.remote_id == ours[0].id


def test_a_reply_to_a_mention_whose_answer_was_lost_is_held_to_check_not_sent_twice(client, meta, brand, ig,
                                                                                    people):
    from parvis.inbox import replies
    from parvis.publishing import engine
    from parvis.publishing.models import State

    media_id = meta.mention_account(ig.id, "blogueuse", "Le meilleur croissant : @boulangerie")
    post(client, notification(ig.id, {"media_id": media_id}))
    polling.ensure_pollers()
    polling.poll(Poller.objects.get(account=brand, stream="mentions").pk)
    item = Item.objects.get(account=brand, remote_id=media_id)
    publication = replies.send_reply(item, "Merci beaucoup !", people["editor"]).post.publications.get()
    meta.lose_next(path="*/mentions")
    assert engine.publish(publication.pk) == "retry"
    publication.refresh_from_db()
    publication.__class__.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
    # Another account's media: its comments cannot be listed, so parvis cannot tell.
    assert engine.publish(publication.pk) == "to_check"
    assert len([c for c in meta.comments.values() if c.text == "Merci beaucoup !"]) == 1
    publication.refresh_from_db()
    assert publication.state == State.TO_CHECK

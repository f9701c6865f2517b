"""Push notifications: the encryption and the signature as the RFCs say, checked against
RFC 8291's own example and by a "browser" that decrypts what reached a loopback push
service; who gets what, following their choices, the working hours and the rota."""

from __future__ import annotations

import base64
import json
import os
import struct
from datetime import UTC, datetime, time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.urls import reverse

from parvis.accounts import channels, webpush
from parvis.accounts.actions import notify
from parvis.accounts.models import Notification, NotificationChoice, PushSubscription
from parvis.accounts.tasks import PushNotDelivered, push_task
from parvis.inbox.models import DutySlot, WorkingHours
from parvis.testing.resolver import PUBLIC, rebinding

pytestmark = pytest.mark.django_db

# RFC 8291, section 5 and appendix A.
RFC_UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_BODY = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8w"
            "EqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
RFC_TEXT = b"When I grow up, I want to be a watermelon"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


class Browser:
    """What a browser holds for one subscription, and how it reads a message (RFC 8188
    and 8291, written from the RFCs with `cryptography`'s HKDF, not parvis's)."""

    def __init__(self, private: ec.EllipticCurvePrivateKey | None = None, auth: bytes | None = None) -> None:
        self.private = private or ec.generate_private_key(ec.SECP256R1())
        self.auth = auth or os.urandom(16)
        self.public = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    @property
    def keys(self) -> dict[str, str]:
        return {"p256dh": b64(self.public), "auth": b64(self.auth)}

    def read(self, body: bytes) -> bytes:
        salt, record_size, id_length = body[:16], *struct.unpack("!IB", body[16:21])
        assert record_size >= 18
        sender = body[21:21 + id_length]
        shared = self.private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender))
        ikm = hkdf(self.auth, shared, b"WebPush: info\x00" + self.public + sender, 32)
        cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        plain = AESGCM(cek).decrypt(nonce, body[21 + id_length:], None)
        assert plain.endswith(b"\x02"), "one record, the last"
        return plain[:-1]


def test_the_rfc_8291_example_encrypts_to_the_octet():
    body = webpush.encrypt(RFC_TEXT, RFC_UA_PUBLIC, RFC_AUTH, sender=webpush.private_key_from(RFC_AS_PRIVATE),
                           salt=unb64(RFC_SALT))
    assert b64(body) == RFC_BODY
    browser = Browser(webpush.private_key_from(RFC_UA_PRIVATE), unb64(RFC_AUTH))
    assert browser.read(body) == RFC_TEXT


def test_each_message_has_its_own_key_and_salt():
    browser = Browser()
    one, two = (webpush.encrypt(b"same", **browser.keys) for _ in range(2))
    assert one[:16] != two[:16] and one[21:86] != two[21:86]
    assert browser.read(one) == browser.read(two) == b"same"


@pytest.mark.parametrize(("p256dh", "auth", "field"), [
    ("AAAA", RFC_AUTH, "p256dh"),
    (b64(b"\x04" + b"\x01" * 64), RFC_AUTH, "p256dh"),  # not a point of the curve
    (RFC_UA_PUBLIC, b64(b"short"), "auth"),
    (RFC_UA_PUBLIC, "***", "auth"),
])
def test_a_browser_key_that_is_not_one_is_named(p256dh, auth, field):
    with pytest.raises(ValueError, match=field):
        webpush.check_keys(p256dh, auth)


def verify_vapid(header: str, endpoint: str) -> dict:
    """Check the `Authorization: vapid` header as a push service does (RFC 8292)."""
    assert header.startswith("vapid ")
    fields = dict(part.strip().split("=", 1) for part in header[len("vapid "):].split(","))
    token, key = fields["t"], fields["k"]
    head, claims, signature = token.split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    raw = unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(unb64(head)) == {"typ": "JWT", "alg": "ES256"}
    return {"claims": json.loads(unb64(claims)), "key": key}


def test_the_vapid_token_is_signed_with_the_instance_key_for_the_service_origin():
    header = webpush.vapid_authorization("https://push.example.net:8443/wpush/v2/abc", now=1_000_000)
    seen = verify_vapid(header, "https://push.example.net:8443/wpush/v2/abc")
    assert seen["claims"]["aud"] == "https://push.example.net:8443"
    assert seen["claims"]["exp"] == 1_000_000 + 12 * 3600
    assert seen["claims"]["sub"].startswith(("mailto:", "https://"))
    assert seen["key"] == webpush.public_key()
    tampered = header.replace("vapid t=", "vapid t=x")
    with pytest.raises((InvalidSignature, ValueError)):
        verify_vapid(tampered, "")


def test_the_vapid_key_is_made_once_and_kept_private_in_the_data_folder(settings):
    first = webpush.public_key()
    assert webpush.public_key() == first
    path = settings.DATA_DIR / webpush.KEY_FILE
    assert path.exists() and path.stat().st_mode & 0o777 == 0o600
    assert len(unb64(first)) == 65 and unb64(first)[0] == 4


@pytest.fixture
def push_service(http_recorder, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = True  # the loopback service stands for a public one
    return http_recorder


def subscribe_browser(user, service, path="/push/1") -> tuple[PushSubscription, Browser]:
    browser = Browser()
    subscription = PushSubscription.objects.create(user=user, endpoint=service.url(path), **browser.keys)
    return subscription, browser


def test_a_push_reaches_the_service_encrypted_signed_and_readable_by_the_browser(people, push_service):
    subscription, browser = subscribe_browser(people["owner"], push_service)
    push_service.status = 201
    push_task.call_local(subscription.pk, {"title": "Échec", "body": "Le post n'est pas parti", "url": "/p/1",
                                           "tag": "publication_failed"}, "high")
    (request,) = push_service.wait_for(1)
    assert request["headers"]["Content-Encoding"] == "aes128gcm"
    assert request["headers"]["Urgency"] == "high" and int(request["headers"]["TTL"]) > 0
    verify_vapid(request["headers"]["Authorization"], subscription.endpoint)
    assert json.loads(browser.read(request["body"])) == {
        "title": "Échec", "body": "Le post n'est pas parti", "url": "/p/1", "tag": "publication_failed"}
    subscription.refresh_from_db()
    assert subscription.last_status == "HTTP 201" and subscription.last_sent_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_browser_that_unsubscribed_is_forgotten(people, push_service, status):
    subscription, _browser = subscribe_browser(people["owner"], push_service)
    push_service.status = status
    push_task.call_local(subscription.pk, {"title": "t", "body": "b", "url": "/", "tag": "x"}, "normal")
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


@pytest.mark.parametrize(("status", "retried"), [(429, True), (503, True), (400, False)])
def test_a_busy_service_is_tried_again_and_a_refusal_is_recorded(people, push_service, status, retried):
    subscription, _browser = subscribe_browser(people["owner"], push_service)
    push_service.status = status
    message = {"title": "t", "body": "b", "url": "/", "tag": "x"}
    if retried:
        with pytest.raises(PushNotDelivered):
            push_task.call_local(subscription.pk, message, "normal")
    else:
        push_task.call_local(subscription.pk, message, "normal")
    subscription.refresh_from_db()
    assert subscription.last_status == f"HTTP {status}"


def test_a_push_service_on_a_private_address_is_refused(people, http_recorder, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    subscription, _browser = subscribe_browser(people["owner"], http_recorder)
    push_task.call_local(subscription.pk, {"title": "t", "body": "b", "url": "/", "tag": "x"}, "normal")
    assert http_recorder.received == []
    subscription.refresh_from_db()
    assert subscription.last_status and subscription.last_sent_at is None


@pytest.fixture
def sent(monkeypatch, django_capture_on_commit_callbacks):
    """The pushes `notify` queues, as (subscription id, message, urgency)."""
    queued: list[tuple[int, dict, str]] = []
    monkeypatch.setattr("parvis.accounts.tasks.push_task", lambda *args: queued.append(args))
    return queued


def tell(people, kind, capture, users=None):
    with capture(execute=True):
        notify(users or [people["owner"]], people["workspace"], kind, "Sujet", "Message", "/w/1/")


def test_defaults_push_what_cannot_wait_and_email_everything(people, push_service, sent, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    subscription, _browser = subscribe_browser(people["owner"], push_service)
    for kind in ("publication_failed", "inbox_crisis", "approval_requested", "mention", "import_done"):
        tell(people, kind, django_capture_on_commit_callbacks)
    assert [m["tag"] for _pk, m, _u in sent] == ["publication_failed", "inbox_crisis", "approval_requested"]
    assert {pk for pk, _m, _u in sent} == {subscription.pk}
    assert [u for _pk, m, u in sent if m["tag"] == "inbox_crisis"] == ["high"]
    assert len(mailoutbox) == 5
    assert Notification.objects.filter(user=people["owner"]).count() == 5


def test_each_person_chooses_per_topic_and_channel(people, push_service, sent, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    owner, editor = people["owner"], people["editor"]
    subscribe_browser(owner, push_service, "/push/owner")
    subscribe_browser(editor, push_service, "/push/editor")
    channels.set_choices(owner, {"publishing": {"app": True, "email": False, "push": False}})
    channels.set_choices(editor, {"publishing": {"app": False, "email": True, "push": True}})
    tell(people, "publication_failed", django_capture_on_commit_callbacks, [owner, editor])
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert list(Notification.objects.values_list("user", flat=True)) == [owner.pk]
    assert [PushSubscription.objects.get(pk=pk).user for pk, _m, _u in sent] == [editor]


def test_outside_working_hours_a_phone_rings_only_for_the_urgent_and_the_on_duty(
        people, push_service, sent, django_capture_on_commit_callbacks, monkeypatch):
    workspace, owner, editor = people["workspace"], people["owner"], people["editor"]
    workspace.timezone = "Europe/Paris"
    workspace.save()
    # Monday 09:00–18:00 only; at 23:00 on a Monday the editor is the night relay.
    WorkingHours.objects.create(workspace=workspace, weekday=0, starts=time(9), ends=time(18))
    DutySlot.objects.create(workspace=workspace, user=editor, weekday=0, starts=time(20), ends=time(23, 59),
                            role=DutySlot.Role.ON_DUTY)
    monkeypatch.setattr("parvis.accounts.actions.timezone.now", lambda: datetime(2026, 12, 7, 22, 0, tzinfo=UTC))
    subscribe_browser(owner, push_service, "/push/owner")
    subscribe_browser(editor, push_service, "/push/editor")
    for kind in ("approval_requested", "publication_failed", "inbox_crisis"):
        tell(people, kind, django_capture_on_commit_callbacks, [owner, editor])
    rang = sorted((m["tag"], PushSubscription.objects.get(pk=pk).user.email) for pk, m, _u in sent)
    assert rang == sorted([("publication_failed", editor.email),
                           ("inbox_crisis", owner.email), ("inbox_crisis", editor.email)])
    # What did not ring waits in the app.
    assert Notification.objects.filter(kind="approval_requested").count() == 2


def test_the_choices_page_saves_what_is_ticked(client, people):
    client.force_login(people["editor"])
    page = client.get(reverse("web:notification_settings"))
    assert page.status_code == 200 and b'name="inbox.push" id="c-inbox-push" checked' in page.content
    client.post(reverse("web:notification_settings"), {"inbox.app": "on", "inbox.push": "on"})
    choice = NotificationChoice.objects.get(user=people["editor"], topic="inbox")
    assert (choice.app, choice.email, choice.push) == (True, False, True)
    assert not NotificationChoice.objects.get(user=people["editor"], topic="approvals").push


ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"


@pytest.fixture(autouse=True)
def _push_service_name(monkeypatch):
    # The push service's name resolves to a public address, as it does on a phone.
    rebinding(monkeypatch, "fcm.googleapis.com", first=[PUBLIC], then=[PUBLIC])


def post_subscription(client, body):
    return client.post(reverse("web:push_subscribe"), json.dumps(body), content_type="application/json",
                       HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile")


def test_a_browser_subscribes_once_and_is_named_by_its_device(client, people):
    client.force_login(people["editor"])
    browser = Browser()
    answer = post_subscription(client, {"endpoint": ENDPOINT, "keys": browser.keys})
    assert answer.status_code == 201 and answer.json()["device"] == "Android · Chrome"
    again = Browser()  # the same browser, new keys: one row, updated
    post_subscription(client, {"endpoint": ENDPOINT, "keys": again.keys})
    (kept,) = PushSubscription.objects.filter(user=people["editor"])
    assert kept.p256dh == again.keys["p256dh"]
    page = client.get(reverse("web:notification_settings"))
    assert b"Android \xc2\xb7 Chrome" in page.content


@pytest.mark.parametrize(("body", "field"), [
    ({"endpoint": "http://push.example/x", "keys": Browser().keys}, "endpoint"),
    ({"endpoint": "https://10.0.0.1/x", "keys": Browser().keys}, "endpoint"),
    ({"endpoint": ENDPOINT, "keys": {"p256dh": "nope", "auth": RFC_AUTH}}, "p256dh"),
    ({"endpoint": ENDPOINT, "keys": {"p256dh": RFC_UA_PUBLIC}}, "auth"),
    ({"endpoint": ENDPOINT}, "p256dh"),
    ("not an object", "endpoint"),
])
def test_a_bad_subscription_is_refused_naming_the_field(client, people, settings, body, field):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    client.force_login(people["editor"])
    answer = post_subscription(client, body)
    assert answer.status_code == 400 and list(answer.json()["errors"]) == [field]
    assert not PushSubscription.objects.exists()


def test_a_person_removes_only_their_own_browsers(client, people):
    theirs = PushSubscription.objects.create(user=people["owner"], endpoint=ENDPOINT, **Browser().keys)
    client.force_login(people["editor"])
    client.post(reverse("web:push_remove", args=[theirs.pk]))
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
    client.force_login(people["owner"])
    client.post(reverse("web:push_remove", args=[theirs.pk]))
    assert not PushSubscription.objects.filter(pk=theirs.pk).exists()


def test_send_a_test_shows_each_device_answer(client, people, push_service):
    subscription, browser = subscribe_browser(people["owner"], push_service)
    push_service.status = 503
    client.force_login(people["owner"])
    page = client.post(reverse("web:push_test"), follow=True)
    assert page.status_code == 200 and b"HTTP 503" in page.content
    assert json.loads(browser.read(push_service.received[0]["body"]))["tag"] == "test"

"""Web Push, spoken directly: the message encrypted for one browser (RFC 8291,
"aes128gcm" of RFC 8188), signed for the push service with parvis's VAPID key (RFC 8292),
and posted through the guarded HTTP layer like every address parvis did not choose.

The VAPID key pair is made on first use and kept in the data folder (`vapid.key`, 0600):
browsers tie each subscription to its public half, so losing it means every phone must
subscribe again. No library sends the request: the push service's address came from a
browser, hence from a person, and goes through `core.http` (no private addresses, a
deadline, no redirects followed blindly).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import struct
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.hmac import HMAC
from django.conf import settings

from parvis.core.datadir import load_or_create_secret
from parvis.core.http import GuardError, client

log = logging.getLogger(__name__)

KEY_FILE = "vapid.key"
RECORD_SIZE = 4096
# What the push services accept in one message (4096 octets with the encryption's own
# 103 octets): parvis's messages are a title, a line and a link, well below it.
MAX_PAYLOAD = 3800
TOKEN_LIFETIME = 12 * 3600  # RFC 8292 allows up to 24 h; services refuse tokens near it


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _new_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def private_key_from(raw: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(unb64url(raw), "big"), ec.SECP256R1())


def vapid_key() -> ec.EllipticCurvePrivateKey:
    return private_key_from(load_or_create_secret(KEY_FILE, make=_new_private_key))


def public_key() -> str:
    """The application server key browsers subscribe with (base64url, uncompressed point)."""
    return b64url(_public_bytes(vapid_key().public_key()))


def check_keys(p256dh: str, auth: str) -> tuple[bytes, bytes]:
    """The browser's keys decoded, or ValueError naming which one is wrong."""
    try:
        point = unb64url(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise ValueError("p256dh") from exc
    if len(point) != 65:
        raise ValueError("p256dh")
    try:
        secret = unb64url(auth)
    except ValueError as exc:
        raise ValueError("auth") from exc
    if len(secret) != 16:
        raise ValueError("auth")
    return point, secret


def _hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    mac = HMAC(salt, SHA256())
    mac.update(ikm)
    return mac.finalize()


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    # One block is enough for every length used here (≤ 32 octets).
    mac = HMAC(prk, SHA256())
    mac.update(info + b"\x01")
    return mac.finalize()[:length]


def encrypt(plaintext: bytes, p256dh: str, auth: str, *, sender: ec.EllipticCurvePrivateKey | None = None,
            salt: bytes | None = None) -> bytes:
    """The message body for one browser, as RFC 8291 §3–4 say: a fresh key pair and salt
    for each message (`sender` and `salt` are given only by tests, to replay the RFC's
    example), one record, padded with nothing."""
    ua_public, auth_secret = check_keys(p256dh, auth)
    sender = sender or ec.generate_private_key(ec.SECP256R1())
    salt = salt if salt is not None else os.urandom(16)
    as_public = _public_bytes(sender.public_key())
    shared = sender.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public))
    ikm = _hkdf_expand(_hkdf_extract(auth_secret, shared), b"WebPush: info\x00" + ua_public + as_public, 32)
    prk = _hkdf_extract(salt, ikm)
    cek = _hkdf_expand(prk, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf_expand(prk, b"Content-Encoding: nonce\x00", 12)
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)  # \x02: the last record
    return salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public + ciphertext


def subject() -> str:
    """Who the push service may contact about parvis's messages (RFC 8292 `sub`)."""
    configured = os.environ.get("PARVIS_VAPID_SUBJECT", "")
    if configured:
        return configured
    if settings.PARVIS_BASE_URL.startswith("https://"):
        return settings.PARVIS_BASE_URL
    address = settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">").strip()
    return f"mailto:{address}"


def vapid_authorization(endpoint: str, now: float | None = None,
                        key: ec.EllipticCurvePrivateKey | None = None) -> str:
    """The `Authorization: vapid t=…, k=…` header for a push service (RFC 8292 §3): a JWT
    signed with ES256 for the endpoint's origin."""
    key = key or vapid_key()
    parts = urlsplit(endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": int((now or time.time()) + TOKEN_LIFETIME),
              "sub": subject()}
    signing_input = b".".join(b64url(json.dumps(part, separators=(",", ":")).encode()).encode()
                              for part in ({"typ": "JWT", "alg": "ES256"}, claims))
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    token = signing_input + b"." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big")).encode()
    return f"vapid t={token.decode()}, k={b64url(_public_bytes(key.public_key()))}"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    gone: bool = False  # the browser unsubscribed (404/410): forget the subscription
    retry: bool = False  # the service is busy or down: try again later
    status: str = ""


def send(endpoint: str, p256dh: str, auth: str, payload: dict[str, str], *, urgency: str = "normal",
         ttl: int = 24 * 3600, topic: str = "") -> Outcome:
    """Post one message to a push service and say what became of it."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    if len(body) > MAX_PAYLOAD:
        raise ValueError("payload too large")
    headers = {"Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream",
               "TTL": str(ttl), "Urgency": urgency, "Authorization": vapid_authorization(endpoint)}
    if topic:
        headers["Topic"] = topic  # a newer message with the same topic replaces one not yet shown
    try:
        with client() as http:
            response = http.post(endpoint, content=encrypt(body, p256dh, auth), headers=headers)
    except GuardError as exc:
        return Outcome(False, status=str(exc))
    except Exception as exc:  # noqa: BLE001 - a push service's failure is told, never raised to the caller
        return Outcome(False, retry=True, status=type(exc).__name__)
    code = response.status_code
    if response.is_success:
        return Outcome(True, status=f"HTTP {code}")
    return Outcome(False, gone=code in (404, 410), retry=code == 429 or code >= 500, status=f"HTTP {code}")

"""Meta's webhook for Instagram, field `mentions` (meta.md, 5.4): where Instagram tells
parvis that another account @mentioned a connected one in a caption or a comment, which
no poll can see.

* GET is the subscription handshake: Meta sends `hub.mode=subscribe`, the verify token
  typed in the app dashboard and a challenge; the challenge goes back as plain text when
  the token is `PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN`, 403 otherwise.
* POST is a batch of notifications, signed in `X-Hub-Signature-256` (HMAC-SHA256 of the
  raw body with the app secret: Instagram Login's or Facebook Login's, whichever matches).
  Each `mentions` change for an account connected here is stored (`Mention`, one row per
  mention whatever Meta repeats) and the answer is 200 at once: reading the mention from
  Meta is the inbox poller's work (`mentions.py`), so that Meta never waits nor retries
  for our sake. Accounts parvis does not know are acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from parvis.networks.instagram.models import Mention
from parvis.networks.models import SocialAccount

log = logging.getLogger(__name__)
KEY = "instagram"
FIELD = "mentions"
MAX_BODY = 2 * 1024 * 1024  # a batch holds at most 1000 changes of a few hundred bytes each
SECRET_SETTINGS = ("PARVIS_INSTAGRAM_APP_SECRET", "PARVIS_META_APP_SECRET")
ID_LENGTH = 64  # Meta's ids are digits; anything longer is not one


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def endpoint(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return verify(request)
    if request.method == "POST":
        return receive(request)
    return _plain(_("Only GET and POST are answered here."), 405)


def verify(request: HttpRequest) -> HttpResponse:
    expected = str(getattr(settings, "PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "") or "")
    token = request.GET.get("hub.verify_token", "")
    if (not expected or request.GET.get("hub.mode") != "subscribe"
            or not hmac.compare_digest(token.encode(), expected.encode())):
        return _plain(_("The verify token does not match."), 403)
    return _plain(request.GET.get("hub.challenge", ""), 200)


def signed(body: bytes, header: str) -> bool:
    """Whether `header` (`sha256=<hex>`) is the body's HMAC with one of the app secrets."""
    scheme, _sep, given = header.partition("=")
    if scheme != "sha256" or not given:
        return False
    secrets = [str(getattr(settings, name, "") or "") for name in SECRET_SETTINGS]
    return any(hmac.compare_digest(hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(), given.lower())
               for secret in secrets if secret)


def receive(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _plain(_("The notification is too large."), 413)
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _plain(_("The notification is too large."), 413)
    if not signed(body, request.headers.get("X-Hub-Signature-256", "")):
        return _plain(_("The signature does not match."), 403)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _plain(_("The notification is not JSON."), 400)
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        return _plain(_("The notification has no list of entries."), 400)
    stored = store_mentions(mentions_in(payload))
    log.info("instagram webhook: %d mention(s) stored", stored)
    return _plain("OK", 200)


def mentions_in(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(account id, media id, comment id or "") for each `mentions` change; malformed
    changes are skipped (Meta sends other fields to the same address)."""
    found: list[tuple[str, str, str]] = []
    if payload.get("object") != "instagram":
        return found  # a Page's or a user's webhook pointed here by mistake: not ours to read
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        account_id = _id(entry.get("id"))
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or change.get("field") != FIELD:
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            media_id, comment_id = _id(value.get("media_id")), _id(value.get("comment_id"))
            if account_id and media_id and (comment_id or value.get("comment_id") in (None, "")):
                found.append((account_id, media_id, comment_id))
    return found


def _id(value: object) -> str:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) <= ID_LENGTH else ""


def store_mentions(found: list[tuple[str, str, str]]) -> int:
    """Store each mention once per connected account (the same Instagram account may be
    connected in several workspaces); returns how many rows the batch named."""
    if not found:
        return 0
    accounts: dict[str, list[SocialAccount]] = {}
    for account in SocialAccount.objects.filter(network=KEY, remote_id__in={a for a, _m, _c in found}):
        accounts.setdefault(str(account.remote_id), []).append(account)
    rows = [Mention(account=account, media_id=media_id, comment_id=comment_id)
            for account_id, media_id, comment_id in found for account in accounts.get(account_id, [])]
    Mention.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)

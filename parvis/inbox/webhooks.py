"""Outgoing notifications to chat rooms and push topics, in each service's own format.

* Slack incoming webhook: POST JSON `{"text": ...}` with `<url|label>` links (mrkdwn).
* Mattermost incoming webhook: POST JSON `{"text": ..., "username": "parvis"}`, Markdown links.
* Matrix (client-server API): PUT `{homeserver}/_matrix/client/v3/rooms/{room}/send/
  m.room.message/{txnId}` with `Authorization: Bearer <token>`, an `m.text` message with a
  plain `body` and an HTML `formatted_body` (escaped). The transaction id makes a retry
  of the same message a no-op on the server.
* ntfy: POST the plain text to the topic URL, with `Title`, `Priority` (5 for urgent),
  `Tags` and `Click` headers; an optional access token as Bearer.

Addresses go through the guarded HTTP layer like every request to a user-given address
(`parvis.core.http`: no private addresses unless allowed by settings, checked when the
connection is opened, bounded in time and size); a redirect is a failure to deliver,
never followed. Sent in a background job, a failure is recorded on the webhook, never
raised into the inbox's work.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts import channels as channel_topics
from parvis.core.http import GuardError, UnsafeURLError, check_url, client
from parvis.core.texts import Text, for_storage
from parvis.inbox.models import Webhook, default_webhook_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    title: str
    text: str  # plain text (untrusted parts included): every format escapes it its own way
    url: str = ""  # absolute link into parvis
    urgent: bool = False
    key: str = ""  # stable id of this message (Matrix transaction id)


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    content: bytes | None = None


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in text)


def build(webhook: Webhook, message: Message) -> Request:
    secret = webhook.secret or {}
    if webhook.format == Webhook.Format.SLACK:
        link = f" <{message.url}|{_slack_escape(_('Open in parvis'))}>" if message.url else ""
        text = f"*{_slack_escape(message.title)}*\n{_slack_escape(message.text)}{link}"
        return Request("POST", webhook.url, {"Content-Type": "application/json"}, json={"text": text})
    if webhook.format == Webhook.Format.MATTERMOST:
        link = f" [{_('Open in parvis')}]({message.url})" if message.url else ""
        text = f"**{_markdown_escape(message.title)}**\n{_markdown_escape(message.text)}{link}"
        return Request("POST", webhook.url, {"Content-Type": "application/json"},
                       json={"text": text, "username": "parvis"})
    if webhook.format == Webhook.Format.MATRIX:
        room = quote(str(secret.get("room", "")), safe="")
        txn = quote(message.key or uuid.uuid4().hex, safe="")
        url = f"{webhook.url.rstrip('/')}/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}"
        body = f"{message.title}\n{message.text}" + (f"\n{message.url}" if message.url else "")
        formatted = f"<strong>{html.escape(message.title)}</strong><br>{html.escape(message.text)}"
        if message.url:
            formatted += f'<br><a href="{html.escape(message.url)}">{html.escape(_("Open in parvis"))}</a>'
        return Request("PUT", url, {"Content-Type": "application/json",
                                    "Authorization": f"Bearer {secret.get('token', '')}"},
                       json={"msgtype": "m.text", "body": body, "format": "org.matrix.custom.html",
                             "formatted_body": formatted})
    if webhook.format == Webhook.Format.NTFY:
        # httpx sends header values as ASCII: ntfy documents RFC 2047 for the others.
        headers = {"Title": _rfc2047(message.title), "Priority": "5" if message.urgent else "3",
                   "Tags": "rotating_light" if message.urgent else "speech_balloon"}
        if message.url:
            headers["Click"] = message.url
        if secret.get("token"):
            headers["Authorization"] = f"Bearer {secret['token']}"
        return Request("POST", webhook.url, headers, content=message.text.encode("utf-8"))
    raise ValueError(f"unknown webhook format {webhook.format!r}")


def _rfc2047(value: str) -> str:
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        from email.header import Header

        return Header(value, "utf-8").encode()


def send(webhook: Webhook, message: Message) -> bool:
    """Deliver one message; record the outcome on the webhook. True when delivered."""
    request = build(webhook, message)
    status: str | Text
    try:
        with client() as http:
            response = http.request(request.method, request.url, headers=request.headers, json=request.json,
                                    content=request.content)
        status = f"HTTP {response.status_code}"
        ok = response.is_success
    except GuardError as exc:
        # parvis's refusal: kept as a Text, read later by each person in their language.
        status, ok = exc.reason, False
    except Exception as exc:  # noqa: BLE001 - a chat server's failure must not break the inbox
        status, ok = f"{type(exc).__name__}: {exc}", False
    plain, text = for_storage(status)
    if not ok:
        log.warning("webhook %s (%s) failed: %s", webhook.pk, webhook.format, plain)
    Webhook.objects.filter(pk=webhook.pk).update(last_status=plain[:200], last_status_text=text,
                                                 last_sent_at=timezone.now())
    return ok


def send_test(webhook: Webhook, inbox_url: str) -> bool:
    """"Send a test", now (not in the background: the person is waiting for the answer).
    The outcome is recorded on the webhook (`last_status`), like any delivery."""
    return send(webhook, Message(
        title=_("Test from parvis"),
        text=_("This channel will receive the inbox notifications of %(workspace)s.") % {
            "workspace": webhook.workspace.name},
        url=inbox_url, key=f"test-{uuid.uuid4().hex}"))


def check_webhook(format_: str, url: str, secret: dict[str, str]) -> dict[str, str]:
    """Errors by field for a webhook being saved (empty when fine)."""
    errors: dict[str, str] = {}
    if format_ not in Webhook.Format.values:
        errors["format"] = _("Choose Slack, Mattermost, Matrix or ntfy.")
    if not url.startswith(("https://", "http://")):
        errors["url"] = _("Give the full address, starting with https://.")
    else:
        try:
            check_url(url)
        except UnsafeURLError as exc:
            errors["url"] = str(exc)
    if format_ == Webhook.Format.MATRIX:
        if not str(secret.get("room", "")).startswith("!"):
            errors["room"] = _("Give the room's id (it starts with !).")
        if not secret.get("token"):
            errors["token"] = _("Give the access token of the account that posts.")
    return errors


class WebhookError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


SECRET_FIELDS: dict[str, tuple[str, ...]] = {Webhook.Format.MATRIX: ("room", "token"), Webhook.Format.NTFY: ("token",)}


def save_webhook(workspace: Any, name: str, format_: str, url: str, secret: dict[str, str],
                 urgent_only: bool = False, enabled: bool = True, webhook: Webhook | None = None,
                 forget_token: bool = False, topics: Sequence[str] | None = None) -> Webhook:
    """Create or update a channel; WebhookError holds the errors by field and nothing is
    saved. A token left empty on an existing channel keeps the stored one (it is never
    shown back, so the form cannot send it again)."""
    name, url = (name or "").strip(), (url or "").strip()
    previous = dict(webhook.secret or {}) if webhook is not None and webhook.format == format_ else {}
    if forget_token:
        previous.pop("token", None)
    kept = {key: (str(secret.get(key) or "").strip() or previous.get(key, ""))
            for key in SECRET_FIELDS.get(format_, ())}
    kept = {key: value for key, value in kept.items() if value}
    errors = check_webhook(format_, url, kept)
    if not name:
        errors["name"] = _("Give the channel a name.")
    elif len(name) > 120:
        errors["name"] = _("A name holds 120 characters at most.")
    if len(url) > 500:
        errors["url"] = _("An address holds 500 characters at most.")
    chosen = list(dict.fromkeys(topics)) if topics is not None else (
        list(webhook.topics) if webhook is not None else default_webhook_topics())
    if not chosen or any(t not in channel_topics.BY_KEY for t in chosen):
        errors["topics"] = _("Choose what the channel carries: one topic or more of the list.")
    if errors:
        raise WebhookError(errors)
    hook = webhook or Webhook(workspace=workspace)
    hook.name, hook.format, hook.url, hook.secret = name, format_, url, kept
    hook.urgent_only, hook.enabled, hook.topics = urgent_only, enabled, chosen
    hook.save()
    return hook

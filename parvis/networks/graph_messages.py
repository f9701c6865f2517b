"""Private messages through Meta's Conversations API and Send API, shared by the network
packages whose accounts take them: a Page's Messenger conversations, an Instagram
professional account's (through its Page, or with Instagram Login). docs/networks/meta.md,
5.5, cites what this follows.

Reading (the inbox stream ``messages``)
    Meta tells nothing new without webhooks (a public HTTPS address a self-hosted parvis
    often lacks), so each poll lists the account's conversations, most recently active
    first, down to the cursor's time, and reads the messages of each, newest first, down
    to the same time. The cursor is the newest message time seen with the ids seen at that
    second (Graph's times have one-second steps). The first poll goes back
    `graph.FIRST_POLL_BACK` only. Both sides come in: the person's messages as ``MESSAGE``, the
    account's own as ``OWN``, all private, grouped by conversation (``thread_key`` and
    ``root_id`` are the conversation id). Text is untrusted plain text. One poll reads at
    most 250 conversations active since the last one, and 100 messages of each: a backlog
    beyond that (an account left unpolled through a rush) is not fetched.

Answering
    A reply to a private item goes through the Send API to the conversation's other
    participant (``extra["recipient"]``), as a ``RESPONSE``: Meta accepts it only within
    24 hours of the person's last message (the ``HUMAN_AGENT`` tag, 7 days, needs Meta's
    approval, which parvis does not assume). The person's last message is read again just
    before sending, and a reply outside the window is refused before any send, in words
    the package gives. The Send API has no idempotency key: after an uncertain attempt the
    reply is found among the conversation's newest messages (ours, with the same text), or
    its presence is "unknown", never "absent", so that a person checks rather than the
    person receiving it twice.

Refreshing
    ``GET /{message-id}`` answers only for a conversation's 20 newest messages: an older
    one cannot be told from a deleted one, so a message that cannot be read is left out of
    the answer (the inbox keeps it as it is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from parvis.core.texts import Text
from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    InboxPage,
    ItemKind,
    Lookup,
    NetworkError,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.graph import GraphClient, MissingPermission, page_after, read_cursor
from parvis.networks.text import clean_text

MESSAGES = "messages"  # the inbox stream's name
CONVERSATION_PAGES = 10  # 25 conversations a page: those active since the last poll
MESSAGE_PAGES = 4  # 25 messages a page, per conversation
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments"
CONVERSATION_FIELDS = "id,updated_time,participants"
STANDARD_WINDOW = timedelta(hours=24)
CLOCK_SLACK = timedelta(minutes=2)


def is_message_id(remote_id: str) -> bool:
    """Comment ids are numbers (``123`` or ``123_456``); message ids are not (``m_…``,
    base64 letters)."""
    return not remote_id.replace("_", "").isdigit()


def is_private(target: ReplyTarget | None) -> bool:
    """Whether a reply answers a private message (and so goes through the Send API)."""
    return target is not None and (bool(target.extra.get("conversation_id")) or is_message_id(target.remote_id))


def parse_time(value: Any) -> datetime | None:
    """Graph's ``2026-12-06T10:00:00+0000``, or a Unix time (some copies of the docs show one)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def party(value: Any) -> dict[str, Any]:
    """A participant as Graph gives it (`from`, one of `to`), or nothing."""
    return value if isinstance(value, dict) else {}


def same_text(a: Any, b: str) -> bool:
    return " ".join(str(a or "").split()) == " ".join(b.split())


@dataclass(frozen=True)
class Wording:
    """What a package says in its own words (its network's name is in them)."""

    outside_window: Callable[[timedelta | None], Text]  # how long ago the person last wrote (None: not found)
    too_long: Text
    missing_permission: Callable[[list[str]], Text]


@dataclass
class Mailbox:
    """One account's private messages.

    `owner` is the id Meta gives the account in conversations (the Page id, the
    Instagram account id); `listing` the node whose ``/conversations`` list them (the Page,
    or ``me`` with Instagram Login); `platform` the list's ``platform`` parameter; `sender`
    the node whose ``/messages`` is the Send API; `own_name` the account's username when
    Meta names participants by username."""

    client: GraphClient
    owner: str
    listing: str
    platform: str
    sender: str
    author: Callable[[dict[str, Any]], RemoteAuthor]
    wording: Wording
    max_text: int
    text_size: Callable[[str], int] = len
    own_name: str = ""

    # -- reading -------------------------------------------------------------------------
    def fetch(self, cursor: str | None) -> InboxPage:
        since, seen = read_cursor(cursor, timezone.now())
        items: list[InboundItem] = []
        try:
            for conversation in self.client.pages(f"{self.listing}/conversations", max_pages=CONVERSATION_PAGES,
                                                   platform=self.platform, fields=CONVERSATION_FIELDS):
                updated = parse_time(conversation.get("updated_time"))
                if updated is not None and updated < since:
                    break  # most recently active first: the others have nothing newer
                items += self.newer(conversation, since, seen)
        except MissingPermission as error:
            raise self.not_granted(error) from error
        return page_after(items, cursor, since, seen)

    def not_granted(self, error: MissingPermission) -> NetworkError:
        """Messages are the one feature some connections did not grant (accounts connected
        before parvis asked for them): say so, without asking to reconnect the account for
        everything else it does."""
        return NetworkError(self.wording.missing_permission(error.permissions), ErrorKind.PERMANENT)

    def newer(self, conversation: dict[str, Any], since: datetime, seen: set[str]) -> list[InboundItem]:
        conversation_id = str(conversation.get("id") or "")
        if not conversation_id:
            return []
        other = self.other_participant(conversation)
        found = []
        for raw in self.client.pages(f"{conversation_id}/messages", max_pages=MESSAGE_PAGES, fields=MESSAGE_FIELDS):
            item = self.item(raw, conversation_id, other)
            if item is None:
                continue
            if item.created_at < since:
                break  # newest first
            if item.created_at > since or item.remote_id not in seen:
                found.append(item)
        return found

    def other_participant(self, conversation: dict[str, Any]) -> str:
        for party in (conversation.get("participants") or {}).get("data") or []:
            if isinstance(party, dict) and not self.is_ours(party):
                return str(party.get("id") or "")
        return ""

    def is_ours(self, party: dict[str, Any]) -> bool:
        if str(party.get("id") or "") == self.owner:
            return True
        return bool(self.own_name) and clean_text(party.get("username")) == self.own_name

    def item(self, raw: dict[str, Any], conversation_id: str, other: str = "") -> InboundItem | None:
        created = parse_time(raw.get("created_time"))
        if created is None or not raw.get("id"):
            return None
        sender = party(raw.get("from"))
        ours = self.is_ours(sender)
        receivers = [p for p in (raw.get("to") or {}).get("data") or [] if isinstance(p, dict)]
        recipient = other or (str(receivers[0].get("id") or "") if ours and receivers else str(sender.get("id") or ""))
        extra: dict[str, Any] = {"conversation_id": conversation_id, "recipient": recipient}
        attachments = (raw.get("attachments") or {}).get("data") if isinstance(raw.get("attachments"), dict) else None
        if attachments:
            extra["attachments"] = len(attachments)
        if not ours:
            extra["at"] = created.isoformat()  # the window's start if the conversation cannot be read again
        return InboundItem(
            remote_id=str(raw["id"]), kind=ItemKind.OWN if ours else ItemKind.MESSAGE, author=self.author(sender),
            text=clean_text(raw.get("message")), created_at=created, thread_key=conversation_id,
            root_id=conversation_id, private=True, extra=extra,
        )

    def refresh(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        """Messages as they are now; one that cannot be read is left out (see the module)."""
        out: dict[str, InboundItem | None] = {}
        for remote_id in remote_ids:
            try:
                raw = self.client.get(remote_id, fields=MESSAGE_FIELDS)
            except MissingPermission:
                continue
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    raise
                continue
            item = self.item(raw, "")
            if item is not None:
                out[remote_id] = item
        return out

    # -- answering -----------------------------------------------------------------------
    def send(self, request: PublishRequest) -> RemotePost:
        target = request.reply_to
        assert target is not None
        conversation, recipient = str(target.extra.get("conversation_id") or ""), str(target.extra.get("recipient")
                                                                                        or "")
        if not conversation or not recipient:
            raise NetworkError(Text.gettext("parvis does not know whom this message answers: answer the person's "
                                            "own message in the conversation."), ErrorKind.PERMANENT)
        text = request.text.strip()
        if self.text_size(text) > self.max_text:
            raise NetworkError(self.wording.too_long, ErrorKind.PERMANENT, field="text")
        try:
            last = self.last_from(conversation, recipient) or self.target_time(target)
        except MissingPermission as error:
            raise self.not_granted(error) from error
        age = timezone.now() - last if last is not None else None
        if age is None or age > STANDARD_WINDOW:
            raise NetworkError(self.wording.outside_window(age), ErrorKind.PERMANENT)
        try:
            answer = self.client.post(f"{self.sender}/messages", recipient={"id": recipient},
                                      messaging_type="RESPONSE", message={"text": text})
        except MissingPermission as error:
            raise self.not_granted(error) from error
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not message_id:
            raise NetworkError(Text.gettext("Meta answered the message without its id: it may have been sent."),
                               ErrorKind.TRANSIENT, uncertain=True)
        return RemotePost(remote_id=str(message_id), url="", created_at=timezone.now())

    def last_from(self, conversation: str, person: str) -> datetime | None:
        """When `person` last wrote in the conversation, read now (the newest 100 messages)."""
        for raw in self.newest(conversation, "id,from,created_time"):
            sender = party(raw.get("from"))
            if str(sender.get("id") or "") == person and not self.is_ours(sender):
                return parse_time(raw.get("created_time"))
        return None

    @staticmethod
    def target_time(target: ReplyTarget) -> datetime | None:
        at = target.extra.get("at")
        try:
            return datetime.fromisoformat(str(at)) if at else None
        except ValueError:
            return None

    def newest(self, conversation: str, fields: str) -> Iterator[dict[str, Any]]:
        yield from self.client.pages(f"{conversation}/messages", max_pages=MESSAGE_PAGES, fields=fields)

    def find_sent(self, request: PublishRequest, since: datetime) -> Lookup:
        """Our message with this text since the first attempt, or unknown (never absent:
        the Send API has no idempotency key, and a message Meta took may not show yet)."""
        target = request.reply_to
        assert target is not None
        conversation = str(target.extra.get("conversation_id") or "")
        if conversation:
            for raw in self.newest(conversation, "id,message,from,created_time"):
                created = parse_time(raw.get("created_time"))
                if created is not None and created < since - CLOCK_SLACK:
                    break
                sender = party(raw.get("from"))
                if self.is_ours(sender) and same_text(raw.get("message"), request.text):
                    return Lookup.found(RemotePost(remote_id=str(raw["id"]), url="", created_at=created))
        return Lookup.unknown(Text.gettext(
            "Meta does not say whether this message went out (its Send API cannot recognise a repeated message), "
            "and the conversation does not show it: check the conversation before sending it again."))

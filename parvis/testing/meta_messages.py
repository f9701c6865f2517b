"""Private messages on the fake Graph API: Messenger conversations of a Page and
Instagram conversations of a professional account (through its Page, or with an
Instagram-Login token), read with the Conversations API and answered with the Send API,
which keeps the 24-hour standard messaging window (meta.md, 5.5).

A test adds what people write with `add_message`; what the account sends goes through
`POST /{page-or-ig-id}/messages` as a real client would, and is kept in the same
conversation, so that both sides read back in order."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from parvis.testing.fake_network import Request, Response
from parvis.testing.meta_graph import InstagramAccount, MetaBase, Page, Token, graph_error, graph_time, missing

STANDARD_WINDOW = 24 * 3600  # seconds after the person's last message (meta.md 5.5)
HUMAN_AGENT_WINDOW = 7 * 24 * 3600  # with the HUMAN_AGENT tag, for apps Meta approved for it
DETAILED_MESSAGES = 20  # only a conversation's 20 newest messages can be read one by one
MAX_TEXT = {"messenger": 2000, "instagram": 1000}  # Messenger: characters; Instagram: bytes
OUTSIDE_WINDOW = ("(#10) This message is sent outside of allowed window. Learn more about the new policy here: "
                  "https://developers.facebook.com/docs/messenger-platform/policy-overview")
# The permission each kind of token needs for messages (meta.md 8): a Page token for its
# Messenger conversations, or for its linked Instagram account's; an Instagram-Login token.
MESSAGING_SCOPES = {("page", "messenger"): "pages_messaging", ("page", "instagram"): "instagram_manage_messages",
                    ("instagram", "instagram"): "instagram_business_manage_messages"}
PLATFORMS = ("messenger", "instagram")


@dataclass
class Conversation:
    id: str
    owner: str  # the Page id (Messenger) or the Instagram account id
    platform: str  # "messenger" or "instagram"
    user_id: str  # the person's Page-scoped (PSID) or Instagram-scoped (IGSID) id
    user_name: str  # their Facebook name or Instagram username
    messages: list[str] = field(default_factory=list)  # oldest first
    unavailable: bool = False  # the person blocked the account or turned messages off: #551


@dataclass
class DirectMessage:
    id: str
    conversation: str
    from_us: bool
    text: str
    created: float


def _alnum(raw: str) -> str:
    """An id in the shape Instagram gives (base64 letters and digits only)."""
    return "".join(c for c in base64.b64encode(raw.encode()).decode() if c.isalnum())


class Messaging(MetaBase):
    def __init__(self) -> None:
        super().__init__()
        self.conversations: dict[str, Conversation] = {}
        self.direct_messages: dict[str, DirectMessage] = {}
        self.human_agent_approved = False  # whether Meta approved the app for the HUMAN_AGENT tag

    def owner_of(self, object_id: str) -> str | None:
        message = self.direct_messages.get(object_id)
        conversation = self.conversations.get(message.conversation if message else object_id)
        return conversation.owner if conversation is not None else super().owner_of(object_id)

    def add_messaging_routes(self) -> None:
        v = self.V
        self.route("GET", v + r"/(?P<node>\w+)/conversations", self.list_conversations)
        self.route("GET", v + r"/(?P<node>\w+)/messages", self.list_messages)
        self.route("POST", v + r"/(?P<node>\w+)/messages", self.send_message)

    # -- test helpers ----------------------------------------------------------------------
    def add_message(self, owner: Page | InstagramAccount, from_user: str, text: str,
                    at: float | None = None) -> DirectMessage:
        """A message `from_user` (a Facebook name, or an Instagram username) writes to a
        Page on Messenger or to an Instagram account, at fake time `at` (default: now).
        Their conversation is made on their first message."""
        with self.lock:
            conversation = self.conversation_with(owner, from_user)
            return self.new_message(conversation, False, text, self.now if at is None else at)

    def conversation_with(self, owner: Page | InstagramAccount, user: str) -> Conversation:
        platform = "instagram" if isinstance(owner, InstagramAccount) else "messenger"
        user_id = str((6 if platform == "instagram" else 7) * 10**15 + zlib.crc32(f"{owner.id}/{user}".encode()))
        for conversation in self.conversations.values():
            if conversation.owner == owner.id and conversation.user_id == user_id:
                return conversation
        number = self.new_id(10**15)
        conversation_id = f"t_{number}" if platform == "messenger" else _alnum(f"ig_message_thread:1:{number}")
        conversation = Conversation(conversation_id, owner.id, platform, user_id, user)
        self.conversations[conversation_id] = conversation
        return conversation

    def new_message(self, conversation: Conversation, from_us: bool, text: str, at: float) -> DirectMessage:
        number = self.new_id(10**15)
        message_id = f"m_{number}x{zlib.crc32(text.encode()):08x}" if conversation.platform == "messenger" \
            else _alnum(f"ig_message_item:1:IGMessage:{conversation.owner}:{number}")
        message = DirectMessage(message_id, conversation.id, from_us, text, at)
        self.direct_messages[message_id] = message
        conversation.messages.append(message_id)
        conversation.messages.sort(key=lambda m: (self.direct_messages[m].created, m))
        return message

    def make_unavailable(self, conversation_id: str) -> None:
        """The person can no longer receive the account's messages: sending answers #551."""
        with self.lock:
            self.conversations[conversation_id].unavailable = True

    def sent_messages(self, conversation_id: str) -> list[DirectMessage]:
        """What the account sent in a conversation, oldest first."""
        with self.lock:
            found = [self.direct_messages[m] for m in self.conversations[conversation_id].messages]
            return [m for m in found if m.from_us]

    # -- rendering -------------------------------------------------------------------------
    def owner_party(self, conversation: Conversation) -> dict[str, Any]:
        if conversation.platform == "instagram":
            account = self.instagram_accounts[conversation.owner]
            return {"username": account.username, "id": account.id}
        page = self.pages[conversation.owner]
        return {"name": page.name, "email": f"{page.id}@facebook.com", "id": page.id}

    def user_party(self, conversation: Conversation) -> dict[str, Any]:
        if conversation.platform == "instagram":
            return {"username": conversation.user_name, "id": conversation.user_id}
        return {"name": conversation.user_name, "email": f"{conversation.user_id}@facebook.com",
                "id": conversation.user_id}

    def message_values(self, message: DirectMessage) -> dict[str, Any]:
        conversation = self.conversations[message.conversation]
        us, them = self.owner_party(conversation), self.user_party(conversation)
        sender, receiver = (us, them) if message.from_us else (them, us)
        return {"__type__": "Message", "id": message.id, "created_time": graph_time(message.created),
                "message": message.text, "from": sender, "to": {"data": [receiver]},
                "attachments": {"data": []}, "is_unsupported": False}

    def conversation_values(self, conversation: Conversation) -> dict[str, Any]:
        ids = conversation.messages
        newest = self.direct_messages[ids[-1]].created if ids else self.now
        newest_first = [self.direct_messages[m] for m in reversed(ids)]
        return {"__type__": "Conversation", "id": conversation.id, "updated_time": graph_time(newest),
                "message_count": len(ids), "can_reply": not conversation.unavailable,
                "link": f"/{conversation.owner}/inbox/{conversation.id}",
                "participants": {"data": [self.owner_party(conversation), self.user_party(conversation)]},
                "messages": lambda sub: {"data": [self.pick(self.message_values(m), sub or "id,created_time")
                                                  for m in newest_first[:25]]}}

    # -- permissions -----------------------------------------------------------------------
    def check_messaging(self, token: Token, platform: str) -> None:
        needed = MESSAGING_SCOPES.get((token.kind, platform), "pages_messaging")
        if needed not in token.scopes:
            raise graph_error(f"(#230) Requires {needed} permission to manage the object", 230)

    def owners_for(self, token: Token, node: str, platform: str) -> list[str]:
        """The accounts whose conversations `GET /{node}/conversations` or the Send API on
        `node` reach: a Page's own (Messenger) or its linked Instagram account's; an
        Instagram-Login token's account."""
        if node not in self.reach(token) or (node not in self.pages and node not in self.instagram_accounts):
            raise missing(node)
        if token.kind == "instagram":
            return [node]
        if token.kind != "page":
            raise graph_error("(#190) This method must be called with a Page Access Token", 190)
        if node not in self.pages:
            raise missing(node)
        if platform == "instagram":
            linked = self.pages[node].instagram_id
            return [linked] if linked else []
        return [node]

    # -- routes ----------------------------------------------------------------------------
    def list_conversations(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        node = self.me(node, token)
        platform = request.query.get("platform", "instagram" if token.kind == "instagram" else "messenger")
        if platform not in PLATFORMS:
            raise graph_error("(#100) param platform must be one of {MESSENGER, INSTAGRAM} - got "
                              f"\"{platform}\"", 100)
        owners = self.owners_for(token, node, platform)
        self.check_messaging(token, platform)
        found = [c for c in self.conversations.values() if c.owner in owners and c.platform == platform
                 and c.messages]
        if "user_id" in request.query:
            found = [c for c in found if c.user_id == request.query["user_id"]]
        found.sort(key=lambda c: (self.direct_messages[c.messages[-1]].created, c.id), reverse=True)
        return Response(200, self.paged(request, [self.select(self.conversation_values(c), request,
                                                              "id,updated_time") for c in found]))

    def list_messages(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        conversation = self.conversations.get(node)
        if conversation is None:
            raise missing(node)
        self.check_reach(node, token)
        self.check_messaging(token, conversation.platform)
        newest_first = [self.direct_messages[m] for m in reversed(conversation.messages)]
        return Response(200, self.paged(request, [self.select(self.message_values(m), request, "id,created_time")
                                                  for m in newest_first]))

    def message_node(self, node: str, token: Token) -> dict[str, Any]:
        """`GET /{message-id}`: only a conversation's 20 newest messages answer."""
        message = self.direct_messages[node]
        conversation = self.conversations[message.conversation]
        self.check_messaging(token, conversation.platform)
        if node not in conversation.messages[-DETAILED_MESSAGES:]:
            raise missing(node)
        return self.message_values(message)

    def send_message(self, request: Request, node: str) -> Response:
        """The Send API: `recipient={"id"}`, `message={"text"}`, `messaging_type`, `tag`."""
        token = self.auth(request)
        node = self.me(node, token)
        form = request.form
        try:
            recipient = json.loads(form.get("recipient") or "null")
            message = json.loads(form.get("message") or "null")
        except ValueError as exc:
            raise graph_error("(#100) param recipient must be a JSON object", 100) from exc
        if not isinstance(recipient, dict) or not recipient.get("id"):
            raise graph_error("(#100) The parameter recipient is required", 100)
        if not isinstance(message, dict) or not str(message.get("text") or "").strip():
            raise graph_error("(#100) param message must be non-empty.", 100)
        user_id, text = str(recipient["id"]), str(message["text"])
        candidates = self.owners_for(token, node, "messenger") + (
            self.owners_for(token, node, "instagram") if token.kind == "page" else [])
        conversation = next((c for c in self.conversations.values()
                             if c.owner in candidates and c.user_id == user_id), None)
        if conversation is None:
            raise graph_error("(#100) No matching user found", 100, 2018001)
        self.check_messaging(token, conversation.platform)
        limit = MAX_TEXT[conversation.platform]
        if (len(text.encode()) if conversation.platform == "instagram" else len(text)) > limit:
            raise graph_error(f"(#100) Length of param message[text] must be less than or equal to {limit}", 100)
        kind = form.get("messaging_type", "RESPONSE")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            raise graph_error("(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}", 100)
        if conversation.unavailable:
            raise graph_error("(#551) This person isn't available right now.", 551, 1545041)
        theirs = [self.direct_messages[m] for m in conversation.messages if not self.direct_messages[m].from_us]
        window = HUMAN_AGENT_WINDOW if kind == "MESSAGE_TAG" and form.get("tag") == "HUMAN_AGENT" \
            and self.human_agent_approved else STANDARD_WINDOW
        if not theirs or self.now - theirs[-1].created > window:
            raise graph_error(OUTSIDE_WINDOW, 10, 2018278)
        sent = self.new_message(conversation, True, text, self.now)
        return Response(200, {"recipient_id": user_id, "message_id": sent.id})

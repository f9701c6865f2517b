"""An Instagram professional account's private conversations in the inbox, and answers to
them (the shared Conversations and Send API code is `parvis.networks.graph_messages`;
meta.md, 5.5). Through Facebook Login they are the linked Page's conversations with
``platform=instagram``; through Instagram Login, the account's own (``/me/conversations``
on graph.instagram.com).

People are named by their username, keyed by their Instagram-scoped id (IGSID), which is
also where an answer goes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parvis.core.texts import Text
from parvis.networks.base import RemoteAuthor
from parvis.networks.graph import GraphClient
from parvis.networks.graph_messages import Mailbox, Wording
from parvis.networks.text import clean_text

MAX_TEXT_BYTES = 1000  # one Instagram text message, in UTF-8 bytes (meta.md, 5.5)


def outside_window(age: timedelta | None) -> Text:
    if age is None:
        return Text.gettext("Instagram lets an account answer only within 24 hours of the person's last message, and "
                            "none of theirs is left in the conversation: this reply was not sent. It can be sent "
                            "once they write again.")
    return Text.gettext("Instagram lets an account answer a message only within 24 hours of the person's last "
                        "message, and theirs came %(hours)s hours ago: this reply was not sent. It can be sent once "
                        "they write again.", hours=int(age.total_seconds() // 3600))


def missing_permission(permissions: list[str]) -> Text:
    return Text.gettext("Instagram messages need the permission %(permissions)s, which this account's connection "
                        "did not grant: connect the account again and grant it to see its messages here.",
                        permissions=", ".join(permissions))


WORDING = Wording(outside_window=outside_window,
                  too_long=Text.gettext("Instagram takes at most 1,000 bytes in a message (fewer characters with "
                                        "accents or emoji)."),
                  missing_permission=missing_permission)


def person(party: dict[str, Any]) -> RemoteAuthor:
    igsid = str(party.get("id") or "")
    username = clean_text(party.get("username"))
    return RemoteAuthor(key=igsid or username, remote_id=igsid, handle=f"@{username}" if username else igsid,
                        display_name=username, url=f"https://www.instagram.com/{username}/" if username else "")


def utf8_size(text: str) -> int:
    return len(text.encode())


def mailbox(client: GraphClient, ig_id: str, username: str, page_id: str | None) -> Mailbox:
    """`page_id`: the linked Page (Facebook Login); None with Instagram Login."""
    return Mailbox(client=client, owner=ig_id, listing=page_id or "me", platform="instagram",
                   sender=page_id or ig_id, author=person, wording=WORDING, max_text=MAX_TEXT_BYTES,
                   text_size=utf8_size, own_name=username.lstrip("@"))

"""A Page's Messenger conversations in the inbox, and answers to them (the shared
Conversations and Send API code is `parvis.networks.graph_messages`; meta.md, 5.5).

People are named as Messenger names them: their name, keyed by their Page-scoped id
(PSID), which is also where an answer goes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parvis.core.texts import Text
from parvis.networks.base import RemoteAuthor
from parvis.networks.graph import GraphClient
from parvis.networks.graph_messages import Mailbox, Wording
from parvis.networks.text import clean_text

MAX_TEXT = 2000  # characters in one Messenger text message (meta.md, 5.5)


def outside_window(age: timedelta | None) -> Text:
    if age is None:
        return Text.gettext("Messenger lets a Page answer only within 24 hours of the person's last message, and "
                            "none of theirs is left in the conversation: this reply was not sent. It can be sent "
                            "once they write again.")
    return Text.gettext("Messenger lets a Page answer only within 24 hours of the person's last message, and theirs "
                        "came %(hours)s hours ago: this reply was not sent. It can be sent once they write again.",
                        hours=int(age.total_seconds() // 3600))


def missing_permission(permissions: list[str]) -> Text:
    return Text.gettext("Messenger messages need the permission %(permissions)s, which this Page's connection did "
                        "not grant: connect the Page again and grant it to see its messages here.",
                        permissions=", ".join(permissions))


WORDING = Wording(outside_window=outside_window,
                  too_long=Text.gettext("Messenger takes at most 2,000 characters in a message."),
                  missing_permission=missing_permission)


def person(party: dict[str, Any]) -> RemoteAuthor:
    psid = str(party.get("id") or "")
    name = clean_text(party.get("name")) or psid or "?"
    return RemoteAuthor(key=psid or name, remote_id=psid, handle=name, display_name=name)


def mailbox(client: GraphClient, page_id: str) -> Mailbox:
    return Mailbox(client=client, owner=page_id, listing=page_id, platform="messenger", sender=page_id,
                   author=person, wording=WORDING, max_text=MAX_TEXT)

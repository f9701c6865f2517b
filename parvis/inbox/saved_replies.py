"""Saved replies: a workspace's FAQ, searched and inserted into a reply with variables
filled in (`{name}`, `{handle}`, `{brand}`, `{me}`, `{account}`).

Variables are replaced with a regular expression, never `str.format`: a body is written
by people and may hold other braces (`:-{`), and `format` would also let `{name.__class__}`
reach attributes. A `{word}` that is not a known variable is refused when the reply is
saved, so that no half-filled answer reaches the network.

The crisis set: replies flagged `crisis` are pinned first while the workspace's
publishing is paused for a crisis (`EditorialSettings.is_paused`); otherwise all are in title
order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.inbox.models import Item, SavedReply
from parvis.inbox.search import normalise, terms
from parvis.publishing.models import EditorialSettings
from parvis.publishing.validation import FieldError, PostValidationError

MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 5000
VARIABLE = re.compile(r"\{(\w+)\}")


def _author_name(item: Item, user: User) -> str:
    return item.author.name


def _author_handle(item: Item, user: User) -> str:
    handle = item.author.handle.strip().lstrip("@")
    return f"@{handle}" if handle else ""


def _brand(item: Item, user: User) -> str:
    return item.workspace.name


def _me(item: Item, user: User) -> str:
    return signature_of(user)


def _account(item: Item, user: User) -> str:
    return item.account.handle


# What each variable says (shown in forms and errors) and how it is filled.
VARIABLES: dict[str, tuple[object, Callable[[Item, User], str]]] = {
    "name": (gettext_lazy("the author's name"), _author_name),
    "handle": (gettext_lazy("the author's handle, as a mention"), _author_handle),
    "brand": (gettext_lazy("the workspace's name"), _brand),
    "me": (gettext_lazy("your first name"), _me),
    "account": (gettext_lazy("the brand's account that received the message"), _account),
}


def signature_of(user: User) -> str:
    """The person's first name, else their username; an email address used as username
    is cut to its local part, because the text goes out in public."""
    first = user.first_name.strip()
    if first:
        return first
    return user.get_username().split("@")[0]


@dataclass
class SavedReplyInput:
    title: str
    body: str
    crisis: bool = False


def known_variables() -> str:
    return ", ".join("{" + name + "}" for name in VARIABLES)


def check(data: SavedReplyInput) -> list[FieldError]:
    errors: list[FieldError] = []
    title, body = data.title.strip(), data.body.strip()
    if not title:
        errors.append(FieldError("title", _("Give the saved reply a title."), "required"))
    elif len(title) > MAX_TITLE_CHARS:
        errors.append(FieldError("title", _("%(max)d characters at most.") % {"max": MAX_TITLE_CHARS},
                                 "too_long"))
    if not body:
        errors.append(FieldError("body", _("Write the text of the reply."), "required"))
    elif len(body) > MAX_BODY_CHARS:
        errors.append(FieldError("body", _("%(max)d characters at most.") % {"max": MAX_BODY_CHARS},
                                 "too_long"))
    unknown = sorted({name for name in VARIABLE.findall(body) if name not in VARIABLES})
    if unknown:
        errors.append(FieldError("body", _("Unknown variable %(unknown)s; the known ones are: %(known)s.") % {
            "unknown": ", ".join("{" + name + "}" for name in unknown), "known": known_variables()},
            "unknown_variable"))
    return errors


def _clean(data: SavedReplyInput) -> SavedReplyInput:
    errors = check(data)
    if errors:
        raise PostValidationError(errors)
    # Windows line ends from a textarea would count twice against network limits.
    return SavedReplyInput(title=data.title.strip(), body=data.body.replace("\r\n", "\n").strip(),
                           crisis=data.crisis)


@transaction.atomic
def create_saved_reply(workspace: Workspace, user: User, data: SavedReplyInput) -> SavedReply:
    """Raises PostValidationError (fields named) when the input is not valid."""
    clean = _clean(data)
    saved = SavedReply.objects.create(workspace=workspace, title=clean.title, body=clean.body,
                                      crisis=clean.crisis, created_by=user)
    record(workspace, "saved_reply.created", actor=user, target=saved, summary=saved.title, after=saved.body)
    return saved


@transaction.atomic
def update_saved_reply(saved: SavedReply, user: User, data: SavedReplyInput) -> SavedReply:
    clean = _clean(data)
    before = saved.body
    saved.title, saved.body, saved.crisis = clean.title, clean.body, clean.crisis
    saved.save(update_fields=["title", "body", "crisis", "updated_at"])
    record(saved.workspace, "saved_reply.updated", actor=user, target=saved, summary=saved.title,
           before=before, after=saved.body)
    return saved


@transaction.atomic
def delete_saved_reply(saved: SavedReply, user: User) -> None:
    record(saved.workspace, "saved_reply.deleted", actor=user, target=saved, summary=saved.title,
           before=saved.body)
    saved.delete()


def search(workspace: Workspace, q: str = "") -> list[SavedReply]:
    """The workspace's saved replies whose title or body holds every word of `q` (case
    and accents ignored), crisis ones first during a crisis pause, then by title.

    Matched in Python: a workspace's FAQ is tens to a few hundred short texts, and the
    model keeps no normalised column to index."""
    replies = list(SavedReply.objects.filter(workspace=workspace))
    words = terms(q)
    if words:
        replies = [saved for saved in replies
                   if all(word in normalise(f"{saved.title} {saved.body}") for word in words)]
    pinned = EditorialSettings.of(workspace).is_paused
    replies.sort(key=lambda saved: (pinned and not saved.crisis, normalise(saved.title), saved.pk))
    return replies


def render(saved: SavedReply, item: Item, user: User) -> str:
    """The saved reply's text for `item`, written by `user`. A variable without a value
    (an author with no name) becomes empty rather than staying as `{name}`."""
    def fill(match: re.Match[str]) -> str:
        known = VARIABLES.get(match.group(1))
        return known[1](item, user) if known is not None else match.group(0)

    return VARIABLE.sub(fill, saved.body)


def count_use(saved: SavedReply) -> None:
    """One more use (an F expression: two people inserting at once both count)."""
    SavedReply.objects.filter(pk=saved.pk).update(uses=F("uses") + 1)
    saved.refresh_from_db(fields=["uses"])

"""Internal comments on a post: team notes that client approvers never see, with
@mentions that notify the teammates named.

A mention is `@first-name`, `@local-part` of an email or `@full@email`, matched without
regard to case, and only ever against the post's workspace members: naming someone from
outside the workspace notifies nobody and reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from parvis.accounts.actions import notify
from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.publishing.models import Comment, Post
from parvis.publishing.validation import FieldError, PostValidationError

MAX_BODY = 5000
# "@marie", "@jean.dupont", "@marie@agence.test"; a trailing dot ends a sentence, not a name.
MENTION = re.compile(r"(?<![\w@])@([\w][\w.+-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


def mention_handles(body: str) -> list[str]:
    return [match.rstrip(".").lower() for match in MENTION.findall(body)]


def handles_of(user: User) -> set[str]:
    """Every way a person can be @mentioned."""
    email = user.email.lower()
    handles = {email, email.split("@", 1)[0]}
    if user.first_name.strip():
        handles.add(user.first_name.strip().lower())
    return handles


def members_by_handle(workspace: Workspace) -> dict[str, list[User]]:
    found: dict[str, list[User]] = {}
    for user in User.objects.filter(memberships__workspace=workspace).order_by("pk"):
        for handle in handles_of(user):
            found.setdefault(handle, []).append(user)
    return found


def resolve_mentions(workspace: Workspace, body: str) -> list[User]:
    """The workspace members named in `body`, each once, in the order first named. Two
    members with the same first name are both named by it: better told twice than missed."""
    directory = members_by_handle(workspace)
    mentioned: dict[int, User] = {}
    for handle in mention_handles(body):
        for user in directory.get(handle, []):
            mentioned.setdefault(user.pk, user)
    return list(mentioned.values())


def post_path(post: Post) -> str:
    """The page of a post: its first publication's, else its composer."""
    first = post.publications.order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        return reverse("web:publication", args=[post.workspace_id, first])
    return reverse("web:post_edit", args=[post.workspace_id, post.pk])


@transaction.atomic
def add_internal_comment(post: Post, author: User, body: str) -> Comment:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise PostValidationError([FieldError("body", _("Write a comment first."), "required")])
    if len(body) > MAX_BODY:
        raise PostValidationError([FieldError("body", _("A comment is %(max)d characters at most.")
                                              % {"max": MAX_BODY}, "too_long")])
    workspace = post.workspace
    comment = Comment.objects.create(post=post, author=author, author_label=str(author), body=body,
                                     internal=True, kind="comment")
    mentioned = [user for user in resolve_mentions(workspace, body) if user.pk != author.pk]
    record(workspace, "comment.internal", actor=author, target=post,
           summary=_notify_summary(mentioned), after=body)
    _notify_mentioned(mentioned, post, author, body)
    return comment


def _notify_summary(mentioned: Iterable[User]) -> str | Text:
    names = ", ".join(user.email for user in mentioned)
    return Text.gettext("mentions: %(names)s", names=names) if names else ""


def _notify_mentioned(users: list[User], post: Post, author: User, body: str) -> None:
    if not users:
        return
    workspace = post.workspace
    # Each person reads it in their own language (`notify`).
    notify(users, workspace, "mention",
           Text.gettext("%(name)s mentioned you on a post of %(workspace)s", name=str(author),
                        workspace=workspace.name),
           Text.gettext("%(name)s wrote on the post “%(post)s”:\n\n%(body)s", name=str(author),
                        post=post.text[:60], body=body), post_path(post))

"""Replying from the inbox.

A reply is a `Post` of kind reply with one publication on the item's account, due now,
carrying where it goes (`Publication.reply_to`). The dispatcher and the engine publish
it exactly like a scheduled post: same claim, same idempotency key, same reconciliation
after a crash or a timeout, so a reply is sent once, never twice. Replies are not held by
the crisis pause nor by client approval (see `engine.released_filter`).

Once the publication is published, `link_published` (a dispatcher sweep) puts it in the
item's thread as one of our items and records the item's first response.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User
from parvis.inbox.ingest import search_text_for, store
from parvis.inbox.models import Author, Item, Kind, Reply, Status
from parvis.networks import registry
from parvis.networks.base import InboundItem, ItemKind, NetworkError, ReplyTarget
from parvis.networks.models import SocialAccount
from parvis.publishing.models import ApprovalState, Post, PostKind, Publication, State
from parvis.publishing.validation import FieldError, PostInput, PostValidationError, check_account

MAX_REPLY_CHARS = 10_000  # far above any network's limit: the network's own limit is checked too


def reply_target(item: Item) -> dict[str, object]:
    """What the connector needs to thread the reply: the item, its thread's root, and the
    network references kept when it was ingested (Bluesky cids, Mastodon visibility)."""
    return {"remote_id": item.remote_id, "root_id": item.root_remote_id or item.remote_id, "extra": item.extra}


def outgoing_text(item: Item, text: str) -> str:
    """The text as the network will receive it: a network whose replies need mentions
    (`NetworkInfo.replies_need_mentions`) puts the @mentions its connector's `reply_text`
    adds in front (unless written), and those count against its limit."""
    if not registry.get(item.account.network).replies_need_mentions:
        return text
    connector: Any = item.account.checking_connector
    return str(connector.reply_text(text, ReplyTarget(**reply_target(item))))  # type: ignore[arg-type]


def check_reply(item: Item, text: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not text.strip():
        errors.append(FieldError("text", _("Write your reply."), "required"))
        return errors
    if len(text) > MAX_REPLY_CHARS:
        errors.append(FieldError("text", _("This reply is too long."), "too_long"))
        return errors
    if item.deleted_at is not None:
        errors.append(FieldError("item", _("This message was deleted on the network: it can no longer be "
                                           "answered."), "deleted"))
    window = window_error(item)
    if window is not None:
        errors.append(window)
    errors += check_account(item.account, PostInput(text=outgoing_text(item, text), accounts=[item.account],
                                                    mode="now", workspace=item.workspace))
    return errors


def window_error(item: Item, now: datetime | None = None) -> FieldError | None:
    """A private message its network lets the account answer only for a while after the
    person's last one (`NetworkInfo.private_reply_window`), past that time: said at once,
    from the messages stored. The connector checks again with the network before sending."""
    window = registry.get(item.account.network).private_reply_window
    if window is None or not item.private:
        return None
    last = Item.objects.filter(thread_id=item.thread_id, kind=Kind.MESSAGE).aggregate(last=Max("created_at"))["last"]
    if last is None:
        return None
    ago = (now or timezone.now()) - last
    if ago <= window:
        return None
    return FieldError("text", _("%(network)s lets an account answer a private message only within %(hours)d hours of "
                                "the person's last message, and theirs came %(ago)d hours ago. Your reply can be "
                                "sent once they write again.") % {
        "network": item.account.network_info.label, "hours": int(window.total_seconds() // 3600),
        "ago": int(ago.total_seconds() // 3600)}, "outside_window")


@transaction.atomic
def send_reply(item: Item, text: str, user: User, now: datetime | None = None) -> Reply:
    """Queue a reply to `item` for publishing now. Raises PostValidationError (field
    named) when it cannot be sent; nothing is written then."""
    errors = check_reply(item, text)
    if errors:
        raise PostValidationError(errors)
    now = now or timezone.now()
    post = Post.with_replies.create(
        workspace_id=item.workspace_id, author=user, text=text, kind=PostKind.REPLY, scheduled_at=now,
        approval_state=ApprovalState.NONE, language=item.language,
    )
    Publication.objects.create(post=post, account=item.account, state=State.SCHEDULED, due_at=now,
                               next_attempt_at=now, reply_to=reply_target(item))
    reply = Reply.objects.create(item=item, post=post, author=user)
    if item.status == Status.OPEN:
        # Answered, waiting for the person: the conventional "pending" of support inboxes.
        Item.objects.filter(pk=item.pk).update(status=Status.PENDING)
        item.status = Status.PENDING
    return reply


def link_published(now: datetime | None = None, limit: int = 200) -> int:
    """Put published replies into their threads (idempotent: runs every dispatcher pass)."""
    now = now or timezone.now()
    todo = (Reply.objects.filter(linked_at__isnull=True, post__publications__state=State.PUBLISHED)
            .select_related("item", "item__thread", "item__account", "post")[:limit])
    linked = 0
    for reply in todo:
        publication = reply.post.publications.get()
        ours = _read_back(reply.item.account, publication)  # a network call: outside the transaction
        with transaction.atomic():
            if not Reply.objects.filter(pk=reply.pk, linked_at__isnull=True).update(linked_at=now):
                continue  # another dispatcher did it
            _add_own_item(reply, publication, ours, now)
            record_response(reply.item, reply.author, publication.published_at or now)
        linked += 1
    return linked


def _read_back(account: SocialAccount, publication: Publication) -> InboundItem | None:
    try:
        found = registry.connector_for(account).refresh_items([publication.remote_id])  # type: ignore[attr-defined]
    except NetworkError:
        return None
    return found.get(publication.remote_id)


def _add_own_item(reply: Reply, publication: Publication, ours: InboundItem | None, now: datetime) -> None:
    """Our reply in the thread, as the network has it (its text with any mention added,
    our author as the network names us); from what we sent if it could not be read."""
    item, account = reply.item, reply.item.account
    if ours is not None:
        store(account, [replace(ours, kind=ItemKind.OWN, thread_key=item.thread.key,
                                in_reply_to_id=item.remote_id)], analyser=lambda items: None, now=now)
        return
    me, _created = Author.objects.get_or_create(
        workspace_id=item.workspace_id, network=account.network, key=account.remote_id,
        defaults={"remote_id": account.remote_id, "handle": account.handle,
                  "display_name": account.display_name, "avatar_url": account.avatar_url},
    )
    Item.objects.get_or_create(
        account=account, remote_id=publication.remote_id,
        defaults={
            "workspace_id": item.workspace_id, "thread": item.thread, "author": me, "network": account.network,
            "kind": Kind.OWN, "in_inbox": False, "private": item.private, "text": reply.post.text,
            "search_text": search_text_for(reply.post.text, me), "url": publication.remote_url[:500],
            "created_at": publication.published_at or now, "received_at": now,
            "in_reply_to_remote_id": item.remote_id, "root_remote_id": item.root_remote_id or item.remote_id,
            "status": Status.DONE,
        },
    )


def record_response(item: Item, user: User | None, at: datetime) -> None:
    """The first response to an item: a reply sent, or the item marked done. Later ones
    don't move it."""
    Item.objects.filter(pk=item.pk, first_response_at__isnull=True).update(
        first_response_at=at, first_response_by=user)


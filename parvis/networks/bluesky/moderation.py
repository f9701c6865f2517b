"""What the account can do to an inbound post or its author on Bluesky.

Likes, reposts and blocks are records in the account's own repository. Each is written
under a record key derived from its subject (``keyed_tid``), so a retry after a timeout
writes the same key and the PDS refuses a second copy: liking twice leaves one like.
Before writing, the AppView's view of the post (or profile) is checked too, so that a
like made from another app is not doubled either; undoing removes both.

Hiding a reply is the thread root's threadgate (``app.bsky.feed.threadgate``, record key
= the root post's): its ``hiddenReplies`` list, kept with whatever reply rules (``allow``)
the gate already has. Only the author of the root can gate a thread, so only replies in
threads the account started can be hidden.

Muting is private state kept by the AppView (``app.bsky.graph.muteActor``); reporting goes
to the account's moderation service (ozone) through the PDS
(``com.atproto.moderation.createReport``): the post itself when there is one (the
moderator sees it and its author), else the account. A report is not idempotent: each
call files one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import grapheme
from atproto import models

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, InboundItem, Moderation, NetworkError, RemoteAuthor
from parvis.networks.bluesky.inbox import _str, as_dict, did_of, iso, rkey_of, strong_ref
from parvis.networks.bluesky.tid import keyed_tid
from parvis.networks.text import clean_text

if TYPE_CHECKING:
    from parvis.networks.bluesky.connector import BlueskyConnector

LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
BLOCK = "app.bsky.graph.block"
THREADGATE = "app.bsky.feed.threadgate"
MAX_HIDDEN_REPLIES = 300  # the threadgate lexicon's maxLength
MAX_REPORT_GRAPHEMES = 2000  # createReport's reason: maxGraphemes
REPORT_REASON = "com.atproto.moderation.defs#reasonOther"
MODERATIONS = frozenset(Moderation)


def _now() -> str:
    return iso(datetime.now(UTC))


class BlueskyModeration:
    def __init__(self, connector: BlueskyConnector) -> None:
        self.connector = connector

    # -- repository records ------------------------------------------------------

    def _call(self, fn: Any, *args: Any, write: bool = False) -> Any:
        return self.connector._call(fn, *args, write=write)  # noqa: SLF001 - same session

    def ensure_record(self, collection: str, key: str, record: dict[str, Any], subject: Any) -> None:
        """Create ``record`` once: under the key derived from ``key``; a record already
        there about the same ``subject`` is ours from an earlier attempt."""
        c = self.connector
        rkey = keyed_tid(key)
        existing = self.connector.get_record(collection, rkey)
        if existing is not None and _subject(existing["value"]) == subject:
            return
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=c.did, collection=collection, record=record, validate=True,
            # A different subject under our key is a hash collision: let the PDS pick one.
            rkey=None if existing is not None else rkey,
        )
        try:
            self._call(c.client.com.atproto.repo.create_record, data, write=True)
        except NetworkError:
            again = self.connector.get_record(collection, rkey)
            if again is None or _subject(again["value"]) != subject:
                raise

    def delete_record(self, uri_or_rkey: str, collection: str) -> None:
        c = self.connector
        # deleteRecord of a record that is not there succeeds: undoing twice is fine.
        self._call(c.client.com.atproto.repo.delete_record, models.ComAtprotoRepoDeleteRecord.Data(
            repo=c.did, collection=collection, rkey=rkey_of(uri_or_rkey)), write=True)

    # -- actions ---------------------------------------------------------------

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor, reason: str) -> None:
        if action in (Moderation.MUTE, Moderation.BLOCK, Moderation.REPORT):
            if not author.remote_id.startswith("did:"):
                raise NetworkError(Text.gettext("This author has no Bluesky identifier (DID)."), ErrorKind.PERMANENT)
            if action is Moderation.MUTE:
                self._call(self.connector.client.app.bsky.graph.mute_actor,
                           models.AppBskyGraphMuteActor.Data(actor=author.remote_id), write=True)
            elif action is Moderation.BLOCK:
                self.block(author.remote_id)
            else:
                self.report(item, author, reason)
            return
        if item is None:
            raise NetworkError(Text.gettext("This action needs a post."), ErrorKind.PERMANENT)
        if action in (Moderation.HIDE, Moderation.UNHIDE):
            self.set_hidden(item, hide=action is Moderation.HIDE)
        elif action in (Moderation.LIKE, Moderation.BOOST):
            self.engage(item, LIKE if action is Moderation.LIKE else REPOST)
        elif action in (Moderation.UNLIKE, Moderation.UNBOOST):
            self.disengage(item, LIKE if action is Moderation.UNLIKE else REPOST)
        else:
            raise NetworkError(Text.gettext("Bluesky does not offer this action."), ErrorKind.PERMANENT)

    def _post_ref(self, item: InboundItem) -> tuple[dict[str, str], dict[str, Any]]:
        """The item's strong ref and the AppView's view of it (for viewer state)."""
        view = self.connector.inbox.get_posts([item.remote_id]).get(item.remote_id)
        if view is None:
            raise NetworkError(Text.gettext("This post was deleted or cannot be seen any more."), ErrorKind.PERMANENT)
        ref = strong_ref(view) or strong_ref(item.extra)
        assert ref is not None  # a view from getPosts always has uri and cid
        return ref, view

    def engage(self, item: InboundItem, collection: str) -> None:
        ref, view = self._post_ref(item)
        viewer = as_dict(view.get("viewer"))
        if viewer.get("like" if collection == LIKE else "repost"):
            return  # already done, from here or from another app
        self.ensure_record(collection, f"{collection}:{ref['uri']}",
                           {"$type": collection, "subject": ref, "createdAt": _now()}, ref["uri"])

    def disengage(self, item: InboundItem, collection: str) -> None:
        self.delete_record(keyed_tid(f"{collection}:{item.remote_id}"), collection)
        view = self.connector.inbox.get_posts([item.remote_id]).get(item.remote_id)
        other = _str(as_dict(as_dict(view).get("viewer")).get("like" if collection == LIKE else "repost"))
        if other and did_of(other) == self.connector.did:
            self.delete_record(other, collection)

    def block(self, did: str) -> None:
        c = self.connector
        profile = as_dict(self._call(c.client.app.bsky.actor.get_profile,
                                     models.AppBskyActorGetProfile.Params(actor=did)))
        if as_dict(profile.get("viewer")).get("blocking"):
            return
        self.ensure_record(BLOCK, f"{BLOCK}:{did}", {"$type": BLOCK, "subject": did, "createdAt": _now()}, did)

    def set_hidden(self, item: InboundItem, *, hide: bool) -> None:
        root = as_dict(item.extra.get("root")).get("uri") or item.root_id or ""
        if not root or root == item.remote_id:
            raise NetworkError(Text.gettext("Only replies can be hidden, not the post that starts a thread."),
                               ErrorKind.PERMANENT)
        if did_of(root) != self.connector.did:
            raise NetworkError(Text.gettext("Only replies in a thread started by this account can be hidden."),
                               ErrorKind.PERMANENT)
        c = self.connector
        # Read, change, write with swapRecord: a gate changed meanwhile (by another app)
        # makes the PDS refuse the write, and the change is made again on what is there.
        last: NetworkError | None = None
        seen_cid: str | None = None
        for _attempt in range(3):
            gate = self.connector.get_record(THREADGATE, rkey_of(root))
            cid = gate["cid"] if gate else None
            if last is not None and cid == seen_cid:
                raise last  # refused for another reason than a concurrent change
            seen_cid = cid
            value = dict(gate["value"]) if gate else {"$type": THREADGATE, "post": root, "createdAt": _now()}
            hidden = [uri for uri in value.get("hiddenReplies") or [] if isinstance(uri, str)]
            if (item.remote_id in hidden) == hide:
                return
            if hide and len(hidden) >= MAX_HIDDEN_REPLIES:
                raise NetworkError(Text.gettext("Bluesky hides at most %(count)d replies per thread.",
                                                count=MAX_HIDDEN_REPLIES), ErrorKind.PERMANENT)
            value["hiddenReplies"] = [*hidden, item.remote_id] if hide else [u for u in hidden if u != item.remote_id]
            try:
                self._call(c.client.com.atproto.repo.put_record, models.ComAtprotoRepoPutRecord.Data(
                    repo=c.did, collection=THREADGATE, rkey=rkey_of(root), record=value, validate=True,
                    swap_record=cid,
                ), write=True)
                return
            except NetworkError as error:
                if error.kind is not ErrorKind.PERMANENT:
                    raise
                last = error
        assert last is not None
        raise last

    def report(self, item: InboundItem | None, author: RemoteAuthor, reason: str) -> None:
        c = self.connector
        subject: Any
        ref = strong_ref(item.extra) if item is not None else None
        if ref is not None and did_of(ref["uri"]) == author.remote_id:
            subject = models.ComAtprotoRepoStrongRef.Main(uri=ref["uri"], cid=ref["cid"])
        else:
            subject = models.ComAtprotoAdminDefs.RepoRef(did=author.remote_id)
        text = clean_text(reason).strip()
        if grapheme.length(text) > MAX_REPORT_GRAPHEMES:
            text = grapheme.slice(text, 0, MAX_REPORT_GRAPHEMES)
        self._call(c.client.com.atproto.moderation.create_report, models.ComAtprotoModerationCreateReport.Data(
            reason_type=REPORT_REASON, subject=subject, reason=text or None), write=True)


def _subject(value: dict[str, Any]) -> str:
    """What a like, repost or block record is about: a post uri or a DID."""
    subject = value.get("subject")
    return _str(as_dict(subject).get("uri")) if isinstance(subject, dict) else _str(subject)

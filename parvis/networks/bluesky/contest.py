"""Who took part in one of the account's posts, for a contest (`ContestConnector`).

Stable id
    The DID: it is the account, whatever its handle becomes (a handle is a domain name,
    and people change it).

Replies: all of them
    ``app.bsky.notification.listNotifications`` with ``reasons=["reply"]``, 100 a page,
    from the newest down to the post's time, keeping those whose record answers the post
    itself (``reply.parent``; a reply below another reply is not an entry). The AppView
    notifies the author of the parent of every reply, @mention or not, and Bluesky
    notifications cannot be dismissed, only marked seen: the list is whole, and paged
    with a cursor that does not grow. ``getPostThread`` would give the same replies in
    one call, but an AppView may cut a large thread (the reference one's branching and
    depth limits), and saying nothing when it does. Left out, as by every Bluesky app:
    replies from accounts the brand blocks or mutes (the AppView sends no notification).
    The cursor keeps the listNotifications page cursor and the post's time.

Follows
    ``listNotifications`` with ``reasons=["follow"]``, read as the replies are (100 a page,
    down to the post's time, the same cursor): each is one ``app.bsky.graph.follow`` record
    of a person, ``at`` its time (as a like's), ``remote_id`` its uri; the contest keeps
    those within its dates. The post only gives that floor: a follow is of the account.
    A follow record deleted (the person left) takes its notification with it.

Reposts and likes
    ``app.bsky.feed.getRepostedBy`` and ``app.bsky.feed.getLikes``, 100 a page with their
    cursors. A like says when it was made (``createdAt``, bounded by when the AppView saw
    it); a repost does not.

Who they are
    The profile views in those answers carry ``createdAt`` and ``labels`` already, so no
    ``app.bsky.actor.getProfiles`` call is made (it would answer the same view: 400 more
    requests for 10,000 people). ``createdAt`` is the profile record's, which the apps
    write when the account is made; a profile without one gives None. An account that
    says it is automated carries the ``bot`` label (the self-label Bluesky asks bots to
    set, or a labeller's).

Following
    ``app.bsky.graph.getRelationships`` (the account and 30 others a call):
    ``followedBy`` is set when the other follows the account.

A private message
    Bluesky keeps them in a separate chat service (``chat.bsky.convo``) that the reference
    servers on npm do not include: nothing here could be tested, so `send_direct` says it
    cannot (None) and the caller answers in public.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from atproto import models

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError, Participant, ParticipantPage, load_cursor
from parvis.networks.bluesky.inbox import _str, as_dict, iso, parse_time, plain_text
from parvis.networks.text import clean_text

if TYPE_CHECKING:
    from parvis.networks.bluesky.connector import BlueskyConnector

WAYS = frozenset({"reply", "repost", "like", "follow"})
PAGE_LIMIT = 100  # listNotifications, getRepostedBy, getLikes: the lexicons' maximum
RELATIONSHIPS_BATCH = 30  # app.bsky.graph.getRelationships
# The AppView sorts notifications by min(indexedAt, createdAt): a reply whose client clock
# ran behind sorts a little before the post it answers.
CLOCK_SLACK = timedelta(minutes=10)
BOT_LABEL = "bot"


def _bot(profile: dict[str, Any]) -> bool:
    return any(as_dict(label).get("val") == BOT_LABEL and not as_dict(label).get("neg")
               for label in profile.get("labels") or [])


class BlueskyContest:
    """The contest reads of one connector (its client, session and error mapping)."""

    def __init__(self, connector: BlueskyConnector) -> None:
        self.connector = connector

    def _call(self, fn: Any, params: Any) -> dict[str, Any]:
        return as_dict(self.connector._call(fn, params))  # noqa: SLF001 - the connector's session-keeping call

    @property
    def _feed(self) -> Any:
        return self.connector.client.app.bsky.feed

    # -- who took part ------------------------------------------------------------------

    def participants(self, uri: str, way: str, cursor: str | None) -> ParticipantPage:
        if way in ("reply", "follow"):
            return self._notified(uri, way, cursor)
        if way == "repost":
            data = self._call(self._feed.get_reposted_by,
                              models.AppBskyFeedGetRepostedBy.Params(uri=uri, limit=PAGE_LIMIT, cursor=cursor))
            found: list[tuple[dict[str, Any], dict[str, Any]]] = [
                (as_dict(p), {"at": None}) for p in data.get("repostedBy") or []]
            return self._page(found, "repost", data, cursor)
        if way == "like":
            data = self._call(self._feed.get_likes,
                              models.AppBskyFeedGetLikes.Params(uri=uri, limit=PAGE_LIMIT, cursor=cursor))
            found = [(as_dict(as_dict(like).get("actor")), {"at": _when(as_dict(like))})
                     for like in data.get("likes") or []]
            return self._page(found, way, data, cursor)
        raise NetworkError(Text.gettext("This network cannot list the people who took part that way (%(way)s).",
                                        way=way), ErrorKind.PERMANENT)

    def _page(self, found: list[tuple[dict[str, Any], dict[str, Any]]], way: str, data: dict[str, Any],
              cursor: str | None) -> ParticipantPage:
        participants = [self._participant(profile, way, **took_part)
                        for profile, took_part in found if self._counts(profile)]
        following = _str(data.get("cursor")) or None
        # An empty page, or a cursor that does not move, ends the list: never loop on it.
        more = following is not None and following != cursor and bool(found)
        return ParticipantPage(participants, following if more else None)

    def _counts(self, profile: dict[str, Any]) -> bool:
        did = _str(profile.get("did"))
        return did.startswith("did:") and did != self.connector.did

    def _participant(self, profile: dict[str, Any], way: str, **took_part: Any) -> Participant:
        did = _str(profile.get("did"))
        handle = clean_text(profile.get("handle")) or did
        return Participant(stable_id=did, handle=f"@{handle}", display_name=clean_text(profile.get("displayName")),
                           created_at=parse_time(profile.get("createdAt")), bot=_bot(profile), way=way, **took_part)

    def _notified(self, uri: str, way: str, cursor: str | None) -> ParticipantPage:
        """The replies to the post, or the follows of the account since it, from the
        account's notifications."""
        if cursor is None:
            post = self.connector.inbox.get_posts([uri]).get(uri)
            if post is None:
                raise NetworkError(Text.gettext("The post was deleted or cannot be seen any more."),
                                   ErrorKind.PERMANENT)
            since = _when(post) or parse_time(post.get("indexedAt"))
            state: dict[str, Any] = {"page": None, "since": iso(since) if since else None}
        else:
            state = load_cursor(cursor)
        data = self._call(self.connector.client.app.bsky.notification.list_notifications,
                          models.AppBskyNotificationListNotifications.Params(
                              limit=PAGE_LIMIT, cursor=state.get("page"), reasons=[way]))
        since = parse_time(state.get("since"))
        floor = since - CLOCK_SLACK if since else None
        notifications = [as_dict(n) for n in data.get("notifications") or []]
        found: list[tuple[dict[str, Any], dict[str, Any]]] = []
        reached = not notifications
        for notification in notifications:
            sort_at = parse_time(notification.get("indexedAt"))
            if floor is not None and sort_at is not None and sort_at < floor:
                reached = True  # older than the post: nothing for it further down
                break
            record = as_dict(notification.get("record"))
            if notification.get("reason") != way:
                continue
            took_part: dict[str, Any] = {"at": _when(notification), "remote_id": _str(notification.get("uri"))}
            if way == "reply":
                if as_dict(as_dict(record.get("reply")).get("parent")).get("uri") != uri:
                    continue  # a reply to another post, or below another reply
                took_part["text"] = plain_text(record)
            found.append((as_dict(notification.get("author")), took_part))
        page = self._page(found, way, {}, None)
        following = _str(data.get("cursor")) or None
        if reached or following is None or following == state.get("page"):
            return ParticipantPage(page.participants, None)
        return ParticipantPage(page.participants, json.dumps({**state, "page": following}, sort_keys=True))

    # -- following, and a word in private ----------------------------------------------

    def followers_among(self, stable_ids: Sequence[str]) -> dict[str, bool]:
        wanted = list(dict.fromkeys(str(i) for i in stable_ids))
        out = dict.fromkeys(wanted, False)
        # Only DIDs: a handle would be resolved, and a malformed one refuses the whole call.
        asked = [i for i in wanted if i.startswith("did:")]
        graph = self.connector.client.app.bsky.graph
        for start in range(0, len(asked), RELATIONSHIPS_BATCH):
            batch = asked[start:start + RELATIONSHIPS_BATCH]
            data = self._call(graph.get_relationships,
                              models.AppBskyGraphGetRelationships.Params(actor=self.connector.did, others=batch))
            for relation in data.get("relationships") or []:
                relation = as_dict(relation)
                did = _str(relation.get("did"))
                if did in out:
                    out[did] = bool(_str(relation.get("followedBy")))
        return out


def _when(view: dict[str, Any]) -> datetime | None:
    """When a record was made: its createdAt (what the author's client says), unless that
    is after the AppView saw it."""
    record = as_dict(view.get("record"))
    created = parse_time(view.get("createdAt") or record.get("createdAt"))
    indexed = parse_time(view.get("indexedAt"))
    return created if created and (indexed is None or created <= indexed) else indexed


"""Who took part in one of the account's statuses, for a contest (`ContestConnector`).

Stable id
    A person is the id of their account **on the brand's server** (`account.id` in the
    API), not their actor URI. Every list parvis reads comes from that one server, which
    gives a person one account row, and so one id, for good: replies, reblogs,
    favourites, notifications and relationships all name them by it, and a handle change
    (a rename, or ``user@domain`` written differently) keeps it. It is also what the
    server takes back: ``/accounts/relationships?id[]=`` wants these ids, so checking who
    follows costs no look-up. The actor URI would be global, but `Account.uri` only
    appeared in Mastodon 4.2, other servers lack it, and every follow check would first
    have to map it back to this server's id. What this id is not: the same across servers.
    A contest belongs to one post of one account, so it never needs to be.

Replies: all of them, even 10,000
    Direct replies are the statuses whose ``in_reply_to_id`` is the post. No single
    endpoint lists them all:

    * ``GET /statuses/:id/context`` gives every reply, mention or not, but Mastodon caps
      its descendants (4,096 for a signed-in viewer, walked depth-first in id order, so
      what comes back is the oldest direct replies, each with its sub-thread), and other
      servers cap it lower;
    * ``GET /notifications?types[]=mention`` is paginated without a cap, but a reply
      reaches it only if its text @mentions the account (every Mastodon client writes
      that mention; an author can delete it) and only while the notification exists (a
      person can dismiss notifications in another app).

    So both, in this order. First the post (its time) and its
    context: every direct reply in it is returned, and ``B``, the newest of them, goes
    into the cursor. Since the capped walk is in id order, the context holds *every*
    direct reply up to ``B``. Then the notifications are paged from the newest down to the post's time
    (``include_filtered``: Mastodon 4.3+ filters mentions from strangers by default, and
    strangers are whom a contest draws in), keeping the replies to the post newer than
    ``B``: none comes twice, and no cursor grows with the number of replies. The reading
    stops at notifications older than ``B`` (less ``CLOCK_SLACK``, for replies that
    federate late). What can still be missed, and only past the context's cap: a reply
    whose author deleted the @mention, whose notification was dismissed, or that reached
    the server more than ``CLOCK_SLACK`` after a newer one.

    A context too large for parvis's guarded HTTP layer to read (10 MiB: some 4,000
    statuses, so a capped Mastodon context can reach it) is not retried: every reply then
    comes from the notifications, down to the post.

    For 10,000 direct replies on Mastodon: 2 requests, then (10,000 − 4,096) / 80 ≈ 74
    pages of notifications (more if other mentions arrived meanwhile), or 125 pages when
    the context was too large to read.

Reposts and likes
    ``/statuses/:id/reblogged_by`` and ``/favourited_by``, 80 a page (Mastodon's
    maximum), paginated by their ``Link`` headers (the next page's ``max_id``, which is
    the reblog's or favourite's own id, not an account's: it is the cursor, as is). The
    server does not say when someone reblogged or favourited: ``at`` is None.

Follows
    ``GET /notifications?types[]=follow`` (``include_filtered``, as for replies: a follow
    a notification policy filtered is still a follow), 80 a page, paged with ``max_id``
    from the newest down to the post's creation (the same reading as the replies'). A
    follow notification is made when the follow reaches the server, and its
    ``created_at`` is ``at``; the contest keeps those within its dates. The post's id only
    gives that floor: a follow is of the account, not the post. What is missed: a follow
    whose notification was dismissed (in another app), and a follower who left again
    (Mastodon deletes a follow's notification with the follow). For 10,000 new followers:
    1 + 126 requests.

Following
    ``GET /accounts/relationships?id[]=…``, ``followed_by``; 40 ids a request (Mastodon
    documents no maximum and reads every id; 40 keeps the address short for proxies).

A private message
    A status with visibility ``direct`` that @mentions the person (Mastodon delivers it to
    the accounts it mentions), sent with an idempotency key made of the person and the
    text, so that a retry within the hour does not send it twice.

mastodon-mock (0.6.x) answers ``reblogged_by`` and ``favourited_by`` in one page without
``Link`` headers and never caps the context; the tests give it real-shaped answers
(a capped context, a page with a ``Link``) through its fault injection.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from parvis.core.http.errors import ResponseTooLarge
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError, Participant, ParticipantPage, load_cursor
from parvis.networks.mastodon.client import api_get, call
from parvis.networks.mastodon.inbox import as_utc, author_from, id_order, status_text
from parvis.networks.mastodon.mentions import ACCT_RE

if TYPE_CHECKING:
    from mastodon import Mastodon

WAYS = frozenset({"reply", "repost", "like", "follow"})
PAGE_LIMIT = 80  # reblogged_by, favourited_by and notifications: Mastodon's maximum
RELATIONSHIP_BATCH = 40
# A notification is made when the reply reaches the server: a remote one may come a little
# after a newer one, or stamped by a server whose clock differs.
CLOCK_SLACK = timedelta(minutes=10)
_LISTS = {"repost": "reblogged_by", "like": "favourited_by"}


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


class MastodonContest:
    """The contest reads of one connector's client."""

    def __init__(self, client: Mastodon, me: str, domain: str, own_domains: frozenset[str]) -> None:
        self.client = client
        self.me = me
        self.domain = domain
        self.own_domains = own_domains

    # -- who took part ------------------------------------------------------------------

    def participants(self, remote_id: str, way: str, cursor: str | None) -> ParticipantPage:
        if way == "reply":
            return self._replies(remote_id, cursor)
        if way in _LISTS:
            return self._accounts(remote_id, way, cursor)
        if way == "follow":
            return self._follows(remote_id, cursor)
        raise NetworkError(Text.gettext("This network cannot list the people who took part that way (%(way)s).",
                                        way=way), ErrorKind.PERMANENT)

    def _person(self, account: Any, way: str, **took_part: Any) -> Participant:
        author = author_from(account, self.domain)
        return Participant(
            stable_id=author.remote_id, handle=author.handle, display_name=author.display_name,
            created_at=as_utc(account.get("created_at")), bot=account.get("bot") is True, way=way, **took_part,
        )

    def _reply(self, status: Any) -> Participant:
        return self._person(status.get("account") or {}, "reply", at=as_utc(status.get("created_at")),
                            text=status_text(status), remote_id=str(status["id"]))

    def _is_direct_reply(self, status: Any, post_id: str) -> bool:
        return (_id(status.get("in_reply_to_id")) == post_id
                and _id((status.get("account") or {}).get("id")) != self.me)

    def _replies(self, post_id: str, cursor: str | None) -> ParticipantPage:
        if cursor is None:
            return self._replies_in_context(post_id)
        state = load_cursor(cursor)
        return self._replies_in_notifications(post_id, state)

    def _replies_in_context(self, post_id: str) -> ParticipantPage:
        post = call(self.client, self.client.status, post_id)
        try:
            context = call(self.client, self.client.status_context, post_id)
        except NetworkError as error:
            if not _too_large(error):
                raise
            # Thousands of replies can weigh more than parvis reads in one answer: asking
            # again would fail the same way, so they all come from the notifications.
            context = {}
        direct = [s for s in context.get("descendants") or [] if _id(s.get("in_reply_to_id")) == post_id]
        found = [self._reply(s) for s in direct if self._is_direct_reply(s, post_id)]
        newest = max(direct, key=lambda s: id_order(str(s["id"])), default=None)
        # The notifications are always read too, even when `replies_count` says the
        # context held them all: the counter can lag (a remote reply not yet counted, a
        # server that never updates it), and reading down to the newest reply the
        # context gave costs one request when there is nothing more.
        # The notifications are read down to the newest reply the context gave (less some
        # slack for replies that federate late), not down to the post: the older ones would
        # all be skipped.
        since = as_utc((newest or post).get("created_at"))
        state = {"after": str(newest["id"]) if newest else None, "since": since.isoformat() if since else None,
                 "max_id": None}
        return ParticipantPage(found, json.dumps(state, sort_keys=True))

    def _replies_in_notifications(self, post_id: str, state: dict[str, Any]) -> ParticipantPage:
        after, since = state.get("after"), _time(state.get("since"))
        page, next_max = self._notifications("mention", state.get("max_id"), since - CLOCK_SLACK if since else None)
        found: list[Participant] = []
        for notification in page:
            status = notification.get("status") or {}
            if not status or not self._is_direct_reply(status, post_id):
                continue
            if after is not None and id_order(str(status["id"])) <= id_order(after):
                continue  # the context gave it already
            found.append(self._reply(status))
        return ParticipantPage(found, json.dumps({**state, "max_id": next_max}, sort_keys=True) if next_max else None)

    def _follows(self, post_id: str, cursor: str | None) -> ParticipantPage:
        if cursor is None:
            since = as_utc(call(self.client, self.client.status, post_id).get("created_at"))
            state: dict[str, Any] = {"since": since.isoformat() if since else None, "max_id": None}
        else:
            state = load_cursor(cursor)
        page, next_max = self._notifications("follow", state.get("max_id"), _time(state.get("since")))
        found = [self._person(n["account"], "follow", at=as_utc(n.get("created_at")), remote_id=str(n["id"]))
                 for n in page if n.get("type") == "follow" and isinstance(n.get("account"), dict)
                 and _id(n["account"].get("id")) != self.me]
        return ParticipantPage(found, json.dumps({**state, "max_id": next_max}, sort_keys=True) if next_max else None)

    def _notifications(self, kind: str, max_id: str | None, floor: datetime | None) -> tuple[list[Any], str | None]:
        """One page of the account's notifications of `kind`, newest first, those made
        before `floor` left out; and the next page's ``max_id``, None once the reading is
        over. Only an empty page, or one reaching below the floor, ends it: a short page
        does not (servers cap `limit` lower than 80, as mastodon-mock does at 40)."""
        params: dict[str, Any] = {"types[]": [kind], "include_filtered": "true", "limit": PAGE_LIMIT}
        if max_id:
            params["max_id"] = max_id
        page = list(api_get(self.client, "/api/v1/notifications", params) or [])
        for index, notification in enumerate(page):
            created = as_utc(notification.get("created_at"))
            if floor is not None and created is not None and created < floor:
                return page[:index], None  # older than the post: nothing for it further down
        return page, min((str(n["id"]) for n in page), key=id_order) if page else None

    def _accounts(self, post_id: str, way: str, cursor: str | None) -> ParticipantPage:
        params: dict[str, Any] = {"limit": PAGE_LIMIT}
        if cursor:
            params["max_id"] = cursor
        page = api_get(self.client, f"/api/v1/statuses/{post_id}/{_LISTS[way]}", params)
        found = [self._person(a, way, at=None) for a in page or [] if _id(a.get("id")) != self.me]
        following = getattr(page, "_pagination_next", None)
        next_max = following.get("max_id") if isinstance(following, dict) else None
        # A Link header that points at the same page again would loop forever.
        more = next_max is not None and str(next_max) != (cursor or "") and bool(page)
        return ParticipantPage(found, str(next_max) if more else None)

    # -- following, and a word in private ----------------------------------------------

    def followers_among(self, stable_ids: Sequence[str]) -> dict[str, bool]:
        wanted = list(dict.fromkeys(str(i) for i in stable_ids))
        out = dict.fromkeys(wanted, False)
        # Mastodon ignores ids that are not numbers; sending them would only cost room.
        asked = [i for i in wanted if i.isdigit()]
        for start in range(0, len(asked), RELATIONSHIP_BATCH):
            batch = asked[start:start + RELATIONSHIP_BATCH]
            for relation in api_get(self.client, "/api/v1/accounts/relationships", {"id[]": batch}) or []:
                key = _id(relation.get("id"))
                if key in out:
                    out[key] = relation.get("followed_by") is True
        return out

    def send_direct(self, stable_id: str, handle: str, text: str) -> str:
        acct = self._acct(handle)
        key = hashlib.sha256(f"{stable_id}\n{acct}\n{text}".encode()).hexdigest()
        status = call(self.client, self.client.status_post, f"@{acct} {text}", visibility="direct",
                      idempotency_key=key, write=True)
        return str(status["id"])

    def _acct(self, handle: str) -> str:
        """The person as the account's server names them in a mention: `user` when they
        are on that server (a bare `@user` is always local), `user@domain` otherwise."""
        acct = handle.strip().lstrip("@")
        user, _, domain = acct.partition("@")
        if domain.lower() in self.own_domains:
            acct = user
        if not ACCT_RE.match(acct):
            raise NetworkError(Text.gettext("This address cannot be written in a message: %(handle)s",
                                            handle=handle), ErrorKind.PERMANENT)
        return acct


def _too_large(error: BaseException) -> bool:
    """Whether the guarded HTTP layer stopped reading an answer for its size."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ResponseTooLarge):
            return True
        cause = cause.__cause__ or cause.__context__
    return False



def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None

"""When and how each account's inbox is read.

One `Poller` row per account and stream (Mastodon: notifications, conversations;
Bluesky: notifications) plus one `refresh` row that re-reads recent items for edits and
deletions. The dispatcher claims due rows like publications (SKIP LOCKED on PostgreSQL)
and enqueues one job each; the job takes a lease on the row, so that a job enqueued
twice (or re-enqueued after a lost worker) never reads the same stream twice at once.

The interval adapts to the account: `MIN_INTERVAL` while items keep coming, growing by
half after every empty poll up to `MAX_INTERVAL`; a full page means more is waiting (poll
again at once, after reading up to PAGES_PER_POLL pages in this one); errors back off
exponentially, and a rate limit's reset time is obeyed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.actions import notify, owners_of
from parvis.core import due
from parvis.core.texts import Text
from parvis.inbox import pipeline
from parvis.inbox.ingest import apply_refresh, store
from parvis.inbox.models import Item, Poller, Thread
from parvis.networks import registry
from parvis.networks.base import ErrorKind, InboundItem, InboxConnector, NetworkError
from parvis.networks.models import AccountStatus, SocialAccount

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
REQUEUE_AFTER = timedelta(minutes=2)
MORE_WAITING = timedelta(seconds=2)
# An account that needs reconnecting is not claimed at all (`claim_due` takes active
# accounts only); its pollers stay due soon, so that it is read again as soon as someone
# reconnects it, not an hour later.
RECONNECT_WAIT = timedelta(minutes=1)
REFRESH_WINDOW = timedelta(days=7)  # edits and deletions are followed this long
REFRESH_BATCH = 100
CONTEXT_PER_POLL = 10  # thread ancestors fetched per poll; the rest on the next ones
PAGES_PER_POLL = 5  # pages read in one poll while more is waiting (stored together)


def min_interval() -> int:
    return int(settings.PARVIS_INBOX_MIN_INTERVAL)


def max_interval() -> int:
    return int(settings.PARVIS_INBOX_MAX_INTERVAL)


def inbox_connector(account: SocialAccount) -> InboxConnector | None:
    connector = registry.connector_for(account)
    return connector if hasattr(connector, "fetch_inbox") else None  # type: ignore[return-value]


def _pollers_of(account: SocialAccount, streams: Sequence[str], now: datetime) -> list[Poller]:
    rows = [Poller(account=account, stream=s, next_poll_at=now, interval=min_interval()) for s in streams]
    rows.append(Poller(account=account, stream=Poller.REFRESH,
                       next_poll_at=now + timedelta(seconds=max_interval()), interval=max_interval()))
    return rows


# A network's streams change only with parvis's code (a new version adds private messages,
# say): accounts connected before get the new ones once per process, at its first pass.
_streams_checked: list[bool] = []


def ensure_pollers(now: datetime | None = None) -> int:
    """Give every connected account that has none its pollers (new accounts start being
    read at the next dispatcher pass); once per process, also the streams a newer version
    of a network's package added to accounts that have pollers already."""
    now = now or timezone.now()
    rows: list[Poller] = []
    missing_only = Q(inbox_pollers__isnull=True) if _streams_checked else Q()
    accounts = SocialAccount.objects.filter(missing_only, status=AccountStatus.ACTIVE).distinct()
    existing: dict[int, set[str]] = {}
    if not _streams_checked:
        for account_id, stream in Poller.objects.values_list("account_id", "stream"):
            existing.setdefault(account_id, set()).add(stream)
    for account in accounts:
        connector = inbox_connector(account)  # cheap: no network call until used
        streams = connector.inbox_streams() if connector is not None else ()
        if not streams:
            continue
        have = existing.get(account.pk, set())
        rows += [row for row in _pollers_of(account, streams, now) if row.stream not in have]
    created = len(Poller.objects.bulk_create(rows, ignore_conflicts=True)) if rows else 0
    _streams_checked[:] = [True]
    return created


def claim_due(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Mark due pollers as enqueued and return their ids (see `parvis.core.due`)."""
    now = now or timezone.now()
    return due.claim_due(Poller.objects.filter(next_poll_at__lte=now, account__status=AccountStatus.ACTIVE),
                         now=now, requeue_after=REQUEUE_AFTER, order_by=("next_poll_at", "pk"), limit=limit)


def dispatch(enqueue: Callable[[int], object], now: datetime | None = None) -> int:
    ensure_pollers(now)
    ids = claim_due(now)
    for pk in ids:
        enqueue(pk)
    return len(ids)


@dataclass
class PollResult:
    new: int = 0
    edited: int = 0
    deleted: int = 0
    error: str = ""
    skipped: bool = False


def take_lease(poller_id: int, now: datetime) -> Poller | None:
    token = uuid.uuid4().hex
    taken = Poller.objects.filter(pk=poller_id).filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    ).update(lease_token=token, lease_expires_at=now + LEASE)
    if not taken:
        return None
    return Poller.objects.select_related("account", "account__workspace").get(pk=poller_id, lease_token=token)


def poll(poller_id: int, *, now: datetime | None = None, connector: InboxConnector | None = None) -> PollResult:
    """Read one stream of one account once, store what came, and schedule the next read."""
    now = now or timezone.now()
    poller = take_lease(poller_id, now)
    if poller is None:
        return PollResult(skipped=True)  # another job has it (or had it, and it is still fresh)
    account = poller.account
    result = PollResult()
    try:
        if account.needs_reconnect:
            _finish(poller, now, delay=RECONNECT_WAIT, error=account.status_reason)
            return PollResult(skipped=True)
        connector = connector or inbox_connector(account)
        if connector is None:
            _finish(poller, now, delay=timedelta(seconds=max_interval()), error="")
            return PollResult(skipped=True)
        result = _refresh(poller, connector, now) if poller.stream == Poller.REFRESH else _read(poller, connector, now)
    except NetworkError as exc:
        result.error = exc.message
        _failed(poller, account, exc, now)
    except Exception as exc:  # noqa: BLE001 - one account's bug must not stop the others
        log.exception("inbox poll %s failed", poller)
        result.error = str(exc)
        _failed(poller, account, NetworkError(str(exc), ErrorKind.TRANSIENT), now)
    return result


def _read(poller: Poller, connector: InboxConnector, now: datetime) -> PollResult:
    items, cursor, more = _drain(poller, connector)
    stored = store(poller.account, items, now=now)
    _fetch_context(poller.account, connector)
    poller.cursor = cursor or poller.cursor
    new = len(stored.new_in_inbox)
    if more:
        delay, interval = MORE_WAITING, min_interval()
    elif new:
        delay = timedelta(seconds=min_interval())
        interval = min_interval()
    else:
        interval = min(max_interval(), max(min_interval(), int(poller.interval * 1.5)))
        delay = timedelta(seconds=interval)
    poller.interval = interval
    if new:
        poller.last_new_at = now
    _finish(poller, now, delay=delay, error="")
    pipeline.after_store(stored)  # rules, notifications, crisis check (see pipeline)
    return PollResult(new=new, edited=len(stored.edited))


def _drain(poller: Poller, connector: InboxConnector) -> tuple[list[InboundItem], str | None, bool]:
    """Read up to PAGES_PER_POLL pages while the network says more is waiting: (items,
    cursor after them, more still waiting). A backlog is then stored in one transaction
    per 200 items (Mastodon's pages hold 40) rather than one per page. A page that fails
    after others came ends the read: those are stored, and the next poll, soon since more
    is waiting, meets the error and backs off."""
    items: list[InboundItem] = []
    cursor = poller.cursor or None
    for _page in range(PAGES_PER_POLL):
        try:
            page = connector.fetch_inbox(poller.stream, cursor)
        except NetworkError:
            if not items:
                raise
            return items, cursor, True
        items.extend(page.items)
        cursor = page.cursor or cursor
        if not page.more:
            return items, cursor, False
    return items, cursor, True


def _fetch_context(account: SocialAccount, connector: InboxConnector) -> None:
    """Fetch the posts above the first item of threads that don't have them yet."""
    todo = Thread.objects.filter(account=account, context_fetched_at__isnull=True).order_by("pk")[:CONTEXT_PER_POLL]
    for thread in todo:
        first = thread.items.order_by("created_at", "pk").first()
        if first is not None and first.in_reply_to_remote_id and not thread.private:
            store(account, connector.thread_context(first.remote_id))
        Thread.objects.filter(pk=thread.pk).update(context_fetched_at=timezone.now())


def _refresh(poller: Poller, connector: InboxConnector, now: datetime) -> PollResult:
    """Re-read the items of the last days least recently checked, a batch per run."""
    recent = (Item.objects.filter(account=poller.account, created_at__gte=now - REFRESH_WINDOW, deleted_at__isnull=True)
              .select_related("author").order_by("refreshed_at", "pk"))
    batch = list(recent.filter(refreshed_at__isnull=True)[:REFRESH_BATCH]) or list(recent[:REFRESH_BATCH])
    edited = deleted = 0
    if batch:
        found = connector.refresh_items([item.remote_id for item in batch])
        edited, deleted = apply_refresh(batch, found, now=now)
    _finish(poller, now, delay=timedelta(seconds=max_interval()), error="")
    return PollResult(edited=edited, deleted=deleted)


def _failed(poller: Poller, account: SocialAccount, exc: NetworkError, now: datetime) -> None:
    if exc.kind == ErrorKind.RECONNECT:
        if account.mark_reconnect_needed(exc.reason):
            _tell_reconnect(account, exc.reason)
        _finish(poller, now, delay=RECONNECT_WAIT, error=exc.message, failed=True)
        return
    failures = poller.failures + 1
    backoff = min(3600, min_interval() * 2 ** min(failures, 6))
    if exc.retry_after:
        backoff = max(backoff, int(exc.retry_after))
    _finish(poller, now, delay=timedelta(seconds=backoff), error=exc.message, failed=True)


def _tell_reconnect(account: SocialAccount, reason: str | Text) -> None:
    workspace = account.workspace
    notify(owners_of(workspace), workspace, "account_reconnect",
           Text.gettext("%(account)s must be reconnected", account=str(account)),
           Text.gettext("%(account)s refused parvis's credentials while reading its inbox: %(reason)s "
                        "Reconnect it so that its replies and messages keep coming in.",
                        account=str(account), reason=reason),
           reverse("web:accounts", args=[workspace.pk]))


def _finish(poller: Poller, now: datetime, *, delay: timedelta, error: str, failed: bool = False) -> None:
    """Schedule the next read and give the lease back, if it is still ours."""
    Poller.objects.filter(pk=poller.pk, lease_token=poller.lease_token).update(
        cursor=poller.cursor, interval=poller.interval, next_poll_at=now + delay,
        failures=poller.failures + 1 if failed else 0, last_error=error[:2000], last_polled_at=now,
        last_new_at=poller.last_new_at, polls=poller.polls + 1, lease_token="", lease_expires_at=None,
        enqueued_at=None,
    )

"""Reading figures on a schedule kept in the database (DESIGN: the database says when).

* Each published post is read at about +1 h, +6 h, +24 h, +72 h, +7 and +30 days after
  it went out, then no more (`next_reading`). A reading missed (the worker was down)
  is not made up: the next one comes from the clock, not from a counter.
* Each account is read once a day, early in its workspace's morning (`MORNING`), before
  reports go out; that pass also reads again its posts of the last 30 days not read in
  the last hours, so that the morning's figures are fresh.
* Every reading is appended as a snapshot; the post's latest figures and the day's
  roll-up (`DailyFigures`) follow, so that dashboards never read snapshots.
* A network's figures read before they settle (`NetworkInfo.metrics_settle`, Meta's
  48 hours) are provisional; the +72 h reading replaces them with settled ones.
* Rate limits: a network's "wait" (`retry_after`) moves that account's due readings
  back; other transient failures back off; a refused login flags the account once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from parvis.accounts.models import Workspace
from parvis.analytics.models import AccountFigures, AccountSnapshot, DailyFigures, PostFigures, PostSnapshot
from parvis.core.due import claim_due
from parvis.core.texts import WordedError
from parvis.networks import registry
from parvis.networks.base import ACCOUNT_METRICS, POST_METRICS, ErrorKind, NetworkError
from parvis.networks.models import AccountStatus, SocialAccount
from parvis.publishing.models import Publication, State

log = logging.getLogger(__name__)

READINGS = (timedelta(hours=1), timedelta(hours=6), timedelta(hours=24), timedelta(hours=72),
            timedelta(days=7), timedelta(days=30))
FOLLOWED_FOR = READINGS[-1]
MORNING = time(5, 0)  # local time of the daily pass: reports go out from 07:00
FRESH = timedelta(hours=6)  # the morning pass leaves alone a post read this recently
INTERACTIONS = ("likes", "replies", "reposts", "quotes", "shares", "saves")
POSTS_PER_JOB = 50  # one job reads at most this many posts of one account
REQUEUE = timedelta(minutes=15)  # a claimed row whose job was lost is claimed again after this
MAX_BACKOFF = timedelta(hours=6)


def next_reading(published_at: datetime, now: datetime) -> datetime | None:
    """When a post published at `published_at` is next read, after `now`; None when its
    readings are over."""
    return next((published_at + offset for offset in READINGS if published_at + offset > now), None)


def next_morning(workspace: Workspace, now: datetime) -> datetime:
    """The next `MORNING` in the workspace's time zone, after `now` (in UTC)."""
    tz = workspace.tz
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), MORNING, tzinfo=tz)
    if moment <= local:
        moment = datetime.combine(local.date() + timedelta(days=1), MORNING, tzinfo=tz)
    return moment.astimezone(now.tzinfo)


def measured(network: str) -> bool:
    """Whether parvis reads figures on this network."""
    return network in registry.NETWORKS and bool(registry.get(network).metric_names)


def normalise(network: str, raw: Mapping[str, Any], names: Iterable[str] = POST_METRICS) -> dict[str, int]:
    """The network's counters under parvis's names; what it does not map is dropped, and
    so is anything that is not a non-negative integer (the answer is untrusted)."""
    mapping = registry.get(network).metric_names
    wanted = set(names)
    out: dict[str, int] = {}
    for theirs, value in raw.items():
        ours = mapping.get(theirs)
        if ours in wanted and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out[ours] = out.get(ours, 0) + value
    return out


def interactions(values: Mapping[str, int]) -> int:
    return sum(values.get(key, 0) for key in INTERACTIONS)


# -- following new publications and accounts ------------------------------------------


def follow_new(now: datetime, limit: int = 500) -> int:
    """Give a schedule to the posts published in the last 30 days and to the active
    accounts that have none yet; how many were added."""
    networks = [key for key in registry.NETWORKS if measured(key)]
    new_posts = (Publication.objects.filter(state=State.PUBLISHED, published_at__gte=now - FOLLOWED_FOR,
                                            account__network__in=networks, figures__isnull=True)
                 .exclude(remote_id="").select_related("account")
                 .only("pk", "published_at", "account_id", "account__workspace_id")[:limit])
    rows = [PostFigures(publication=pub, workspace_id=pub.account.workspace_id, account_id=pub.account_id,
                        published_at=pub.published_at, due_at=next_reading(pub.published_at, now) or now)
            for pub in new_posts if pub.published_at is not None]
    PostFigures.objects.bulk_create(rows, ignore_conflicts=True)
    accounts = (SocialAccount.objects.filter(network__in=networks, figures__isnull=True)
                .select_related("workspace")[:limit])
    # A new account is read at once (its followers are the base of its posts' rates).
    AccountFigures.objects.bulk_create(
        [AccountFigures(account=account, workspace=account.workspace, due_at=now) for account in accounts],
        ignore_conflicts=True)
    return len(rows) + len(accounts)


# -- claiming --------------------------------------------------------------------------


def claim_post_batches(now: datetime, limit: int = 500) -> dict[int, list[int]]:
    """Claim due post readings; {account id: figure ids}, at most POSTS_PER_JOB each."""
    due = PostFigures.objects.filter(due_at__lte=now, account__status=AccountStatus.ACTIVE)
    ids = claim_due(due, now=now, requeue_after=REQUEUE, order_by=["due_at"], limit=limit)
    batches: dict[int, list[int]] = {}
    for pk, account_id in PostFigures.objects.filter(pk__in=ids).order_by("due_at").values_list("pk", "account_id"):
        batches.setdefault(account_id, []).append(pk)
    for account_id, pks in batches.items():
        if len(pks) > POSTS_PER_JOB:  # more than one job's worth: the rest waits for the next pass
            PostFigures.objects.filter(pk__in=pks[POSTS_PER_JOB:]).update(enqueued_at=None)
            batches[account_id] = pks[:POSTS_PER_JOB]
    return batches


def claim_accounts(now: datetime, limit: int = 200) -> list[int]:
    due = AccountFigures.objects.filter(due_at__lte=now, account__status=AccountStatus.ACTIVE)
    return claim_due(due, now=now, requeue_after=REQUEUE, order_by=["due_at"], limit=limit)


# -- reading posts ---------------------------------------------------------------------


def read_posts(figure_ids: list[int], now: datetime | None = None) -> int:
    """Read the figures of these posts (all of one account) once; how many were read.
    Only rows still due are read: a batch queued twice (a slow job claimed again) finds
    them moved to their next step by the first, and reads nothing."""
    now = now or timezone.now()
    rows = list(PostFigures.objects.filter(pk__in=figure_ids, due_at__lte=now)
                .select_related("publication", "account", "account__workspace"))
    if not rows:
        return 0
    account = rows[0].account
    connector: Any = registry.connector_for(account)
    try:
        found = connector.fetch_metrics([row.publication.remote_id for row in rows])
    except NetworkError as exc:
        _posts_failed(rows, account, exc, now)
        return 0
    info = account.network_info
    read = 0
    snapshots = []
    for row in rows:
        raw = found.get(row.publication.remote_id)
        if raw is None:  # gone from the network, or not measurable (yet): try at the next step
            _advance(row, now, error="")
            continue
        values = normalise(account.network, raw)
        provisional = bool(info.metrics_settle and now < row.published_at + info.metrics_settle)
        snapshots.append(PostSnapshot(publication_id=row.publication_id, taken_at=now, values=values,
                                      provisional=provisional))
        _store(row, values, provisional, now)
        read += 1
    PostSnapshot.objects.bulk_create(snapshots)
    roll_up(account, {row.published_at for row in rows})
    return read


def _store(row: PostFigures, values: dict[str, int], provisional: bool, now: datetime) -> None:
    followers = row.followers
    if followers is None:
        followers = followers_at(row.account_id, row.published_at)
    PostFigures.objects.filter(pk=row.pk).update(
        values=values, interactions=interactions(values), views=values.get("views"), reach=values.get("reach"),
        clicks=values.get("clicks"), followers=followers, taken_at=now, readings=row.readings + 1,
        provisional=provisional, due_at=next_reading(row.published_at, now), enqueued_at=None, failures=0,
        last_error="")


def _advance(row: PostFigures, now: datetime, *, error: str) -> None:
    PostFigures.objects.filter(pk=row.pk).update(due_at=next_reading(row.published_at, now), enqueued_at=None,
                                                 last_error=error[:2000])


def _posts_failed(rows: list[PostFigures], account: SocialAccount, exc: NetworkError, now: datetime) -> None:
    message = str(exc.message if isinstance(exc, WordedError) else exc)
    ids = [row.pk for row in rows]
    if exc.kind == ErrorKind.PERMANENT:  # this step cannot be read: the next one may
        for row in rows:
            _advance(row, now, error=message)
        return
    if exc.kind == ErrorKind.RECONNECT:
        _reconnect(account, exc)
    failures = max(row.failures for row in rows) + 1
    wait = _backoff(failures, exc.retry_after)
    PostFigures.objects.filter(pk__in=ids).update(due_at=now + wait, enqueued_at=None, failures=failures,
                                                  last_error=message[:2000])
    if exc.retry_after:  # the network's quota is spent: the account's other readings wait too
        PostFigures.objects.filter(account=account, due_at__lt=now + wait).exclude(pk__in=ids).update(
            due_at=now + wait)
        AccountFigures.objects.filter(account=account, due_at__lt=now + wait).update(due_at=now + wait)


def _backoff(failures: int, retry_after: float | None) -> timedelta:
    wait = min(MAX_BACKOFF, timedelta(minutes=2) * 2 ** min(failures, 8))
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


def _reconnect(account: SocialAccount, exc: NetworkError) -> None:
    from parvis.networks.tokens import tell_reconnect

    if account.mark_reconnect_needed(exc.reason):
        tell_reconnect(account, exc.reason)


def followers_at(account_id: int, moment: datetime) -> int | None:
    """The account's followers at its last reading before `moment` (else its first)."""
    before = (AccountSnapshot.objects.filter(account_id=account_id, taken_at__lte=moment, followers__isnull=False)
              .order_by("-taken_at").values_list("followers", flat=True).first())
    if before is not None:
        return before
    return (AccountSnapshot.objects.filter(account_id=account_id, followers__isnull=False)
            .order_by("taken_at").values_list("followers", flat=True).first())


# -- reading accounts ------------------------------------------------------------------


def read_account(figures_id: int, now: datetime | None = None) -> bool:
    """Read an account's counts once, and make its recent posts due for the morning pass."""
    now = now or timezone.now()
    row = AccountFigures.objects.select_related("account", "workspace").filter(pk=figures_id).first()
    if row is None or row.due_at is None:
        return False
    account = row.account
    try:
        raw = registry.connector_for(account).fetch_account_metrics()  # type: ignore[attr-defined]
    except NetworkError as exc:
        if exc.kind == ErrorKind.RECONNECT:
            _reconnect(account, exc)
        failures = row.failures + 1
        # A count the network will never give (a personal profile) is asked again tomorrow.
        due = (next_morning(row.workspace, now) if exc.kind == ErrorKind.PERMANENT
               else now + _backoff(failures, exc.retry_after))
        AccountFigures.objects.filter(pk=row.pk).update(due_at=due, enqueued_at=None, failures=failures,
                                                        last_error=str(exc.message)[:2000])
        return False
    values = normalise(account.network, raw, ACCOUNT_METRICS)
    followers = values.get("followers")
    with transaction.atomic():
        AccountSnapshot.objects.create(account=account, taken_at=now, values=values, followers=followers)
        AccountFigures.objects.filter(pk=row.pk).update(
            values=values, followers=followers, taken_at=now, due_at=next_morning(row.workspace, now),
            enqueued_at=None, failures=0, last_error="")
        # The morning pass: the account's posts still followed, read at least once but not
        # in the last hours (a post not read yet waits for its first step), and not
        # waiting out a network's "wait".
        (PostFigures.objects.filter(account=account, due_at__gt=now, taken_at__lt=now - FRESH)
         .exclude(failures__gt=0).update(due_at=now))
        # Posts published before the account's first count take this one.
        PostFigures.objects.filter(account=account, followers__isnull=True).update(followers=followers)
    roll_up(account, {now})
    return True


# -- the daily roll-up -----------------------------------------------------------------


def local_day_bounds(day: date, workspace: Workspace) -> tuple[datetime, datetime]:
    tz = workspace.tz
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


POST_FIELDS = ("published_at", "interactions", "views", "reach", "clicks", "provisional", "followers", "taken_at")


def day_sums(posts: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """A day's roll-up from its posts (rows of POST_FIELDS)."""
    out: dict[str, Any] = {"posts": 0, "interactions": 0, "views": 0, "reach": 0, "clicks": 0, "provisional": 0,
                           "rated_posts": 0, "rated_interactions": 0, "rated_followers": 0, "rate_sum": 0.0,
                           "viewed_posts": 0, "viewed_interactions": 0, "view_rate_sum": 0.0, "last_taken_at": None}
    for _published_at, interactions, views, reach, clicks, provisional, followers, taken_at in posts:
        out["posts"] += 1
        out["interactions"] += interactions
        out["views"] += views or 0
        out["reach"] += reach or 0
        out["clicks"] += clicks or 0
        out["provisional"] += bool(provisional)
        if followers:
            out["rated_posts"] += 1
            out["rated_interactions"] += interactions
            out["rated_followers"] += followers
            out["rate_sum"] += 100.0 * interactions / followers
        if views:
            out["viewed_posts"] += 1
            out["viewed_interactions"] += interactions
            out["view_rate_sum"] += 100.0 * interactions / views
        if taken_at is not None and (out["last_taken_at"] is None or taken_at > out["last_taken_at"]):
            out["last_taken_at"] = taken_at
    return out


def roll_up(account: SocialAccount, moments: Iterable[datetime]) -> None:
    """Recompute the account's `DailyFigures` of the local days holding `moments`."""
    workspace = account.workspace
    for day in sorted({moment.astimezone(workspace.tz).date() for moment in moments}):
        start, end = local_day_bounds(day, workspace)
        sums = day_sums(PostFigures.objects.filter(account=account, published_at__gte=start, published_at__lt=end)
                        .values_list(*POST_FIELDS))
        followers = (AccountSnapshot.objects.filter(account=account, taken_at__lt=end, followers__isnull=False)
                     .order_by("-taken_at").values_list("followers", flat=True).first())
        DailyFigures.objects.update_or_create(account=account, day=day, defaults={
            "workspace": workspace, "followers": followers, **sums})


def rebuild(account: SocialAccount) -> int:
    """Recompute every day of an account's roll-up from its figures (after an import or
    a repair), in two reads and one write; how many days."""
    tz = account.workspace.tz
    by_day: dict[date, list[tuple[Any, ...]]] = {}
    for row in PostFigures.objects.filter(account=account).values_list(*POST_FIELDS):
        by_day.setdefault(row[0].astimezone(tz).date(), []).append(row)
    counts = list(AccountSnapshot.objects.filter(account=account, followers__isnull=False).order_by("taken_at")
                  .values_list("taken_at", "followers"))
    for taken_at, _followers in counts:
        by_day.setdefault(taken_at.astimezone(tz).date(), [])
    rows, index, current = [], 0, None
    for day in sorted(by_day):
        _start, end = local_day_bounds(day, account.workspace)
        while index < len(counts) and counts[index][0] < end:
            current = counts[index][1]
            index += 1
        rows.append(DailyFigures(account=account, workspace_id=account.workspace_id, day=day, followers=current,
                                 **day_sums(by_day[day])))
    with transaction.atomic():
        DailyFigures.objects.filter(account=account).delete()
        DailyFigures.objects.bulk_create(rows, batch_size=1000)
    return len(rows)

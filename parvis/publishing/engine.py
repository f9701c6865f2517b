"""The publishing engine: claim a due publication, publish it once, record what happened.

Every step is safe to crash in:

- *claim* is one transaction: of any number of workers, one gets the lease, and
  `may_exist` is committed with it: from then on, any later attempt first asks the
  network whether the post is already there (`find_published`).
- the call carries the publication's fixed idempotency key (Mastodon's Idempotency-Key,
  Bluesky's deterministic record key).
- the result is recorded only by the lease holder; a crashed holder's lease runs out and
  the dispatcher hands the row to another worker, which reconciles first.
- reconciling sends again only when the network says for sure that the post is not
  there; when it cannot say, the publication waits as "to check" for a person.
- networks that publish in steps record each step's state (`progress`) as soon as it is
  done, and while the network processes, the publication waits in PROCESSING with no
  lease held; the next attempt resumes from the recorded step.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from parvis.core.compiled import STAND_IN_ID, STAND_IN_TIME, CompiledRead, Param
from parvis.core.due import skip_locked
from parvis.core.http import GuardError
from parvis.core.http.guard import longest_exchange
from parvis.core.texts import Text, for_storage
from parvis.networks import registry
from parvis.networks.base import (
    ErrorKind,
    Lookup,
    MediaFile,
    NetworkError,
    Pending,
    Presence,
    PublishRequest,
    RemotePost,
    ReplyTarget,
)
from parvis.networks.guarded import network_error
from parvis.publishing import events, notices
from parvis.publishing.crashpoints import crash_during, crashpoint
from parvis.publishing.library import rights_refusal
from parvis.publishing.media_urls import media_url
from parvis.publishing.models import (
    AccountQueue,
    ApprovalState,
    Attempt,
    Charter,
    EditorialSettings,
    PostKind,
    PostMedia,
    Publication,
    State,
)
from parvis.publishing.utm import final_text

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.PARVIS_PUBLISH_LEASE_SECONDS)


def backoff(attempt: int) -> float:
    """Seconds before retry number `attempt` (1-based): 15 s, 30 s, 1 min … capped at 1 h,
    with jitter so that a burst of failures does not retry as one burst."""
    base = min(15.0 * (2 ** max(attempt - 1, 0)), 3600.0)
    return base * random.uniform(0.8, 1.2)


def released_filter(ignoring_pause: bool = False) -> Q:
    """A scheduled publication may go out only if nothing holds it back: its workspace is
    not paused (crisis pause), its post is approved when the workspace requires approval,
    and, if it sits in its account's queue, that queue is not paused. Checked in the same
    query as the claim, so a pause or an edit that lands first always wins.
    `ignoring_pause`: what the pause alone holds back (the list shown on resume)."""
    # A reply from the inbox answers someone now: neither the crisis pause (which holds
    # the editorial plan) nor the client's approval of posts applies to it.
    # Every workspace has its `EditorialSettings` row; should one be missing all the same,
    # both rules read it as the defaults (not paused, no approval), as `EditorialSettings.of`
    # does, rather than hold that workspace's posts without a word.
    return Q(post__kind=PostKind.REPLY) | (
        (Q() if ignoring_pause else Q(post__workspace__editorial__paused_at__isnull=True))
        & (~Q(post__workspace__editorial__requires_approval=True) | Q(post__approval_state=ApprovalState.APPROVED))
        & (Q(in_queue=False) | Q(account__queue__paused=False))
    )


# The states the dispatcher picks up at `next_attempt_at`.
WAITING = (State.SCHEDULED, State.PROCESSING)


def due_filter(now: datetime) -> Q:
    # A publication already under way (lease run out after a crash) is finished even
    # during a pause: it may already be on the network, and reconciling posts nothing new.
    # A step waiting on the network is held by a pause like anything not yet published.
    return (Q(state__in=WAITING, next_attempt_at__lte=now) & released_filter()) | Q(
        state=State.PUBLISHING, lease_expires_at__lt=now
    )


def _claimable(now: datetime) -> Q:
    """`due_filter` on the publication's own columns only (no join): for the UPDATE that
    takes the lease, once the same transaction has found the row due and released."""
    return Q(state__in=WAITING, next_attempt_at__lte=now) | Q(state=State.PUBLISHING, lease_expires_at__lt=now)


@dataclass
class Claim:
    publication: Publication
    token: str
    attempt: Attempt
    lease_until: datetime
    reconcile: bool  # an earlier attempt may have reached the network


def is_released(publication: Publication) -> bool:
    """`released_filter` for one publication read by `claim_query` (its post, and the
    workspace's pause and approval rule and the account queue's state as annotations):
    the same three rules, checked in Python so that the claim locks and reads the row in
    one query. Tests hold the two to agree."""
    if publication.post.kind == PostKind.REPLY:
        return True
    read: Any = publication  # with `claim_query`'s annotations
    # A missing settings row reads as the defaults (not paused, no approval), as in SQL.
    if read.release_paused_at is not None:
        return False
    if read.release_requires_approval and publication.post.approval_state != ApprovalState.APPROVED:
        return False
    if publication.in_queue:
        return read.release_queue_paused is False  # as in SQL: no queue row, no release
    return True


def claim_query(now: datetime) -> QuerySet[Publication]:
    """The claim's read: the publications claimable at `now`, each with what every attempt
    needs (its post, account and workspace) and, as annotations, the rest of what the
    release rules and the text read (the pause, the approval rule, the queue's state,
    UTM tagging, whether there are media). Scalar subqueries rather than joins:
    PostgreSQL plans a join of the seven tables in ~1.3 ms, every claim, and this in
    ~0.3 ms (measured with EXPLAIN ANALYZE). Rarer needs (the author, told of a failure;
    the campaign, with UTM on) load on demand."""
    workspace, account = OuterRef("post__workspace"), OuterRef("account")
    editorial = EditorialSettings.objects.filter(workspace=workspace)
    return Publication.objects.select_related("post", "account", "post__workspace").annotate(
        release_paused_at=Subquery(editorial.values("paused_at")[:1]),
        release_requires_approval=Subquery(editorial.values("requires_approval")[:1]),
        release_queue_paused=Subquery(AccountQueue.objects.filter(account=account).values("paused")[:1]),
        # No charter row: no tagging (as `utm_enabled`), said here so the text needs no query.
        utm_on=Coalesce(Subquery(Charter.objects.filter(workspace=workspace).values("utm_enabled")[:1]), False),
        short_on=Coalesce(Subquery(Charter.objects.filter(workspace=workspace).values("short_links")[:1]), False),
        has_media=Exists(PostMedia.objects.filter(post=OuterRef("post"))),
    ).filter(_claimable(now))


# Lock the publication row only, not the joined post and workspace rows. Every post of a
# run goes through here: the SQL is compiled once per worker thread (compiling it took
# more CPU than the rest of the claim: 1.4 ms a claim, measured at one thread), and the
# row is read without ORDER BY (a primary key names one row).
_CLAIM_READ = CompiledRead(
    lambda now, pk: skip_locked(claim_query(now).filter(pk=pk).order_by())[:1],
    now=Param(Publication._meta.get_field("next_attempt_at"), STAND_IN_TIME),
    pk=Param(Publication._meta.get_field("id"), STAND_IN_ID),
)


def claim_row(publication_id: int, now: datetime) -> Publication | None:
    """`claim_query`'s row for one publication, locked; None if it is not claimable (or
    another claim holds it). Call inside a transaction."""
    return _CLAIM_READ.first(now=now, pk=publication_id)


def claim(publication_id: int, worker: str = WORKER_ID) -> Claim | None:
    """Take the lease on a due publication, or return None if it is not ours to take.

    One query locks the row (PostgreSQL; SQLite's transactions are IMMEDIATE, which takes
    the database write lock) and reads everything the attempt needs; nothing holding it
    back (`is_released`) is checked on what it read. `may_exist` is set in the same
    transaction; whether *this* attempt must reconcile is the value it had before, read
    under the lock, so no other claim can come in between.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    lease_until = now + lease_duration()
    with transaction.atomic():
        mine = Publication.objects.filter(_claimable(now), pk=publication_id)
        publication = claim_row(publication_id, now)
        if publication is None or (publication.state in WAITING and not is_released(publication)):
            return None
        previous = publication.may_exist
        taken = mine.update(
            state=State.PUBLISHING, lease_token=token, lease_expires_at=lease_until, may_exist=True,
            claimed_by=worker, attempts=F("attempts") + 1, enqueued_at=None, updated_at=now,
        )
        if not taken:
            return None
        publication.state, publication.lease_token, publication.lease_expires_at = State.PUBLISHING, token, lease_until
        publication.may_exist, publication.claimed_by, publication.enqueued_at = True, worker, None
        publication.attempts += 1
        read: Any = publication  # with `claim_query`'s annotations
        if read.has_media:  # files and rights
            prefetch_related_objects([publication], "post__media__asset")
        else:  # most posts have none: what the prefetch would leave, without its query
            read.post._prefetched_objects_cache = {"media": PostMedia.objects.none()}
        attempt = Attempt.objects.create(
            publication=publication, number=publication.attempts, worker=worker, started_at=now
        )
    return Claim(publication, token, attempt, lease_until, reconcile=previous)


def _held(claim_: Claim) -> Q:
    return Q(pk=claim_.publication.pk, lease_token=claim_.token, state=State.PUBLISHING)


def renew_lease(claim_: Claim, at_least: timedelta = timedelta(0)) -> bool:
    now = timezone.now()
    until = now + max(lease_duration(), at_least)
    renewed = Publication.objects.filter(_held(claim_), lease_expires_at__gt=now).update(
        lease_expires_at=until, updated_at=now)
    if renewed:
        claim_.lease_until = until
    return bool(renewed)


def ensure_lease(claim_: Claim, request: PublishRequest) -> bool:
    """Make sure our lease outlives the call about to be made, so that nobody else can
    take the publication while we are publishing it. Fresh from the claim it does (no
    round trip needed); after a slow reconciliation, or with many images, renew it."""
    needed = call_duration(request)
    if claim_.lease_until - timezone.now() > needed:
        return True
    return renew_lease(claim_, at_least=needed + min(LEASE_MARGIN, lease_duration()))


# Time to record the outcome once the network has answered (a lease that runs out then
# costs a reconciliation, never a duplicate: only the lease holder records).
LEASE_MARGIN = timedelta(seconds=30)


# Requests besides the uploads in one attempt: the post and a session or reconciliation.
# Networks that publish in steps make a few more (a container, its status, publishing it);
# counting them would make every claim renew its lease (one more write per post, measured)
# for a case that is safe anyway: a lease that runs out mid-attempt makes that attempt's
# next `record` fail (LeaseLost) and its result be reconciled by the next holder.
EXCHANGES = 2


class LeaseLost(Exception):  # noqa: N818 - a state, not a failure of ours
    """Our lease ran out mid-attempt (another worker took over): stop, record nothing."""


def call_duration(request: PublishRequest) -> timedelta:
    """The longest a publish call may take: every request is cut by the guarded HTTP
    layer at its total budget plus the time its bytes may take (an upload per media
    file, then the post and a session or reconciliation request)."""
    seconds = sum(longest_exchange(m.size or 0) for m in request.media) + EXCHANGES * longest_exchange()
    return timedelta(seconds=seconds)


def progress_recorder(claim_: Claim) -> Callable[[dict[str, Any]], None]:
    """The `record` callback of a request: a step's state is written at once, by the lease
    holder only, so that whoever attempts next resumes from it."""
    def record(progress: dict[str, Any]) -> None:
        saved = Publication.objects.filter(_held(claim_)).update(progress=progress, updated_at=timezone.now())
        if not saved:
            raise LeaseLost
        claim_.publication.progress = progress
        crashpoint("after_step")  # between a container's creation and its publishing
    return record


def build_request(publication: Publication, record: Callable[[dict[str, Any]], None] | None = None,
                  ) -> PublishRequest:
    post = publication.post
    by_url = publication.account.network_info.media_by_url  # the network downloads them itself
    media = [
        MediaFile(path=Path(m.asset.file.path), mime_type=m.asset.mime_type,
                  alt_text=m.effective_alt_text, size=m.asset.size, width=m.asset.width, height=m.asset.height,
                  url=media_url(m.asset) if by_url else "")
        for m in post.media.all()  # prefetched with their assets by `claim`
    ]
    return PublishRequest(
        text=final_text(post, publication.account.network, utm=getattr(publication, "utm_on", None),
                        short=getattr(publication, "short_on", None), sending=True),
        idempotency_key=str(publication.idempotency_key),
        media=media,
        language=post.language or post.workspace.language or None,
        created_at=publication.created_at,
        reply_to=ReplyTarget(**publication.reply_to) if publication.reply_to else None,
        options=(post.options or {}).get(publication.account.network, {}),
        progress=dict(publication.progress or {}),
        scheduled_at=publication.due_at,
        **({"record": record} if record is not None else {}),
    )


def _finish_attempt(claim_: Claim, outcome: str, error: str | Text = "") -> None:
    now = timezone.now()
    attempt = claim_.attempt
    attempt.finished_at = now
    attempt.duration_ms = int((now - attempt.started_at).total_seconds() * 1000)
    plain, text = for_storage(error)
    attempt.outcome, attempt.error, attempt.error_text = outcome, plain[:2000], text
    attempt.save(update_fields=["finished_at", "duration_ms", "outcome", "error", "error_text"])


def record_published(claim_: Claim, remote: RemotePost, outcome: str = "published") -> bool:
    now = timezone.now()
    with transaction.atomic():
        done = Publication.objects.filter(_held(claim_)).update(
            state=State.PUBLISHED, remote_id=remote.remote_id, remote_url=remote.url,
            published_at=now, lease_token="", lease_expires_at=None, error="", error_text=None, error_kind="",
            updated_at=now,
        )
        _finish_attempt(claim_, outcome if done else "lost")
        if done:
            publication = claim_.publication
            publication.state, publication.published_at = State.PUBLISHED, now
            publication.remote_id, publication.remote_url = remote.remote_id, remote.url
            events.published(publication)
    if not done:
        # Our lease ran out while we were publishing and another worker took over; it
        # reconciles (may_exist is set) and records this same post. Nothing to undo.
        log.warning("publication %s: lease lost before recording %s", claim_.publication.pk, remote.remote_id)
    return bool(done)


def record_failure(claim_: Claim, error: NetworkError) -> str:
    """Retry later, or fail for good with a reason a person can read. Returns the outcome.

    parvis's own words (the connector's "The Mastodon server had an error (HTTP 503)",
    the engine's "Gave up after…") are stored as a `Text` beside their plain rendering,
    so that the page, the API and the notices read them in each reader's language; a
    network's own message is data, stored and passed on as it came."""
    publication = claim_.publication
    now = timezone.now()
    retry = error.kind is ErrorKind.TRANSIENT and publication.attempts < settings.PARVIS_PUBLISH_MAX_ATTEMPTS
    reason = error.reason
    with transaction.atomic():
        if retry:
            # The server said when: honour it exactly. Otherwise back off.
            delay = max(error.retry_after, 1.0) if error.retry_after is not None else backoff(publication.attempts)
            fields: dict[str, Any] = dict(state=State.SCHEDULED, next_attempt_at=now + timedelta(seconds=delay))
            outcome = "retry"
        else:
            if error.kind is ErrorKind.TRANSIENT:
                reason = Text.gettext("Gave up after %(n)d attempts. Last error: %(error)s",
                                      n=publication.attempts, error=reason)
            fields = dict(state=State.FAILED)
            outcome = "reconnect" if error.kind is ErrorKind.RECONNECT else "failed"
        fields["error"], fields["error_text"] = for_storage(reason)
        # A sure refusal created nothing: the next attempt need not look first (which, on
        # a network that cannot be asked, would hold it as "to check" for nothing).
        fields["may_exist"] = error.uncertain
        updated = Publication.objects.filter(_held(claim_)).update(
            lease_token="", lease_expires_at=None, updated_at=now, error_kind=error.kind.value, **fields)
        _finish_attempt(claim_, outcome if updated else "lost", error.reason)
        if updated and not retry:
            account_newly_flagged = (
                error.kind is ErrorKind.RECONNECT
                and publication.account.mark_reconnect_needed(error.reason)
            )
            notices.publication_failed(publication, reason, account_newly_flagged)
            publication.state = State.FAILED
            events.failed(publication, reason)
    return outcome if updated else "lost"


def record_pending(claim_: Claim, pending: Pending) -> str:
    """The network is processing a step: let go of the publication until `check_in`. The
    post is not on the network yet (that is what `Pending` says), and the poll does not
    count as an attempt: a video may take many."""
    now = timezone.now()
    with transaction.atomic():
        updated = Publication.objects.filter(_held(claim_)).update(
            state=State.PROCESSING, next_attempt_at=now + timedelta(seconds=max(pending.check_in, 1.0)),
            lease_token="", lease_expires_at=None, may_exist=False, attempts=F("attempts") - 1,
            updated_at=now)
        _finish_attempt(claim_, "waiting" if updated else "lost", pending.note)
    if updated:
        claim_.publication.state = State.PROCESSING
    return "waiting" if updated else "lost"


def record_to_check(claim_: Claim, reason: str | Text) -> str:
    """An earlier attempt may have reached the network, which cannot say whether the post
    is there: never send again blindly. The publication waits for a person."""
    now = timezone.now()
    plain, text = for_storage(reason)
    with transaction.atomic():
        updated = Publication.objects.filter(_held(claim_)).update(
            state=State.TO_CHECK, next_attempt_at=None, lease_token="", lease_expires_at=None,
            error=plain, error_text=text, error_kind=Presence.UNKNOWN.value, updated_at=now)
        _finish_attempt(claim_, "to_check" if updated else "lost", reason)
        if updated:
            claim_.publication.state = State.TO_CHECK
            notices.publication_to_check(claim_.publication, reason)
            events.to_check(claim_.publication, reason)
    return "to_check" if updated else "lost"


def first_attempt_at(publication: Publication) -> datetime:
    """Since when the post may be on the network: the first attempt's start."""
    started = publication.attempt_log.order_by("started_at").values_list("started_at", flat=True).first()
    return started or publication.created_at


def reconcile(claim_: Claim, lookup: Lookup) -> str | None:
    """Act on `find_published`'s answer: an outcome, or None to go on and send."""
    if lookup.presence is Presence.FOUND and lookup.post is not None:
        record_published(claim_, lookup.post, outcome="found")
        return "found"
    if lookup.presence is Presence.ABSENT:
        return None
    return record_to_check(claim_, lookup.reason or Text.gettext(
        "The network could not say whether the post went out."))


def publish(publication_id: int, worker: str = WORKER_ID) -> str:
    """Run one attempt at one publication. Returns the outcome (for logs and tests)."""
    claim_ = claim(publication_id, worker)
    if claim_ is None:
        return "skipped"
    publication = claim_.publication
    if publication.attempts > settings.PARVIS_PUBLISH_MAX_ATTEMPTS + 2:
        # Only crashes mid-attempt get here (the retry limit stops errors earlier).
        return record_failure(claim_, NetworkError(
            Text.gettext("The worker stopped during every attempt; publishing was abandoned."), ErrorKind.PERMANENT))
    try:
        connector = registry.connector_for(publication.account)
        request = build_request(publication, record=progress_recorder(claim_))
        if claim_.reconcile:
            outcome = reconcile(claim_, connector.find_published(request, since=first_attempt_at(publication)))
            if outcome is not None:
                return outcome
        refusal = rights_refusal(publication.post)  # rights may have run out since scheduling
        if refusal is not None:
            raise NetworkError(refusal, ErrorKind.PERMANENT)
        crashpoint("before_call")
        if not ensure_lease(claim_, request):
            _finish_attempt(claim_, "lost")
            return "lost"
        started = time.monotonic()
        with crash_during("during_call"):
            remote = connector.publish(request)
        if isinstance(remote, Pending):
            return record_pending(claim_, remote)
        log.info("publication %s published as %s in %.2fs", publication.pk, remote.remote_id,
                 time.monotonic() - started)
        crashpoint("after_call")
    except LeaseLost:
        _finish_attempt(claim_, "lost")
        return "lost"
    except NetworkError as error:
        return record_failure(claim_, error)
    except GuardError as exc:  # a refusal no connector translated: keep parvis's words as words
        return record_failure(claim_, network_error(exc, write=True))
    except (OSError, ValueError) as exc:  # a media file gone missing, undecryptable creds
        return record_failure(claim_, NetworkError(str(exc), ErrorKind.PERMANENT))
    except Exception as exc:  # a bug: retry like a transient error, but never silently
        log.exception("publication %s: unexpected error", publication.pk)
        return record_failure(claim_, NetworkError(
            Text.gettext("Internal error: %(error)s", error=exc.__class__.__name__),
            ErrorKind.TRANSIENT, uncertain=True))
    return "published" if record_published(claim_, remote) else "lost"

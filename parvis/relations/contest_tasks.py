"""Background jobs of contests (huey) and the sweep that queues them (in
`settings.PARVIS_SWEEPS`). Thin: the work is in `contest_entries`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from huey.contrib.djhuey import db_task

from parvis.core.due import claim_due
from parvis.relations import contest_entries
from parvis.relations.models import Contest


@db_task()
def collect_contest_task(contest_id: int) -> None:
    contest_entries.collect_claimed(contest_id)


def dispatch_contest_collections(now: datetime) -> int:
    """Queue a collection job per open contest whose `collect_at` has come (each job
    reads the networks: never inside the sweep)."""
    ids = contest_entries.claim_due_collections(now)
    for pk in ids:
        collect_contest_task(pk)
    return len(ids)


def collect_now(contest: Contest, now: datetime) -> bool:
    """The CM's "Collect now": the contest's collection falls due at once and is claimed
    as the sweep claims it, so that two jobs never collect one contest together. False
    when the contest is not open or a job holds it already (its pass is under way)."""
    held = Q(collect_taken_at__gte=now - contest_entries.LEASE)
    Contest.objects.filter(pk=contest.pk, status=Contest.Status.OPEN).exclude(held).update(collect_at=now)
    ids = claim_due(Contest.objects.filter(pk=contest.pk, status=Contest.Status.OPEN, collect_at__lte=now),
                    now=now, requeue_after=contest_entries.LEASE, order_by=["pk"], limit=1,
                    field="collect_taken_at")
    for pk in ids:
        collect_contest_task(pk)
    return bool(ids)

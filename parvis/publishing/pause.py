"""Crisis pause: one switch stops every scheduled publication of a workspace, nothing is
lost, and on resume a person decides what happens to what would have gone out meanwhile.

The holding itself is the engine's (`released_filter`): a paused workspace's scheduled
publications are never claimed, whether the dispatcher or an already-enqueued job asks.
This module only flips the switch, lists what was held, and applies the decisions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.accounts.actions import notify
from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.publishing import events
from parvis.publishing.dispatcher import default_enqueue
from parvis.publishing.engine import released_filter
from parvis.publishing.models import EditorialSettings, Post, PostKind, Publication, State
from parvis.publishing.validation import PAST_GRACE, FieldError, PostValidationError

PUBLISH_NOW, RESCHEDULE, DROP = "publish_now", "reschedule", "drop"
ACTIONS = (PUBLISH_NOW, RESCHEDULE, DROP)
DEFAULTS = (PUBLISH_NOW, DROP)  # "publish all now" / "drop all": no time to give for the rest


class PauseConflict(Exception):
    """The workspace is not in the state the request assumed (already paused, not paused)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class Decision:
    publication_id: int
    action: str
    scheduled_at: datetime | None = None


@dataclass
class PauseStatus:
    paused: bool
    paused_at: datetime | None
    paused_by: User | None
    reason: str
    missed: list[Publication]
    # Publications a worker had already claimed: they finish (they may already be on the
    # network, and stopping half-way could lose or duplicate them).
    in_flight: int


@dataclass
class ResumeResult:
    outcomes: list[tuple[Publication, str]] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(action for _publication, action in self.outcomes)


def missed_publications(workspace: Workspace, now: datetime | None = None) -> QuerySet[Publication]:
    """What would have been published by `now` but for the pause, oldest first.

    Everything scheduled and due counts, including a publication that fell due just before
    the pause and was not yet claimed, and a retry whose back-off ended during the pause:
    all of them would go out the moment the pause lifts, so the person decides on each.
    Publications held for another reason (not approved, queue paused) are not listed.
    """
    now = now or timezone.now()
    return (
        Publication.objects.filter(post__workspace=workspace, post__kind=PostKind.POST, state=State.SCHEDULED,
                                   next_attempt_at__lte=now)
        .filter(released_filter(ignoring_pause=True))
        .select_related("post__workspace", "post__workspace__editorial", "account")
        .order_by("next_attempt_at", "pk")
    )


def in_flight_count(workspace: Workspace) -> int:
    return Publication.objects.filter(post__workspace=workspace, state=State.PUBLISHING).count()


def pause_status(workspace: Workspace, now: datetime | None = None) -> PauseStatus:
    editorial = EditorialSettings.of(workspace)
    missed = list(missed_publications(workspace, now)) if editorial.is_paused else []
    return PauseStatus(
        paused=editorial.is_paused, paused_at=editorial.paused_at, paused_by=editorial.paused_by,
        reason=editorial.pause_reason, missed=missed, in_flight=in_flight_count(workspace),
    )


def _locked(workspace: Workspace) -> EditorialSettings:
    # The row lock (PostgreSQL) serialises pause and resume; SQLite's IMMEDIATE
    # transactions already hold the database write lock (select_for_update is a no-op).
    # Only the settings row is locked: the workspace row stays free for other writers.
    editorial, _created = (EditorialSettings.objects.select_for_update(of=("self",)).select_related("workspace")
                           .get_or_create(workspace=workspace))
    return editorial


def pause_workspace(workspace: Workspace, actor: User, reason: str) -> PauseStatus:
    """Stop every scheduled publication of the workspace until it is resumed."""
    reason = (reason or "").strip()
    if not reason:
        raise PostValidationError([FieldError(
            "reason", _("Say why publishing is paused: your team and the audit log will read it."),
            "required")])
    with transaction.atomic():
        editorial = _locked(workspace)
        if editorial.is_paused:
            raise PauseConflict("workspace", _("Publishing is already paused in this workspace."))
        editorial.paused_at, editorial.pause_reason, editorial.paused_by = timezone.now(), reason, actor
        editorial.save(update_fields=["paused_at", "pause_reason", "paused_by"])
        locked = editorial.workspace
        record(locked, "workspace.pause", actor=actor, target=locked,
               summary=Text.gettext("Publishing paused: %(reason)s", reason=reason), after=reason)
        _tell_members(locked, actor, "workspace_paused", reason=reason)
        events.pause_event("pause.started", locked, actor, reason)
    workspace.editorial = editorial
    return pause_status(workspace)


def _check_decisions(decisions: Sequence[Decision], missed: dict[int, Publication], default: str | None,
                     now: datetime) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[int] = set()
    for i, decision in enumerate(decisions):
        where = f"decisions[{i}]"
        if decision.publication_id in seen:
            errors.append(FieldError(f"{where}.publication", _("This publication is listed twice."), "duplicate"))
        elif decision.publication_id not in missed:
            errors.append(FieldError(f"{where}.publication", _(
                "This publication is not among those held by the pause (it may have been cancelled, "
                "or it is not due yet)."), "not_missed"))
        seen.add(decision.publication_id)
        if decision.action not in ACTIONS:
            errors.append(FieldError(f"{where}.action", _("Choose publish_now, reschedule or drop."), "invalid"))
        elif decision.action == RESCHEDULE:
            errors += _check_time(f"{where}.scheduled_at", decision.scheduled_at, now)
    undecided = set(missed) - seen
    if default is not None and default not in DEFAULTS:
        errors.append(FieldError("default", _("Choose publish_now or drop."), "invalid"))
    elif default is None and undecided:
        errors.append(FieldError("default", ngettext(
            "%(n)d held publication has no decision: say what to do with it (publish_now or drop).",
            "%(n)d held publications have no decision: say what to do with them (publish_now or drop).",
            len(undecided)) % {"n": len(undecided)}, "required"))
    return errors


def _check_time(where: str, when: datetime | None, now: datetime) -> list[FieldError]:
    if when is None:
        return [FieldError(where, _("Choose the new date and time."), "required")]
    if timezone.is_naive(when):
        return [FieldError(where, _("Give the time with its offset, like 2026-03-02T09:00:00+01:00."),
                           "naive")]
    if when < now - PAST_GRACE:
        return [FieldError(where, _("This time is in the past. Choose a later time or publish now."), "past")]
    return []


def resume_workspace(workspace: Workspace, actor: User, decisions: Sequence[Decision] = (),
                     default: str | None = None) -> ResumeResult:
    """Apply a decision to every publication held by the pause, and lift the pause, in one
    transaction: the engine sees the workspace unpaused only together with the decisions,
    so nothing held goes out unless the person said so. `default` covers every held
    publication without its own decision, including any that fell due after the page was
    shown. Publications due later are untouched and go out at their time."""
    with transaction.atomic():
        editorial = _locked(workspace)
        locked = editorial.workspace
        if not editorial.is_paused:
            raise PauseConflict("workspace", _("Publishing is not paused in this workspace."))
        now = timezone.now()
        missed = {p.pk: p for p in missed_publications(locked, now)}
        errors = _check_decisions(decisions, missed, default, now)
        if errors:
            raise PostValidationError(errors)
        chosen = {d.publication_id: d for d in decisions}
        result = ResumeResult()
        for pk, publication in missed.items():
            decision = chosen.get(pk) or Decision(pk, str(default))  # checked: no default, no gap
            if _apply(publication, decision, now):
                result.outcomes.append((publication, decision.action))
        _sync_post_times({p.post for p, action in result.outcomes if action == RESCHEDULE})
        reason = editorial.pause_reason
        editorial.paused_at, editorial.pause_reason, editorial.paused_by = None, "", None
        editorial.save(update_fields=["paused_at", "pause_reason", "paused_by"])
        record(locked, "workspace.resume", actor=actor, target=locked, summary=_summary(result),
               before=reason, after=_details(result, locked))
        _tell_members(locked, actor, "workspace_resumed", result=result)
        events.pause_event("pause.ended", locked, actor, reason)
        now_ids = [p.pk for p, action in result.outcomes if action == PUBLISH_NOW]
        if now_ids:
            transaction.on_commit(lambda: _enqueue(now_ids))
    workspace.editorial = editorial
    return result


def _enqueue(publication_ids: list[int]) -> None:
    for pk in publication_ids:
        default_enqueue(pk)


def _apply(publication: Publication, decision: Decision, now: datetime) -> bool:
    """Conditional on the row still being scheduled: an editor may have cancelled it."""
    rows = Publication.objects.filter(pk=publication.pk, state=State.SCHEDULED)
    if decision.action == PUBLISH_NOW:
        done = rows.update(next_attempt_at=now, enqueued_at=None, updated_at=now)
    elif decision.action == RESCHEDULE:
        done = rows.update(due_at=decision.scheduled_at, next_attempt_at=decision.scheduled_at,
                           enqueued_at=None, updated_at=now)
        publication.due_at = decision.scheduled_at
    else:
        done = rows.update(state=State.CANCELLED, next_attempt_at=None, enqueued_at=None, updated_at=now)
    return bool(done)


def _sync_post_times(posts: set[Post]) -> None:
    # The post's own time is what the composer shows back: keep it when every account of
    # the post was moved to the same new time.
    for post in posts:
        times = set(post.publications.filter(state=State.SCHEDULED).values_list("due_at", flat=True))
        if len(times) == 1:
            post.scheduled_at = times.pop()
            post.save(update_fields=["scheduled_at", "updated_at"])


def _label(action: str) -> str:
    return {PUBLISH_NOW: _("publish now"), RESCHEDULE: _("reschedule"), DROP: _("drop")}[action]


def _summary(result: ResumeResult) -> Text:
    counts = result.counts
    return Text.gettext("Publishing resumed. Held publications: %(now)d published now, %(later)d rescheduled, "
                        "%(dropped)d dropped.", now=counts[PUBLISH_NOW], later=counts[RESCHEDULE],
                        dropped=counts[DROP])


def _details(result: ResumeResult, workspace: Workspace) -> str:
    lines = []
    for publication, action in result.outcomes:
        line = f"#{publication.pk} {publication.account} “{publication.post.text[:60]}”: {_label(action)}"
        if action == RESCHEDULE and publication.due_at:
            line += f" → {publication.due_at.astimezone(workspace.tz).isoformat()}"
        lines.append(line)
    return "\n".join(lines)


def _tell_members(workspace: Workspace, actor: User, kind: str, reason: str = "",
                  result: ResumeResult | None = None) -> None:
    """Every member, each in their own language (else the workspace's)."""
    users = [membership.user for membership in workspace.memberships.select_related("user")]
    url = reverse("web:workspace_pause", args=[workspace.pk])
    if result is None:
        subject = Text.gettext("Publishing paused in %(workspace)s", workspace=workspace.name)
        message = Text.gettext("%(actor)s paused all publishing in “%(workspace)s”: %(reason)s. Nothing "
                               "scheduled will be published until publishing is resumed.",
                               actor=str(actor), workspace=workspace.name, reason=reason)
    else:
        subject = Text.gettext("Publishing resumed in %(workspace)s", workspace=workspace.name)
        message = Text.gettext("%(resumed)s %(summary)s", resumed=Text.gettext(
            "%(actor)s resumed publishing in “%(workspace)s”.", actor=str(actor), workspace=workspace.name),
            summary=_summary(result))
    notify(users, workspace, kind, subject, message, url)

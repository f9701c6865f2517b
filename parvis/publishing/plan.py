"""The plan: what goes out when, as the calendar shows it. One event per post and time
(its publications on several accounts together), filtered, placed in month or week grids
in the viewer's time zone; and the times a drag and drop asks for."""

from __future__ import annotations

import calendar as pycal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.core.ids import parse_id
from parvis.publishing.approval_status import state_label
from parvis.publishing.models import ApprovalState, Post, PostKind, Publication, State
from parvis.publishing.schedule import parse_local_time
from parvis.publishing.validation import FieldError, PostValidationError

# The state an event shows when its publications differ: what needs attention first.
STATE_PRIORITY = [State.FAILED, State.PUBLISHING, State.SCHEDULED, State.DRAFT, State.PUBLISHED,
                  State.CANCELLED]
LOCKED_STATES = (State.PUBLISHING, State.PUBLISHED)
SLOT_MINUTES = 30


@dataclass(frozen=True)
class PlanFilters:
    """The calendar's filters, read from GET parameters; anything unreadable is ignored."""

    workspace: int | None = None
    account: int | None = None
    campaign: int | None = None
    label: int | None = None
    state: str = ""
    approval: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PlanFilters:
        state, approval = params.get("state", ""), params.get("approval", "")
        return cls(workspace=parse_id(params.get("workspace")), account=parse_id(params.get("account")),
                   campaign=parse_id(params.get("campaign")), label=parse_id(params.get("label")),
                   state=state if state in State.values else "",
                   approval=approval if approval in ApprovalState.values else "")

    def as_strings(self) -> dict[str, str]:
        """For the filter form: which option is selected."""
        return {key: "" if value is None else str(value) for key, value in self.__dict__.items()}

    def apply(self, publications: QuerySet[Publication]) -> QuerySet[Publication]:
        wanted = {
            "post__workspace_id": self.workspace, "account_id": self.account,
            "post__campaign_id": self.campaign, "post__labels": self.label,
            "state": self.state or None, "post__approval_state": self.approval or None,
        }
        return publications.filter(**{key: value for key, value in wanted.items() if value is not None})


@dataclass
class Event:
    post: Post
    due: datetime
    publications: list[Publication] = field(default_factory=list)
    movable: bool = False  # set by `events_between` from all the post's publications

    @property
    def workspace(self) -> Workspace:
        return self.post.workspace

    @property
    def state(self) -> str:
        states = {p.state for p in self.publications}
        return next((s for s in STATE_PRIORITY if s in states), State.SCHEDULED)

    @property
    def state_label(self) -> str:
        return state_label(self.post, self.state)  # "Awaiting approval" when approval holds it

    @property
    def networks(self) -> list[str]:
        return sorted({p.account.network for p in self.publications})

    @property
    def first(self) -> Publication:
        return self.publications[0]


def events_between(workspaces: QuerySet[Workspace], filters: PlanFilters, start: datetime, end: datetime
                   ) -> list[Event]:
    found = filters.apply(Publication.objects.filter(
        post__workspace__in=workspaces, post__kind=PostKind.POST, due_at__gte=start, due_at__lt=end))
    found = (found.select_related("account", "post", "post__workspace", "post__campaign")
             .prefetch_related("post__labels").order_by("due_at", "post_id", "pk").distinct())
    events: dict[tuple[int, datetime], Event] = {}
    for publication in found:
        key = (publication.post_id, publication.due_at)
        event = events.setdefault(key, Event(publication.post, publication.due_at))  # type: ignore[arg-type]
        event.publications.append(publication)
    _mark_movable(list(events.values()))
    return list(events.values())


def _mark_movable(events: list[Event]) -> None:
    """Movable: nothing of the post is out or going out, and something is still to move."""
    states: dict[int, set[str]] = {}
    rows = Publication.objects.filter(post_id__in={e.post.pk for e in events}).values_list("post_id", "state")
    for post_id, state in rows:
        states.setdefault(post_id, set()).add(state)
    for event in events:
        post_states = states.get(event.post.pk, set())
        event.movable = not post_states & set(LOCKED_STATES) and bool(
            {State.SCHEDULED, State.DRAFT} & post_states)


# -- grids -----------------------------------------------------------------------------

def month_days(anchor: date) -> list[date]:
    first = anchor.replace(day=1)
    weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [d for week in weeks for d in week]


def week_days(anchor: date) -> list[date]:
    start = anchor - timedelta(days=anchor.weekday())
    return [start + timedelta(days=i) for i in range(7)]


def span(days: list[date], tz: ZoneInfo) -> tuple[datetime, datetime]:
    return (datetime.combine(days[0], time.min, tz),
            datetime.combine(days[-1] + timedelta(days=1), time.min, tz))


def slot_of(moment: datetime, tz: ZoneInfo) -> tuple[date, time]:
    local = moment.astimezone(tz)
    minute = local.minute - local.minute % SLOT_MINUTES
    return local.date(), time(local.hour, minute)


def month_grid(days: list[date], events: list[Event], tz: ZoneInfo) -> list[list[dict[str, object]]]:
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(event.due.astimezone(tz).date(), []).append(event)
    cells = [{"day": d, "events": by_day.get(d, [])} for d in days]
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def week_grid(days: list[date], events: list[Event], tz: ZoneInfo) -> list[dict[str, object]]:
    """One row per half hour of the day, one cell per day."""
    by_slot: dict[tuple[date, time], list[Event]] = {}
    for event in events:
        by_slot.setdefault(slot_of(event.due, tz), []).append(event)
    rows = []
    for index in range(24 * 60 // SLOT_MINUTES):
        slot = time(index * SLOT_MINUTES // 60, index * SLOT_MINUTES % 60)
        rows.append({"time": slot, "cells": [
            {"day": d, "at": f"{d.isoformat()}T{slot:%H:%M}", "events": by_slot.get((d, slot), [])}
            for d in days]})
    return rows


# -- where a drop lands ------------------------------------------------------------------

def same_time_on(post: Post, day: date) -> datetime:
    """The post moved to `day` at the same wall-clock time in the zone it was planned in
    (09:30 in Paris stays 09:30, whatever the DST offset of the new day)."""
    tz_name = post.schedule_timezone or post.workspace.timezone
    current = post.scheduled_at or post.publications.order_by("due_at").values_list("due_at", flat=True).first()
    if current is None:
        raise PostValidationError([FieldError("scheduled_at", _("This post has no time to keep."), "required")])
    local = current.astimezone(ZoneInfo(tz_name))
    return _local(datetime.combine(day, local.time()).isoformat(timespec="minutes"), tz_name)


def slot_start(raw: str, tz_name: str) -> datetime:
    """A week-view cell (`2026-05-12T14:30`, wall-clock time in the viewer's zone)."""
    return _local(raw, tz_name)


def _local(raw: str, tz_name: str) -> datetime:
    when, errors = parse_local_time(raw, tz_name)
    if errors:
        raise PostValidationError(errors)
    if when is None:
        raise PostValidationError([FieldError("scheduled_at", _("Choose a day and a time."), "required")])
    return when

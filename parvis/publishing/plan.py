"""The plan: what goes out when, as the calendar shows it. One event per post and time
(its publications on several accounts together), filtered, placed in the cells of a month
(one per local day) or a week (one per half hour) in the viewer's time zone; and the times
a drag and drop asks for. Which events a cell shows is read by `plan_cells`."""

from __future__ import annotations

import calendar as pycal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from parvis.core.ids import parse_id
from parvis.publishing.models import ApprovalState, Post, Publication, State
from parvis.publishing.schedule import parse_local_time
from parvis.publishing.validation import FieldError, PostValidationError

# The state an event shows when its publications differ: what needs attention first.
STATE_PRIORITY = [State.FAILED, State.TO_CHECK, State.PUBLISHING, State.PROCESSING, State.SCHEDULED, State.DRAFT,
                  State.PUBLISHED, State.CANCELLED]
# Under way or out (or maybe out): the calendar cannot move them.
LOCKED_STATES = (State.PUBLISHING, State.PROCESSING, State.TO_CHECK, State.PUBLISHED)
SLOT_MINUTES = 30
EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - the origin of wall-clock cell numbers, in no zone


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
    """A post at one time, with its publications (id, account id, state) at that time."""

    post_id: int
    workspace_id: int
    due: datetime
    publications: list[tuple[int, int, str]] = field(default_factory=list)
    campaign_id: int | None = None
    # Read for the events shown only:
    text: str = ""
    movable: bool = False  # nothing of the post is out or going out, and something is still to move
    image: int | None = None  # the library asset of its first image, for a thumbnail
    video: bool = False  # its first media is a video (no thumbnail)
    approval_state: str = ApprovalState.NONE  # its post's

    def awaits_approval(self, requires_approval: bool) -> bool:
        """Scheduled, but held until its post is approved (`approval_status`'s rule)."""
        return self.state == State.SCHEDULED and requires_approval and self.approval_state != ApprovalState.APPROVED

    @property
    def state(self) -> str:
        states = {state for _pk, _account, state in self.publications}
        return next((s for s in STATE_PRIORITY if s in states), State.SCHEDULED)

    @property
    def first(self) -> int:
        """The publication a click opens."""
        return self.publications[0][0]


@dataclass
class Cell:
    """The events of a day (month) or a half hour (week) that are shown, and how many
    the cell holds in all."""

    events: list[Event] = field(default_factory=list)
    total: int = 0
    offset: int = 0  # events of the cell before these (a page of `cell_page`)
    capped: bool = False  # the cell holds more than `total` events: they were counted up to there

    @property
    def more(self) -> int:
        """Events after these."""
        return max(0, self.total - self.offset - len(self.events))


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


def day_number(day: date) -> int:
    """A day's cell: days since 1970-01-01."""
    return (day - EPOCH.date()).days


def slot_number(day: date, slot: time) -> int:
    """A half hour's cell: half hours of wall-clock time since 1970-01-01 00:00."""
    return (datetime.combine(day, slot) - EPOCH) // timedelta(minutes=SLOT_MINUTES)


def month_grid(days: list[date], cells: dict[int, Cell]) -> list[list[dict[str, object]]]:
    rows = [{"day": d, "cell": cells.get(day_number(d), Cell())} for d in days]
    return [rows[i:i + 7] for i in range(0, len(rows), 7)]


def week_grid(days: list[date], cells: dict[int, Cell]) -> list[dict[str, object]]:
    """One row per half hour of the day, one cell per day."""
    rows = []
    for index in range(24 * 60 // SLOT_MINUTES):
        slot = time(index * SLOT_MINUTES // 60, index * SLOT_MINUTES % 60)
        rows.append({"time": slot, "cells": [
            {"day": d, "at": f"{d.isoformat()}T{slot:%H:%M}", "cell": cells.get(slot_number(d, slot), Cell())}
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

"""Working hours and the on-duty rota: who is called, and when a notification may wait.

Times are wall-clock times in the workspace's zone (a rota says "Monday 9:00–18:00 in
Paris", whatever the season). A period whose end is before its start runs past midnight
into the next day (a night relay 22:00–07:00).

No rota at all: the workspace's owners and managers are on duty (a freelancer alone
does not have to write a rota for themselves). No working hours at all: always open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from parvis.accounts.actions import owners_of
from parvis.accounts.models import Membership, User, Workspace
from parvis.inbox.errors import InboxError
from parvis.inbox.models import DutySlot, WorkingHours


class DutyError(InboxError):
    """A working-hours or rota entry that cannot be saved."""


def covers(weekday: int, starts: time, ends: time, local: datetime) -> bool:
    """Does the weekly period (weekday, starts→ends) contain `local` (a wall-clock time)?"""
    now_t, today = local.time(), local.weekday()
    if starts < ends:
        return weekday == today and starts <= now_t < ends
    # Past midnight: the evening part on `weekday`, the morning part on the day after.
    return (weekday == today and now_t >= starts) or ((weekday + 1) % 7 == today and now_t < ends)


def local_time(workspace: Workspace, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(workspace.timezone))


def is_working_time(workspace: Workspace, at: datetime) -> bool:
    hours = list(WorkingHours.objects.filter(workspace=workspace))
    if not hours:
        return True
    local = local_time(workspace, at)
    return any(covers(h.weekday, h.starts, h.ends, local) for h in hours)


def _slots(workspace: Workspace, role: str, at: datetime) -> list[User]:
    local = local_time(workspace, at)
    members = set(Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True))
    people = [s.user for s in DutySlot.objects.filter(workspace=workspace, role=role).select_related("user")
              if s.user_id in members and covers(s.weekday, s.starts, s.ends, local)]
    return list({u.pk: u for u in people}.values())


def on_duty(workspace: Workspace, at: datetime) -> list[User]:
    if not DutySlot.objects.filter(workspace=workspace).exists():
        return owners_of(workspace)
    return _slots(workspace, DutySlot.Role.ON_DUTY, at)


def relays(workspace: Workspace, at: datetime) -> list[User]:
    if not DutySlot.objects.filter(workspace=workspace).exists():
        return owners_of(workspace)
    found = _slots(workspace, DutySlot.Role.RELAY, at)
    # A relay named for no particular time is the relay at any time.
    return found or [s.user for s in DutySlot.objects.filter(workspace=workspace, role=DutySlot.Role.RELAY)
                     .select_related("user")][:1]


def who_to_tell(workspace: Workspace, at: datetime, urgent: bool) -> list[User]:
    """The people a new item is told to: whoever is on duty (or the relay if nobody is)
    during working hours; outside them, only urgent items, to the on-duty or relay person."""
    if not urgent and not is_working_time(workspace, at):
        return []
    return on_duty(workspace, at) or relays(workspace, at)


def check_period(weekday: int, starts: time | None, ends: time | None) -> None:
    if weekday not in range(7):
        raise DutyError("weekday", _("Choose a day of the week."))
    if starts is None:
        raise DutyError("starts", _("Give the time it starts."))
    if ends is None:
        raise DutyError("ends", _("Give the time it ends."))
    if starts == ends:
        raise DutyError("ends", _("The end must differ from the start (22:00 to 07:00 runs past midnight)."))


def set_hours(workspace: Workspace, periods: Iterable[tuple[int, time, time]]) -> list[WorkingHours]:
    """Replace the working hours with `periods` (checked first; nothing changes on error)."""
    periods = list(periods)
    for weekday, starts, ends in periods:
        check_period(weekday, starts, ends)
    WorkingHours.objects.filter(workspace=workspace).delete()
    return WorkingHours.objects.bulk_create(
        [WorkingHours(workspace=workspace, weekday=d, starts=s, ends=e) for d, s, e in periods])


def add_slot(workspace: Workspace, user: User, weekday: int, starts: time | None, ends: time | None,
             role: str = DutySlot.Role.ON_DUTY) -> DutySlot:
    check_period(weekday, starts, ends)
    if role not in DutySlot.Role.values:
        raise DutyError("role", _("Choose on duty or relay."))
    if not Membership.objects.filter(workspace=workspace, user=user).exists():
        raise DutyError("user", _("Choose a member of this workspace."))  # never who they are
    assert starts is not None and ends is not None  # checked above
    return DutySlot.objects.create(workspace=workspace, user=user, weekday=weekday, starts=starts, ends=ends,
                                   role=role)


def earliest_start(workspace_ids: Iterable[int]) -> time | None:
    """When the earliest working period of these workspaces starts, on any day (wall
    clock in each one's zone): where a week calendar opens."""
    starts = WorkingHours.objects.filter(workspace_id__in=list(workspace_ids)).values_list("starts", flat=True)
    return min(starts, default=None)


def week_table(workspace: Workspace) -> Sequence[tuple[int, list[DutySlot]]]:
    """The rota by weekday, for display."""
    slots = list(DutySlot.objects.filter(workspace=workspace).select_related("user"))
    return [(day, [s for s in slots if s.weekday == day]) for day in range(7)]


def next_working_start(workspace: Workspace, at: datetime) -> datetime | None:
    """When the next working period starts (for "snooze until the team is back")."""
    hours = list(WorkingHours.objects.filter(workspace=workspace))
    if not hours:
        return None
    zone = ZoneInfo(workspace.timezone)
    local = at.astimezone(zone)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        starts = sorted(h.starts for h in hours if h.weekday == day.weekday())
        for start in starts:
            candidate = datetime.combine(day, start, tzinfo=zone)
            if candidate > local:
                return candidate
    return None

""""Check now": read a workspace's inboxes at the dispatcher's next pass, not at their
adaptive interval (up to PARVIS_INBOX_MAX_INTERVAL).

The database still decides when (see `polling`): this only makes the workspace's poll
rows due now, and the dispatcher claims and enqueues them like any due row, so a check
never reads a stream twice at once. Streams backing off after an error (a network's rate
limit among them) keep their wait: asking again sooner would only be refused again.

At most once per workspace every PARVIS_INBOX_CHECK_NOW_SECONDS, counted by a
conditional UPDATE of its `InboxSettings` row: two clicks, two tabs or two web servers
count once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.accounts.models import Workspace
from parvis.inbox import polling
from parvis.inbox.models import InboxSettings, Poller
from parvis.networks.models import AccountStatus, SocialAccount


class TooSoon(Exception):
    """The workspace's inbox was checked less than the allowed interval ago."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.message = ngettext(
            "The inbox was checked a moment ago: try again in %(seconds)d second.",
            "The inbox was checked a moment ago: try again in %(seconds)d seconds.", retry_after,
        ) % {"seconds": retry_after}
        super().__init__(self.message)


@dataclass
class CheckResult:
    accounts: list[str] = field(default_factory=list)  # read at the next pass
    backing_off: list[str] = field(default_factory=list)  # waiting after an error
    reconnect: list[str] = field(default_factory=list)  # cannot be read until reconnected

    def __add__(self, other: CheckResult) -> CheckResult:
        return CheckResult(self.accounts + other.accounts, self.backing_off + other.backing_off,
                           self.reconnect + other.reconnect)

    @property
    def message(self) -> str:
        if not (self.accounts or self.backing_off or self.reconnect):
            return _("No connected account to check in this workspace.")
        parts = []
        if self.accounts:
            parts.append(ngettext(
                "Checking %(count)d account now: new messages appear within a few seconds.",
                "Checking %(count)d accounts now: new messages appear within a few seconds.",
                len(self.accounts)) % {"count": len(self.accounts)})
        if self.backing_off:
            parts.append(_("Waiting after an error, read at its usual time: %(accounts)s.")
                         % {"accounts": ", ".join(self.backing_off)})
        if self.reconnect:
            parts.append(_("Reconnect it to read its inbox: %(accounts)s.") % {"accounts": ", ".join(self.reconnect)})
        return " ".join(parts)


def interval() -> timedelta:
    return timedelta(seconds=settings.PARVIS_INBOX_CHECK_NOW_SECONDS)


def _take_turn(workspace: Workspace, now: datetime) -> None:
    config = InboxSettings.of(workspace)
    free = Q(checked_now_at__isnull=True) | Q(checked_now_at__lte=now - interval())
    if InboxSettings.objects.filter(free, pk=config.pk).update(checked_now_at=now):
        return
    config.refresh_from_db(fields=["checked_now_at"])
    last = config.checked_now_at or now
    raise TooSoon(max(1, math.ceil((last + interval() - now).total_seconds())))


def check_now(workspace: Workspace, now: datetime | None = None) -> CheckResult:
    """Make the workspace's inbox streams due now. Raises TooSoon when asked again
    within the interval."""
    now = now or timezone.now()
    _take_turn(workspace, now)
    polling.ensure_pollers(now)  # an account connected a moment ago has its rows
    result = CheckResult()
    accounts = SocialAccount.objects.filter(workspace=workspace).order_by("network", "handle", "pk")
    for account in accounts.prefetch_related("inbox_pollers"):
        streams = [p for p in account.inbox_pollers.all() if p.stream != Poller.REFRESH]
        if account.status != AccountStatus.ACTIVE:
            result.reconnect.append(account.shown_handle)
        elif any(p.failures == 0 for p in streams):
            result.accounts.append(account.shown_handle)
        elif streams:
            result.backing_off.append(account.shown_handle)
    Poller.objects.filter(account__workspace=workspace, account__status=AccountStatus.ACTIVE, failures=0,
                          next_poll_at__gt=now).exclude(stream=Poller.REFRESH).update(next_poll_at=now)
    return result

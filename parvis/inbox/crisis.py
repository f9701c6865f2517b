"""Crisis detection: negative or toxic items rising far above a workspace's usual level.

How: every time new items are stored, count the workspace's negative-or-toxic items of
the last hour (by their time on the network) and compare with its usual level, the 95th
percentile of the same count over each hour of the 14 days before (hours with none count
as 0, so a quiet brand's usual level is low and a busy one's is high). An alert fires when
the last hour reaches both `crisis_min_items` (a handful of angry replies is not a crisis)
and `crisis_factor` times the usual level (at least 1). The percentile, not the mean,
keeps the brand's ordinary busy hours (a weekly live show) from setting it off, and the
factor keeps one noisy afternoon below the bar. One alert per workspace per
`QUIET_AFTER`: the people told don't need it repeated every poll.

It tells the on-duty and relay people at any hour (a crisis is urgent) and offers the
crisis pause of scheduled posts in one click.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.inbox import events
from parvis.inbox.models import CrisisAlert, InboxSettings, Item, Sentiment

WINDOW = timedelta(hours=1)
HISTORY = timedelta(days=14)
QUIET_AFTER = timedelta(hours=3)
PERCENTILE = 0.95


def negative() -> Q:
    return Q(in_inbox=True) & (Q(sentiment=Sentiment.NEGATIVE) | Q(toxic=True))


def usual_level(workspace: Workspace, now: datetime) -> float:
    """The 95th percentile of hourly negative-or-toxic counts over the 14 days before the
    current window."""
    start, end = now - WINDOW - HISTORY, now - WINDOW
    counts = list(
        Item.objects.filter(negative(), workspace=workspace, created_at__gte=start, created_at__lt=end)
        .annotate(hour=TruncHour("created_at")).values("hour").annotate(n=Count("id")).values_list("n", flat=True)
    )
    hours = int(HISTORY / timedelta(hours=1))
    values = sorted([0] * (hours - len(counts)) + counts)
    return float(values[min(len(values) - 1, int(PERCENTILE * len(values)))])


def check(workspace: Workspace, now: datetime | None = None) -> CrisisAlert | None:
    """Fire an alert if the last hour is a crisis; returns it (None: no new alert)."""
    now = now or timezone.now()
    config = InboxSettings.of(workspace)
    if not config.crisis_alerts:
        return None
    count = Item.objects.filter(negative(), workspace=workspace, created_at__gt=now - WINDOW,
                                created_at__lte=now).count()
    if count < config.crisis_min_items:
        return None
    usual = usual_level(workspace, now)
    if count < config.crisis_factor * max(usual, 1.0):
        return None
    if CrisisAlert.objects.filter(workspace=workspace, started_at__gt=now - QUIET_AFTER).exists():
        return None
    with transaction.atomic():
        alert = CrisisAlert.objects.create(workspace=workspace, started_at=now - WINDOW, window_end=now,
                                           count=count, usual=usual)
        events.crisis(alert)
    tell(alert)
    return alert


def tell(alert: CrisisAlert) -> None:
    from parvis.accounts.actions import notify
    from parvis.inbox import alerts, duty

    workspace = alert.workspace
    people = duty.on_duty(workspace, alert.window_end) + duty.relays(workspace, alert.window_end)
    subject = Text.gettext("Possible crisis on %(workspace)s", workspace=workspace.name)
    message = Text.gettext("%(count)d negative or insulting messages in the last hour, against %(usual)s usually. "
                           "Check the inbox, and pause the scheduled posts if needed.",
                           count=alert.count, usual=f"{alert.usual:g}")
    url = reverse("web:workspace_pause", args=[workspace.pk])
    notify(people, workspace, "inbox_crisis", subject, message, url)
    alerts.to_webhooks(workspace, subject, message, url, urgent=True, key=f"crisis-{alert.pk}",
                       topic="crisis")


def check_all(workspaces: Iterable[Workspace], now: datetime | None = None) -> list[CrisisAlert]:
    return [alert for w in workspaces if (alert := check(w, now)) is not None]


def active_alerts(workspaces: Iterable[Workspace], now: datetime | None = None) -> list[CrisisAlert]:
    """Each workspace's newest unacknowledged alert of the last hours (shown in the inbox)."""
    now = now or timezone.now()
    found = (CrisisAlert.objects.filter(workspace__in=list(workspaces), acknowledged_at__isnull=True,
                                        started_at__gt=now - QUIET_AFTER - WINDOW)
             .select_related("workspace").order_by("workspace_id", "-started_at"))
    newest: dict[int, CrisisAlert] = {}
    for alert in found:
        newest.setdefault(alert.workspace_id, alert)
    return list(newest.values())


def active_alert(workspace: Workspace, now: datetime | None = None) -> CrisisAlert | None:
    return next(iter(active_alerts([workspace], now)), None)


def acknowledge(alert: CrisisAlert, user: User) -> None:
    """Someone has seen the alert: it leaves the inbox's banner (the first one counts)."""
    CrisisAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=user)

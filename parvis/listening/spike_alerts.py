"""Telling people of a monitor's spike, through the inbox's duty rota, quiet hours and
chat channels: whoever is on duty (or the relay) is told, outside working hours too, as
for a crisis, each by app, email or push as they chose (the topic la veille); the chat
channels that carry la veille get it too. Each monitor's hour is told once (SpikeAlert
is unique per monitor and hour)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.urls import reverse

from parvis.accounts.actions import notify
from parvis.core.texts import Text
from parvis.inbox import duty
from parvis.listening import spikes
from parvis.listening.models import Hit, Monitor, SpikeAlert

LOOK_BACK = timedelta(days=spikes.BASELINE_DAYS, hours=2)
USUAL_SAMPLE = 500  # hits of the usual hours read for the drivers


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hourly_counts(monitor: Monitor, now_hour: datetime) -> dict[datetime, int]:
    rows = (Hit.objects.filter(monitor=monitor, published_at__gte=now_hour - LOOK_BACK,
                               published_at__lt=now_hour + timedelta(hours=1))
            .annotate(hour=TruncHour("published_at")).values("hour").annotate(n=Count("id")))
    return {hour_of(row["hour"]): row["n"] for row in rows}


def _mention(hit: Hit) -> spikes.Mention:
    if hit.entry is not None:
        site = urlsplit(hit.entry.url).hostname or hit.entry.source.title
        return spikes.Mention(f"{hit.entry.title} {hit.entry.text[:500]}", site, hit.entry.author)
    item = hit.item
    assert item is not None
    return spikes.Mention(item.text, item.network, item.author.handle)


def _mentions(hits: object) -> list[spikes.Mention]:
    return [_mention(h) for h in hits.select_related("entry", "entry__source", "item", "item__author")]  # type: ignore[attr-defined]


def check(monitor: Monitor, now: datetime) -> SpikeAlert | None:
    """Whether the monitor's current hour is a spike; if so (and not told yet), tell."""
    now_hour = hour_of(now)
    found = spikes.detect(hourly_counts(monitor, now_hour), now_hour)
    if found is None or SpikeAlert.objects.filter(monitor=monitor, hour=now_hour).exists():
        return None
    this_hour = Hit.objects.filter(monitor=monitor, published_at__gte=now_hour,
                                   published_at__lt=now_hour + timedelta(hours=1))
    usual = Hit.objects.filter(monitor=monitor, published_at__gte=now_hour - LOOK_BACK,
                               published_at__lt=now_hour).order_by("-published_at")[:USUAL_SAMPLE]
    drivers = spikes.drivers(_mentions(this_hour), _mentions(usual))
    try:
        with transaction.atomic():
            alert = SpikeAlert.objects.create(
                monitor=monitor, hour=now_hour, count=found.count, expected=round(found.expected, 2),
                z=round(found.z, 2), drivers={"terms": drivers.terms, "sources": drivers.sources,
                                              "authors": drivers.authors})
            _tell(monitor, alert, now)
    except IntegrityError:
        return None  # another worker told it
    return alert


def _tell(monitor: Monitor, alert: SpikeAlert, now: datetime) -> None:
    workspace = monitor.workspace
    terms = ", ".join(word for word, _n in alert.drivers.get("terms", [])[:3])
    subject = Text.gettext("Spike on “%(monitor)s”: %(count)d mentions this hour (usually %(expected)s)",
                           monitor=monitor.name, count=alert.count, expected=f"{alert.expected:.0f}")
    message = Text.gettext("What drives it: %(terms)s.", terms=terms) if terms else subject
    url = reverse("web:veille_monitor", args=[workspace.pk, monitor.pk])
    people = duty.who_to_tell(workspace, now, urgent=True)
    # Chat channels carrying la veille get it from notify(); with nobody on duty, they alone.
    notify(people, workspace, "veille_spike", subject, message, url)


def check_all(now: datetime) -> int:
    told = 0
    since = hour_of(now)
    for monitor in Monitor.objects.filter(active=True, hits__found_at__gte=since - timedelta(hours=1)).distinct() \
            .select_related("workspace"):
        told += check(monitor, now) is not None
    return told

"""Crisis detection on a simulated spike: a brand's ordinary fortnight of comments, then an
hour when negative replies pour in. The sentiment is set directly on the simulated items
so that this tests the detector, not the classifier (tested in test_understand.py)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from parvis.inbox import crisis
from parvis.inbox.ingest import store
from parvis.inbox.models import CrisisAlert, InboxSettings, Item
from parvis.inbox.tests.factories import inbound


def simulate(account, now, *, per_hour_negative: list[int]) -> None:
    """Items over the hours before `now` (oldest first), `n` negative ones per hour and as
    many neutral ones, spread inside each hour."""
    rng = random.Random(7)
    entries, negative_ids = [], []
    hours = len(per_hour_negative)
    for h, negatives in enumerate(per_hour_negative):
        hour_start = now - timedelta(hours=hours - h)
        for k in range(negatives * 2):
            entry = inbound(f"message {h}-{k}", at=hour_start + timedelta(seconds=rng.randrange(1, 3599)))
            entries.append(entry)
            if k < negatives:
                negative_ids.append(entry.remote_id)
    store(account, entries, analyser=lambda items: None)
    Item.objects.filter(remote_id__in=negative_ids).update(sentiment="negative")
    Item.objects.exclude(remote_id__in=negative_ids).update(sentiment="neutral")


def usual_fortnight(rng: random.Random) -> list[int]:
    """14 days of an ordinary brand: a few grumbles in the day, quiet nights, and a
    weekly live show that always brings 6 complaints."""
    counts = []
    for hour in range(14 * 24):
        day_hour = hour % 24
        counts.append(rng.choice([0, 1, 1, 2]) if 9 <= day_hour < 21 else 0)
        if hour % (7 * 24) == 20:
            counts[-1] = 6
    return counts


def test_a_spike_far_above_the_usual_level_fires_one_alert_and_tells_the_on_duty(account, people):
    now = timezone.now()
    simulate(account, now, per_hour_negative=[*usual_fortnight(random.Random(1)), 30])
    alert = crisis.check(people["workspace"], now)
    assert alert is not None and alert.count == 30
    assert 1 <= alert.usual <= 3  # the 95th percentile of the fortnight, not its worst hour
    notified = people["owner"].notifications.get(kind="inbox_crisis")
    assert "30" in notified.message and notified.url.endswith(f"/w/{people['workspace'].pk}/pause/")
    # The next polls in the same storm don't repeat it.
    assert crisis.check(people["workspace"], now + timedelta(minutes=5)) is None
    assert CrisisAlert.objects.count() == 1


def test_an_ordinary_busy_hour_is_not_a_crisis(account, people):
    now = timezone.now()
    simulate(account, now, per_hour_negative=[*usual_fortnight(random.Random(2)), 6])  # like the live show
    assert crisis.check(people["workspace"], now) is None


def test_a_few_angry_replies_on_a_quiet_brand_are_not_a_crisis(account, people):
    now = timezone.now()
    simulate(account, now, per_hour_negative=[0] * (14 * 24) + [5])  # 5x the usual, but only 5
    assert crisis.check(people["workspace"], now) is None
    settings = InboxSettings.of(people["workspace"])
    settings.crisis_min_items = 5
    settings.save()
    assert crisis.check(people["workspace"], now) is not None


def test_alerts_can_be_switched_off(account, people):
    now = timezone.now()
    settings = InboxSettings.of(people["workspace"])
    settings.crisis_alerts = False
    settings.save()
    simulate(account, now, per_hour_negative=[0] * 24 + [40])
    assert crisis.check(people["workspace"], now) is None

"""Spikes: when a monitor's hour is far above its usual level, and what drives it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from parvis.listening.spikes import Drivers, Mention, Spike, baseline, detect, drivers

MONDAY = datetime(2025, 3, 3, tzinfo=UTC)


def week(rate: float | dict[int, float], *, days: int = 14, seed: int = 1) -> dict[datetime, int]:
    """Poisson counts for every hour of `days` days from MONDAY: one rate for every hour,
    or a rate by hour of the day."""
    rng = np.random.default_rng(seed)
    out: dict[datetime, int] = {}
    for hour in range(days * 24):
        mean = rate if isinstance(rate, float) else rate.get(hour % 24, rate[-1])
        out[MONDAY + timedelta(hours=hour)] = int(rng.poisson(mean))
    return out


def test_the_baseline_is_the_same_hour_and_its_neighbours_on_the_7_days_before():
    now = MONDAY + timedelta(days=8, hours=14)
    hourly = {now - timedelta(days=day) + timedelta(hours=offset): 100 * day + offset
              for day in range(1, 9) for offset in (-1, 0, 1)}
    hourly[now - timedelta(hours=1)] = 999  # the hour before this one is not usual: it is today
    hourly.pop(now - timedelta(days=3, hours=1))  # absent counts 0
    expected = [100 * day + offset for day in range(1, 8) for offset in (-1, 0, 1)]
    expected[expected.index(299)] = 0
    assert baseline(hourly, now) == expected


@pytest.mark.parametrize("rate", [2.0, 20.0, 300.0])
def test_a_flat_monitor_with_noise_never_spikes_over_a_week(rate):
    hourly = week(rate, seed=int(rate))
    second_week = [MONDAY + timedelta(days=7, hours=hour) for hour in range(7 * 24)]
    assert [hour for hour in second_week if detect(hourly, hour)] == []


def test_a_quiet_monitor_going_from_nothing_to_a_few_hits_is_not_a_spike():
    now = MONDAY + timedelta(days=7, hours=14)
    hourly = {now: 4}  # every hour before: 0
    assert detect(hourly, now) is None
    assert detect({now: 9}, now) is None  # under the floor of 10
    spike = detect({now: 10}, now)
    assert spike is not None and spike.expected == 0 and spike.z == 10  # spread floored at 1


def test_a_tenfold_jump_at_two_in_the_afternoon_is_a_spike():
    hourly = week(20.0, days=8, seed=3)
    now = MONDAY + timedelta(days=7, hours=14)
    hourly[now] = 200
    spike = detect(hourly, now)
    assert spike is not None
    assert spike.count == 200 and 17 < spike.expected < 23 and spike.z > 20
    assert spike.drivers == Drivers()
    assert detect(hourly, now + timedelta(hours=1)) is None  # the next hour is back to usual


def test_a_rush_seen_every_morning_is_not_a_spike_but_the_same_rush_at_night_is():
    rates = {9: 150.0, -1: 20.0}  # 150 hits at 9:00 every day, 20 an hour otherwise
    hourly = week(rates, days=8, seed=4)
    nine = MONDAY + timedelta(days=7, hours=9)
    assert hourly[nine] > 120
    assert detect(hourly, nine) is None
    three = MONDAY + timedelta(days=7, hours=3)
    hourly[three] = hourly[nine]
    assert detect(hourly, three) is not None


def test_the_spread_is_at_least_the_square_root_of_the_mean():
    now = MONDAY + timedelta(days=7, hours=14)
    steady = {now - timedelta(days=day) + timedelta(hours=offset): 16 for day in range(1, 8) for offset in (-1, 0, 1)}
    assert detect({**steady, now: 30}, now) is None  # z = (30 - 16) / 4 = 3.5, but not 3 × 16
    spike = detect({**steady, now: 48}, now)
    assert spike == Spike(count=48, expected=16, z=8.0)
    assert detect({**steady, now: 48}, now, ratio_min=3.5) is None


def test_a_naive_hour_is_refused():
    with pytest.raises(ValueError):
        detect({}, datetime(2025, 3, 3, 14))  # noqa: DTZ001


# Drivers

USUAL_WORDS = ["offre", "forfait", "client", "facture", "boutique", "promo", "abonnement", "livraison",
               "conseiller", "appli", "compte", "prix"]


def usual_hours(rng: random.Random) -> list[Mention]:
    return [Mention(text=f"Orange {' '.join(rng.sample(USUAL_WORDS, 4))} https://orange.fr/?utm_source=x",
                    source=rng.choice(["bluesky", "mastodon", "lemonde.fr", "twitter", "forum"]),
                    author=f"user{rng.randrange(400)}")
            for _ in range(300)]


def burst(rng: random.Random) -> list[Mention]:
    out = []
    for n in range(60):
        if n < 42:
            extra = rng.choice(["Panne réseau Orange depuis ce matin", "encore une PANNE du réseau",
                                "#panne plus de réseau chez Orange", "le réseau Orange en panne, 2 heures déjà"])
        else:
            extra = "Orange " + " ".join(rng.sample(USUAL_WORDS, 3))
        source = "bluesky" if n % 5 else rng.choice(["mastodon", "lemonde.fr", "forum"])
        author = "colere_client" if n % 8 == 0 else f"user{rng.randrange(10_000)}"
        out.append(Mention(text=extra + " " + rng.choice(USUAL_WORDS), source=source, author=author))
    return out


def test_the_drivers_of_a_burst_are_named_first():
    rng = random.Random(5)
    found = drivers(burst(rng), usual_hours(rng))
    assert {term for term, _count in found.terms[:2]} == {"panne", "reseau"}
    assert "orange" not in dict(found.terms)  # in every hit, now as usual: it drives nothing
    assert found.sources[0] == ("bluesky", 48)
    assert found.authors == [("colere_client", 8)]  # 8 of 60; every other author posted once


def test_sources_and_authors_need_two_hits_and_a_tenth_of_the_hour():
    current = [Mention("panne", source="a", author="x")] * 3 + [Mention("panne", source=f"s{n}", author="y")
                                                               for n in range(37)]
    found = drivers(current, [])
    assert found.sources == []  # "a" has 3 of 40 hits: under 10 %
    assert found.authors == [("y", 37)]  # "x" too
    assert drivers(current[:10], []).sources == [("a", 3)]


def test_with_no_usual_hours_the_most_frequent_terms_are_the_drivers():
    current = [Mention("Panne réseau"), Mention("panne réseau"), Mention("panne 2025"), Mention("réseau"),
               Mention("panne, réseau et fibre")]
    assert drivers(current, []).terms == [("panne", 4), ("reseau", 4)]  # "fibre" is in 1 hit, "2025" a number

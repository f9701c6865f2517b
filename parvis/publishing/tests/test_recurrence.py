"""Recurring posts: RFC 5545 rules read in wall-clock time, across both daylight-saving
changes of 2026 in Europe/Paris and America/Montreal, and occurrences made once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing import recurrence
from parvis.publishing.models import Label, Post, PostMedia, Publication, Series, State
from parvis.publishing.recurrence import create_series, edit_series, materialise, parse_rule, stop_series
from parvis.publishing.validation import PostValidationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
PARIS, MONTREAL = "Europe/Paris", "America/Montreal"
LONG = timedelta(days=400)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


@pytest.fixture
def account(bluesky_offline: SocialAccount) -> SocialAccount:
    """Bluesky, not the root's Mastodon row: editing is checked against its 300 graphemes."""
    return bluesky_offline


def series_of(people: dict[str, Any], account: SocialAccount, rule: str, start: str, tz: str,
              horizon: timedelta = LONG, **end: Any) -> Series:
    """A series from a post scheduled at `start` (local), created the day before it."""
    local = datetime.fromisoformat(start)
    first = recurrence.local_to_utc(local, ZoneInfo(tz))
    post = Post.objects.create(workspace=people["workspace"], author=people["editor"], text="Le pain du lundi",
                               scheduled_at=first, schedule_timezone=tz)
    Publication.objects.create(post=post, account=account, state=State.SCHEDULED, due_at=first,
                               next_attempt_at=first)
    now = first - timedelta(days=1)
    series = create_series(people["workspace"], people["editor"], post, rule, local, tz, now=now, **end)
    materialise(series, now, horizon)
    return series


def times(series: Series) -> list[datetime | None]:
    return list(series.occurrences.order_by("occurrence_at").values_list("occurrence_at", flat=True))


def local_times(series: Series) -> list[str]:
    tz = ZoneInfo(series.timezone)
    return [t.astimezone(tz).strftime("%Y-%m-%d %H:%M %z") for t in times(series) if t is not None]


# -- every Monday 09:00 stays 09:00 -------------------------------------------------------

@pytest.mark.parametrize(("tz", "start", "expected"), [
    (PARIS, "2026-03-16T09:00", [utc(2026, 3, 16, 8), utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)]),
    (PARIS, "2026-10-19T09:00", [utc(2026, 10, 19, 7), utc(2026, 10, 26, 8), utc(2026, 11, 2, 8)]),
    (MONTREAL, "2026-03-02T09:00", [utc(2026, 3, 2, 14), utc(2026, 3, 9, 13), utc(2026, 3, 16, 13)]),
    (MONTREAL, "2026-10-26T09:00", [utc(2026, 10, 26, 13), utc(2026, 11, 2, 14), utc(2026, 11, 9, 14)]),
])
def test_every_monday_at_nine_stays_nine_local_across_dst(people, account, tz, start, expected):
    series = series_of(people, account, "FREQ=WEEKLY;BYDAY=MO;COUNT=3", start, tz)
    assert times(series) == expected
    assert {t[11:16] for t in local_times(series)} == {"09:00"}
    offsets = {t[-5:] for t in local_times(series)}
    assert len(offsets) == 2  # the UTC offset changed, the wall clock did not
    due = Publication.objects.filter(post__series=series).order_by("due_at").values_list("due_at", flat=True)
    assert list(due) == expected


# -- the skipped hour (spring forward) ----------------------------------------------------

@pytest.mark.parametrize(("tz", "start", "expected"), [
    # Paris skips 02:00-03:00 on 2026-03-29: 02:30 goes out at 03:30 CEST.
    (PARIS, "2026-03-28T02:30", ["2026-03-28 02:30 +0100", "2026-03-29 03:30 +0200", "2026-03-30 02:30 +0200"]),
    # Montréal skips 02:00-03:00 on 2026-03-08.
    (MONTREAL, "2026-03-07T02:30", ["2026-03-07 02:30 -0500", "2026-03-08 03:30 -0400",
                                    "2026-03-09 02:30 -0400"]),
])
def test_a_daily_time_in_the_skipped_hour_is_shifted_forward_by_the_gap(people, account, tz, start, expected):
    series = series_of(people, account, "FREQ=DAILY;COUNT=3", start, tz)
    assert local_times(series) == expected


# -- the repeated hour (fall back) --------------------------------------------------------

def test_an_ambiguous_time_in_montreal_takes_the_first_one(people, account):
    # 01:30 happens twice on 2026-11-01 in Montréal (EDT, then EST): the first, 05:30 UTC.
    series = series_of(people, account, "FREQ=DAILY;COUNT=3", "2026-10-31T01:30", MONTREAL)
    assert times(series) == [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_an_ambiguous_time_in_paris_takes_the_first_one(people, account):
    series = series_of(people, account, "FREQ=DAILY;COUNT=3", "2026-10-24T02:30", PARIS)
    assert local_times(series) == ["2026-10-24 02:30 +0200", "2026-10-25 02:30 +0200", "2026-10-26 02:30 +0100"]


# -- first day of every month, with an end -------------------------------------------------

def test_first_day_of_every_month_with_a_count(people, account):
    series = series_of(people, account, "FREQ=MONTHLY;BYMONTHDAY=1", "2026-02-01T10:00", PARIS, count=3)
    assert local_times(series) == ["2026-02-01 10:00 +0100", "2026-03-01 10:00 +0100", "2026-04-01 10:00 +0200"]
    assert series.count == 3 and series.rrule == "FREQ=MONTHLY;BYMONTHDAY=1"


def test_first_day_of_every_month_until_a_date_includes_that_day(people, account):
    series = series_of(people, account, "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20260501", "2026-02-01T10:00", MONTREAL)
    assert local_times(series) == ["2026-02-01 10:00 -0500", "2026-03-01 10:00 -0500", "2026-04-01 10:00 -0400",
                                   "2026-05-01 10:00 -0400"]
    assert series.until == date(2026, 5, 1) and "UNTIL" not in series.rrule


def test_first_monday_of_the_month_preset(people, account):
    rule = recurrence.preset_rule("monthly_weekday", weekday=0)
    series = series_of(people, account, rule, "2026-03-02T09:00", PARIS, count=3)
    assert local_times(series) == ["2026-03-02 09:00 +0100", "2026-04-06 09:00 +0200", "2026-05-04 09:00 +0200"]


def test_presets_make_valid_rules():
    start = datetime(2026, 3, 2, 9)
    assert recurrence.preset_rule("daily") == "FREQ=DAILY"
    assert recurrence.preset_rule("weekly", weekdays=[3, 0]) == "FREQ=WEEKLY;BYDAY=MO,TH"
    assert recurrence.preset_rule("monthly_day", monthday=15) == "FREQ=MONTHLY;BYMONTHDAY=15"
    for preset, _label in recurrence.PRESETS[:-1]:
        parse_rule(recurrence.preset_rule(preset, weekdays=[1], monthday=2, weekday=0), start)


def test_a_start_off_the_rule_moves_the_first_post_to_the_first_match(people, account):
    # Wednesday start, every Monday: the post becomes the Monday occurrence.
    series = series_of(people, account, "FREQ=WEEKLY;BYDAY=MO;COUNT=2", "2026-03-04T09:00", PARIS)
    template = Post.objects.get(pk=series.template_id)
    assert template.occurrence_at == template.scheduled_at == utc(2026, 3, 9, 8)
    assert template.publications.get().due_at == utc(2026, 3, 9, 8)
    assert times(series) == [utc(2026, 3, 9, 8), utc(2026, 3, 16, 8)]


# -- materialising ------------------------------------------------------------------------

def test_occurrences_copy_the_template(people, account, png):
    from parvis.publishing.models import MediaAsset

    series = series_of(people, account, "FREQ=WEEKLY;BYDAY=MO", "2026-03-02T09:00", PARIS, horizon=timedelta(days=1))
    template = Post.objects.get(pk=series.template_id)
    label = Label.objects.create(workspace=people["workspace"], name="Pain")
    template.labels.add(label)
    template.variants = {"bluesky": "Pain 🦋"}
    template.language = "fr"
    template.save()
    asset = MediaAsset.objects.create(workspace=people["workspace"], mime_type="image/png", original_name="p.png")
    media = PostMedia(post=template, asset=asset, alt_text="Une baguette")
    if hasattr(media, "mime_type"):
        media.mime_type = "image/png"  # the post medium still has its own file facts
    media.save()

    series.occurrences.exclude(pk=template.pk).delete()
    Series.objects.filter(pk=series.pk).update(materialised_until=None)
    now = utc(2026, 3, 1)
    assert materialise(series, now, timedelta(days=20)) == 2  # 9 and 16 March
    copy = series.occurrences.exclude(pk=template.pk).order_by("occurrence_at").first()
    assert copy is not None
    assert (copy.text, copy.variants, copy.language) == (template.text, template.variants, "fr")
    assert list(copy.labels.all()) == [label]
    assert copy.media.get().asset_id == asset.pk and copy.media.get().alt_text == "Une baguette"
    publication = copy.publications.get()
    assert (publication.account_id, publication.state) == (account.pk, State.SCHEDULED)
    assert publication.due_at == publication.next_attempt_at == copy.occurrence_at == copy.scheduled_at
    assert copy.approval_state == "none"


def test_materialise_goes_up_to_the_horizon_and_continues_from_there(people, account):
    series = series_of(people, account, "FREQ=DAILY", "2026-03-01T09:00", PARIS, horizon=timedelta(days=3))
    count = series.occurrences.count()
    series.refresh_from_db()
    assert series.materialised_until == utc(2026, 2, 28, 8) + timedelta(days=60)  # create_series' horizon
    assert count == 60
    # From 29 April (where the first run stopped) to 9 May: ten more mornings.
    assert materialise(series, utc(2026, 3, 10, 12)) == 10
    assert times(series)[-1] == utc(2026, 5, 9, 7)


def test_materialise_twice_makes_nothing_new(people, account):
    series = series_of(people, account, "FREQ=WEEKLY;BYDAY=MO,TH", "2026-03-02T09:00", PARIS)
    before = times(series)
    now = utc(2026, 3, 1)
    assert materialise(series, now, LONG) == 0
    Series.objects.filter(pk=series.pk).update(materialised_until=None)
    assert materialise(series, now, LONG) == 0
    assert times(series) == before


def test_two_materialisers_racing_create_each_occurrence_once(people, account, monkeypatch):
    series = series_of(people, account, "FREQ=DAILY;COUNT=5", "2026-03-02T09:00", PARIS, horizon=timedelta(days=1))
    Series.objects.filter(pk=series.pk).update(materialised_until=None)
    series.occurrences.exclude(pk=series.template_id).delete()
    # Neither sees the other's rows before inserting: only the unique constraint stops them.
    real_filter = Post.objects.filter
    monkeypatch.setattr(Post.objects, "filter", lambda *a, **k: real_filter(pk__in=[]) if "occurrence_at" in k
                        else real_filter(*a, **k))
    now = utc(2026, 3, 1)
    first = materialise(series, now, LONG)
    Series.objects.filter(pk=series.pk).update(materialised_until=None)
    second = materialise(series, now, LONG)
    assert (first, second) == (4, 0)
    assert series.occurrences.count() == 5
    assert Publication.objects.filter(post__series=series).count() == 5


def test_the_sweep_fills_active_series_only(people, account):
    active = series_of(people, account, "FREQ=DAILY", "2026-03-02T09:00", PARIS, horizon=timedelta(days=1))
    stopped = series_of(people, account, "FREQ=DAILY", "2026-03-02T10:00", PARIS, horizon=timedelta(days=1))
    stop_series(stopped, people["editor"], now=utc(2026, 3, 1))
    later = utc(2026, 4, 15)
    n_stopped = stopped.occurrences.count()
    assert recurrence.materialise_series(later) > 0
    assert active.occurrences.filter(occurrence_at__gt=later + timedelta(days=59)).exists()
    assert stopped.occurrences.count() == n_stopped
    assert recurrence.materialise_series(later) == 0  # nothing left to do until the horizon moves


def test_a_yearly_rule_still_shows_its_next_occurrence(people, account):
    series = series_of(people, account, "FREQ=YEARLY", "2026-12-24T18:00", PARIS, horizon=timedelta(days=1))
    assert times(series) == [utc(2026, 12, 24, 17)]
    assert materialise(series, utc(2026, 12, 25)) == 1  # far beyond the 60 days, but the next one
    assert times(series) == [utc(2026, 12, 24, 17), utc(2027, 12, 24, 17)]
    assert materialise(series, utc(2026, 12, 26)) == 0


# -- editing and stopping -----------------------------------------------------------------

def test_editing_replaces_future_unpublished_occurrences_only(people, account):
    series = series_of(people, account, "FREQ=WEEKLY;BYDAY=MO;COUNT=6", "2026-03-02T09:00", PARIS)
    published = series.occurrences.order_by("occurrence_at")[1]
    published.publications.update(state=State.PUBLISHED)
    now = utc(2026, 3, 1)
    edit_series(series, people["editor"], text="Nouveau texte", rule="FREQ=WEEKLY;BYDAY=TH", count=6, now=now)
    texts = dict(series.occurrences.values_list("occurrence_at", "text"))
    assert texts[published.occurrence_at] == "Le pain du lundi"  # already out: kept
    thursdays = [t for t in texts if t != published.occurrence_at]
    assert all(t.astimezone(ZoneInfo(PARIS)).weekday() == 3 for t in thursdays)
    assert {texts[t] for t in thursdays} == {"Nouveau texte"}
    series.refresh_from_db()
    assert series.template is not None and series.template.text == "Nouveau texte"
    assert AuditEntry.objects.filter(action="series.edited", after__contains="Nouveau texte").exists()


def test_editing_checks_the_text_against_the_accounts(people, account):
    series = series_of(people, account, "FREQ=DAILY;COUNT=2", "2026-03-02T09:00", PARIS)
    with pytest.raises(PostValidationError) as caught:
        edit_series(series, people["editor"], text="x" * 400, rule="FREQ=DAILY;COUNT=2", now=utc(2026, 3, 1))
    assert "text" in caught.value.by_field()
    assert series.occurrences.count() == 2


def test_stopping_cancels_the_occurrences_still_to_come(people, account):
    series = series_of(people, account, "FREQ=DAILY;COUNT=4", "2026-03-02T09:00", PARIS)
    states = stop_series(series, people["manager"], now=utc(2026, 3, 3, 12))
    assert states == 2
    assert list(Publication.objects.filter(post__series=series).order_by("due_at")
                .values_list("state", flat=True)) == ["scheduled", "scheduled", "cancelled", "cancelled"]
    series.refresh_from_db()
    assert not series.active
    assert materialise(series, utc(2026, 3, 3, 12)) == 0


# -- bad rules name the field -------------------------------------------------------------

@pytest.mark.parametrize(("rule", "end", "field", "words"), [
    ("FREQ=HOURLY", {}, "rrule", "once a day"),
    ("FREQ=MINUTELY;INTERVAL=5", {}, "rrule", "once a day"),
    ("FREQ=WEEKLY;BYHOUR=9", {}, "rrule", "BYHOUR"),
    ("BYDAY=MO", {}, "rrule", "FREQ"),
    ("FREQ=DAILY;COUNT=2;UNTIL=20261231", {}, "rrule", "not both"),
    ("FREQ=WEEKLY;BYDAY=XX", {}, "rrule", "valid"),
    ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", {}, "rrule", "never"),
    ("FREQ=DAILY;COUNT=many", {}, "rrule", "COUNT"),
    ("FREQ=DAILY;UNTIL=tomorrow", {}, "rrule", "UNTIL"),
    ("", {}, "rrule", "Enter"),
    ("DTSTART:20260101T090000\nRRULE:FREQ=DAILY", {}, "rrule", "single"),
    ("FREQ=DAILY", {"until": date(2025, 1, 1)}, "until", "before"),
    ("FREQ=DAILY", {"until": date(2027, 1, 1), "count": 3}, "until", "not both"),
    ("FREQ=DAILY", {"count": 0}, "count", "between"),
    ("FREQ=DAILY;COUNT=3", {"count": 3}, "rrule", "already"),
])
def test_bad_rules_name_the_field(rule, end, field, words):
    with pytest.raises(PostValidationError) as caught:
        parse_rule(rule, datetime(2026, 3, 2, 9), **end)
    messages = caught.value.by_field()
    assert list(messages) == [field]
    assert words in messages[field][0]


def test_rules_repeating_too_often_in_a_year_are_refused(monkeypatch):
    monkeypatch.setattr(recurrence, "MAX_PER_YEAR", 300)
    with pytest.raises(PostValidationError) as caught:
        parse_rule("FREQ=DAILY", datetime(2026, 3, 2, 9))
    assert "300 times a year" in caught.value.by_field()["rrule"][0]
    parse_rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", datetime(2026, 3, 2, 9))


def test_an_unknown_time_zone_names_the_field(people, account):
    post = Post.objects.create(workspace=people["workspace"], text="x")
    with pytest.raises(PostValidationError) as caught:
        create_series(people["workspace"], people["editor"], post, "FREQ=DAILY", datetime(2026, 3, 2, 9),
                      "Mars/Olympus")
    assert "timezone" in caught.value.by_field()
    assert not Series.objects.exists()


def test_rrule_prefix_and_lower_case_are_accepted():
    assert parse_rule("RRULE:freq=weekly;byday=mo,fr", datetime(2026, 3, 2, 9)).text == "FREQ=WEEKLY;BYDAY=MO,FR"

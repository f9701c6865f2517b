"""Recurring posts: an RFC 5545 rule read in wall-clock time, so that "every Monday 09:00"
stays 09:00 in Paris (or Montréal) on both sides of a daylight-saving change.

Occurrences are computed with dateutil on *naive* local datetimes from the series' first
local time, and only then placed in the series' zone and stored in UTC:

- a local time skipped when clocks go forward (02:30 on the last Sunday of March in
  Paris) is moved forward by the length of the gap: it goes out at 03:30;
- a local time that happens twice when clocks go back (01:30 on the first Sunday of
  November in Montréal) is taken the first time (fold=0).

Occurrences are ordinary posts (`Post.series`, `Post.occurrence_at`) created ahead of time
("materialised") up to a horizon, so the calendar shows them and approval, the charter
and the engine treat them like any post. The unique (series, occurrence_at) constraint
makes materialising idempotent, even when two dispatchers do it at once.

The series' template is the post that new occurrences copy (text, variants, language,
campaign, labels, media, target accounts): at first the post the series was created
from, which is also its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.db import IntegrityError, transaction
from django.db.models import Min, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.core.ids import MAX_ID, parse_int
from parvis.networks.models import SocialAccount
from parvis.publishing.models import EDITABLE_STATES, Post, PostMedia, Publication, Series, State
from parvis.publishing.validation import FieldError, PostInput, PostValidationError, check_post, parse_timezone

HORIZON = timedelta(days=60)
# The sweep tops a series up when less than this is left before its horizon.
REFILL = timedelta(days=1)
MAX_PER_YEAR = 1000
PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST")
FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
TOO_OFTEN = ("HOURLY", "MINUTELY", "SECONDLY")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Impossible rules (30 February) make dateutil search forever: look this far at most.
SEARCH_SPAN = timedelta(days=366 * 5)

PRESETS = [
    ("daily", gettext_lazy("Every day")),
    ("weekly", gettext_lazy("Every week, on the chosen days")),
    ("monthly_day", gettext_lazy("Every month, on the same day of the month")),
    ("monthly_weekday", gettext_lazy("Every month, on the first same weekday")),
    ("custom", gettext_lazy("Custom rule (RFC 5545 RRULE)")),
]


@dataclass(frozen=True)
class Rule:
    """A checked rule: `text` without its end, which is kept apart (a date or a count)."""

    text: str
    until: date | None = None
    count: int | None = None


def _error(message: str, name: str = "rrule", code: str = "invalid") -> PostValidationError:
    return PostValidationError([FieldError(name, message, code)])


def preset_rule(preset: str, *, weekdays: Sequence[int] = (), monthday: int = 1, weekday: int = 0) -> str:
    """The RRULE of one of the composer's presets (`PRESETS`)."""
    if preset == "daily":
        return "FREQ=DAILY"
    if preset == "weekly":
        days = sorted({d for d in weekdays if 0 <= d <= 6}) or [weekday]
        return "FREQ=WEEKLY;BYDAY=" + ",".join(DAY_CODES[d] for d in days)
    if preset == "monthly_day":
        return f"FREQ=MONTHLY;BYMONTHDAY={monthday}"
    if preset == "monthly_weekday":
        return f"FREQ=MONTHLY;BYDAY=1{DAY_CODES[weekday]}"
    raise _error(_("Choose how often the post repeats."), "repeat", "required")


def _split(raw: str) -> dict[str, str]:
    text = raw.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        raise _error(_("Enter a repeat rule, for example FREQ=WEEKLY;BYDAY=MO."), code="required")
    if "\n" in text or ":" in text:
        raise _error(_("Enter a single RRULE (like FREQ=WEEKLY;BYDAY=MO), without DTSTART or other lines."))
    parts: dict[str, str] = {}
    for chunk in filter(None, (c.strip() for c in text.upper().split(";"))):
        name, sep, value = chunk.partition("=")
        if not sep or not value:
            raise _error(_("“%(part)s” is not a NAME=VALUE part of a rule.") % {"part": chunk})
        if name not in PARTS:
            raise _error(_("%(name)s is not supported in a repeat rule; use %(names)s. The time of "
                           "day is the start time.") % {"name": name, "names": ", ".join(PARTS)},
                         code="unsupported")
        if name in parts:
            raise _error(_("%(name)s appears twice in the rule.") % {"name": name})
        parts[name] = value
    return parts


def _until_date(value: str) -> date:
    try:
        # Only the date counts (the series ends after that local day), whatever the time says.
        return date.fromisoformat(f"{value[:4]}-{value[4:6]}-{value[6:8]}") if len(value) in (8, 15, 16) else (
            date.fromisoformat(value))
    except ValueError:
        raise _error(_("UNTIL must be a date like 20261231.")) from None


def _end(parts: dict[str, str], until: date | None, count: int | None) -> tuple[date | None, int | None]:
    if until is not None and count is not None:
        raise _error(_("End the series on a date or after a number of times, not both."), "until")
    if ("UNTIL" in parts or "COUNT" in parts) and (until is not None or count is not None):
        raise _error(_("The rule already says when it ends (UNTIL or COUNT): leave the end fields empty."))
    if "UNTIL" in parts and "COUNT" in parts:
        raise _error(_("A rule may have UNTIL or COUNT, not both."))
    if "UNTIL" in parts:
        until = _until_date(parts.pop("UNTIL"))
    if "COUNT" in parts:
        count = parse_int(parts.pop("COUNT"), MAX_ID)  # "²" passes isdigit() but not int()
        if count is None:
            raise _error(_("COUNT must be a whole number."))
    if count is not None and not 1 <= count <= 10_000:
        raise _error(_("The number of times must be between 1 and 10000."), "count")
    return until, count


def parse_rule(raw: str, start: datetime, until: date | None = None, count: int | None = None) -> Rule:
    """Check a rule written by a person (or an API client) against its first local time.
    Raises PostValidationError naming `rrule`, `until` or `count`."""
    parts = _split(raw)
    freq = parts.get("FREQ", "")
    if not freq:
        raise _error(_("The rule needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)."), code="required")
    if freq in TOO_OFTEN:
        raise _error(_("A post can repeat at most once a day: FREQ=%(freq)s is not allowed.") % {"freq": freq},
                     code="too_often")
    if freq not in FREQS:
        raise _error(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    until, count = _end(parts, until, count)
    if until is not None and until < start.date():
        raise _error(_("The end date is before the first occurrence."), "until")
    text = ";".join(f"{name}={parts[name]}" for name in PARTS if name in parts)
    rule = Rule(text, until, count)
    try:
        built = build(rule, start)
    except (ValueError, TypeError, KeyError) as exc:
        raise _error(_("This is not a valid repeat rule: %(reason)s.") % {"reason": exc}) from exc
    bounded = built.replace(count=None, until=min(start + SEARCH_SPAN, _until_bound(until) or start + SEARCH_SPAN))
    year_end = start + timedelta(days=366)
    for first_year, moment in enumerate(bounded, start=1):
        if moment >= year_end:
            break
        if first_year > MAX_PER_YEAR:
            raise _error(_("This rule repeats more than %(max)d times a year.") % {"max": MAX_PER_YEAR},
                         code="too_often")
    if bounded.after(start, inc=True) is None:
        raise _error(_("This rule never happens on or after the start date."), code="never")
    return rule


def _until_bound(until: date | None) -> datetime | None:
    # UNTIL is a local date and includes that whole day.
    return datetime.combine(until, time.max) if until is not None else None


def build(rule: Rule, start: datetime) -> rrule:
    built: rrule = rrulestr("RRULE:" + rule.text, dtstart=start)
    if rule.count is not None:
        return built.replace(count=rule.count)
    if rule.until is not None:
        return built.replace(until=_until_bound(rule.until))
    return built


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as a UTC instant. fold=0 does both DST rules above: a
    repeated time is its first occurrence, and a skipped one, read with the offset from
    before the change, lands as many minutes after the gap as it was into it."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def series_rule(series: Series) -> rrule:
    return build(Rule(series.rrule, series.until, series.count), series_start(series))


def series_start(series: Series) -> datetime:
    return datetime.fromisoformat(series.starts_at_local)


def instants(series: Series, after: datetime) -> Iterator[datetime]:
    """The series' occurrences strictly after `after`, as UTC instants, in order."""
    tz = ZoneInfo(series.timezone)
    # A day early in local time: the zone's offset can put an earlier local time later.
    local_after = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    for moment in series_rule(series).xafter(local_after, inc=True):
        instant = local_to_utc(moment, tz)
        if instant > after:
            yield instant


def occurrences_between(series: Series, after: datetime, before: datetime) -> list[datetime]:
    found = []
    for instant in instants(series, after):
        if instant > before:
            break
        found.append(instant)
    return found


# -- the source every occurrence is copied from -------------------------------------------

@dataclass
class Source:
    text: str
    variants: dict[str, str]
    language: str
    campaign_id: int | None
    author_id: int | None
    label_ids: list[int] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, post: Post) -> Source:
        media = [{f.attname: _plain(getattr(m, f.attname)) for f in PostMedia._meta.concrete_fields
                  if f.name not in ("id", "post")} for m in post.media.all()]
        # Every target, cancelled or not: cancelling one occurrence does not drop the account.
        accounts = list(dict.fromkeys(post.publications.order_by("pk").values_list("account_id", flat=True)))
        return cls(post.text, dict(post.variants or {}), post.language, post.campaign_id, post.author_id,
                   list(post.labels.values_list("pk", flat=True)), media, accounts)


def _plain(value: Any) -> Any:
    # The copy points at the same stored file: the name, not the file object of another row.
    return value.name if isinstance(value, FieldFile) else value


def _create_occurrence(series: Series, source: Source, instant: datetime) -> Post | None:
    """One occurrence post with its publications, or None if it already exists."""
    if Post.objects.filter(series=series, occurrence_at=instant).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: losing the race must not undo the rest
            post = Post.objects.create(
                workspace_id=series.workspace_id, author_id=source.author_id, text=source.text,
                variants=source.variants, language=source.language, campaign_id=source.campaign_id,
                is_draft=False, scheduled_at=instant, schedule_timezone=series.timezone,
                series=series, occurrence_at=instant)
            post.labels.set(source.label_ids)
            PostMedia.objects.bulk_create(PostMedia(post=post, **values) for values in source.media)
            Publication.objects.bulk_create(
                Publication(post=post, account_id=account_id, state=State.SCHEDULED, due_at=instant,
                            next_attempt_at=instant) for account_id in source.account_ids)
    except IntegrityError:
        return None
    return post


def materialise(series: Series, now: datetime | None = None, horizon: timedelta = HORIZON,
                source: Source | None = None) -> int:
    """Create the occurrences due up to `now + horizon` (and at least the next one), from
    where the last run stopped. Safe to run twice or at once. Returns how many it made."""
    now = now or timezone.now()
    with transaction.atomic():
        series = Series.objects.select_for_update(of=("self",)).select_related("template").get(pk=series.pk)
        if not series.active:
            return 0
        if source is None and series.template is None:
            return 0
        source = source or Source.of(series.template)  # type: ignore[arg-type]
        after = max(now, series.materialised_until or now)
        end = now + horizon
        wanted = occurrences_between(series, after, end)
        if not wanted and not series.occurrences.filter(occurrence_at__gt=now).exists():
            # A rare rule (yearly) still shows its next time, however far.
            wanted = [instant for instant in [next(instants(series, after), None)] if instant is not None]
        made = [p for p in (_create_occurrence(series, source, i) for i in wanted) if p is not None]
        series.materialised_until = max([end, *wanted, *filter(None, [series.materialised_until])])
        series.save(update_fields=["materialised_until"])
    return len(made)


def materialise_series(now: datetime) -> int:
    """Keep every active series filled up to its horizon."""
    due = Series.objects.filter(active=True).filter(
        Q(materialised_until__isnull=True) | Q(materialised_until__lt=now + HORIZON - REFILL))
    return sum(materialise(series, now) for series in due)


# -- creating, editing, stopping ----------------------------------------------------------

def _zone(tz_name: str) -> ZoneInfo:
    tz = parse_timezone(tz_name)
    if tz is None:
        raise _error(_("“%(tz)s” is not a known time zone (for example Europe/Paris or America/Montreal).")
                     % {"tz": tz_name}, "timezone", "invalid_timezone")
    return tz


def _naive(start: datetime, tz: ZoneInfo) -> datetime:
    local = start.astimezone(tz) if start.tzinfo is not None else start
    return local.replace(tzinfo=None, second=0, microsecond=0)


def create_series(workspace: Workspace, author: User, post: Post, rule: str, start: datetime, tz_name: str,
                  until: date | None = None, count: int | None = None, now: datetime | None = None) -> Series:
    """Make `post` the first occurrence of a new series repeating by `rule` from `start`
    (local wall-clock time in `tz_name`; an aware datetime is read in that zone). If
    `start` does not match the rule, the first occurrence is the rule's first time after it."""
    if post.workspace_id != workspace.pk:
        raise _error(_("Unknown post."), "post")
    tz = _zone(tz_name)
    local_start = _naive(start, tz)
    checked = parse_rule(rule, local_start, until, count)
    with transaction.atomic():
        series = Series.objects.create(
            workspace=workspace, template=post, rrule=checked.text, starts_at_local=local_start.isoformat(),
            timezone=tz.key, until=checked.until, count=checked.count, created_by=author)
        first = next(instants(series, local_to_utc(local_start, tz) - timedelta(seconds=1)))
        _make_first(post, series, first)
        series.materialised_until = first
        series.save(update_fields=["materialised_until"])
        record(workspace, "series.created", actor=author, target=series, summary=post.text[:80],
               after=f"{checked.text} · {local_start:%Y-%m-%d %H:%M} {tz.key}")
        materialise(series, now)
    return series


def series_from_post(workspace: Workspace, author: User, post: Post, rule: str, until: date | None = None,
                     count: int | None = None, now: datetime | None = None) -> Series:
    """Make a post already scheduled repeat, from its own date, time and zone (what the
    composer's Repeat section does in one step, for an API client that made the post first)."""
    if post.workspace_id != workspace.pk:
        raise _error(_("Unknown post."), "post")
    if post.series_id is not None:
        raise _error(_("This post already repeats: edit its series instead."), "post", "already_repeats")
    if post.is_draft or post.scheduled_at is None:
        raise _error(_("A repeating post starts at its date and time: schedule the post first."), "post",
                     "not_scheduled")
    if post.publications.exclude(state__in=EDITABLE_STATES).exclude(state=State.CANCELLED).exists():
        raise _error(_("This post is being published or was published: it can no longer repeat."), "post",
                     "not_editable")
    return create_series(workspace, author, post, rule, post.scheduled_at,
                         post.schedule_timezone or workspace.timezone, until, count, now)


def series_of(workspace: Workspace, now: datetime | None = None) -> QuerySet[Series]:
    """A workspace's series, the active ones first, each with its next occurrence (`next_at`)."""
    now = now or timezone.now()
    return (Series.objects.filter(workspace=workspace).select_related("template")
            .prefetch_related("template__media__asset")
            .annotate(next_at=Min("occurrences__occurrence_at", filter=Q(occurrences__occurrence_at__gt=now)))
            .order_by("-active", "-pk"))


def next_instants(series: Series, limit: int, now: datetime | None = None) -> list[datetime]:
    """The next `limit` times of an active series by its rule, materialised yet or not."""
    if not series.active:
        return []
    return list(islice(instants(series, now or timezone.now()), limit))


def _make_first(post: Post, series: Series, first: datetime) -> None:
    post.series, post.occurrence_at = series, first
    if post.scheduled_at != first and not post.is_draft:
        post.scheduled_at = first
        post.publications.filter(state=State.SCHEDULED).update(
            due_at=first, next_attempt_at=first, enqueued_at=None, updated_at=timezone.now())
    post.save(update_fields=["series", "occurrence_at", "scheduled_at", "updated_at"])


def _replaceable(series: Series, now: datetime) -> Any:
    """Occurrences still to come that nothing has gone out for."""
    return series.occurrences.filter(occurrence_at__gt=now).exclude(
        publications__state__in=(State.PUBLISHING, State.PROCESSING, State.TO_CHECK, State.PUBLISHED))


def edit_series(series: Series, actor: User, *, text: str, variants: dict[str, str] | None = None,
                rule: str, until: date | None = None, count: int | None = None,
                now: datetime | None = None) -> Series:
    """Change the rule or the text: the occurrences still to come that nothing went out
    for are replaced by new ones; those published (or publishing) stay as they were."""
    now = now or timezone.now()
    checked = parse_rule(rule, series_start(series), until, count)
    if not series.active:
        raise _error(_("This series was stopped: create a new one instead."), "series", "stopped")
    if series.template is None:
        raise _error(_("This series has no post left to copy."), "series")
    source = Source.of(series.template)
    source.text, source.variants = text.replace("\r\n", "\n").strip(), dict(variants or {})
    accounts = list(SocialAccount.objects.filter(pk__in=source.account_ids))
    errors = [e for e in check_post(PostInput(text=source.text, accounts=accounts, mode="draft",
                                              variants=source.variants, language=source.language,
                                              workspace=series.workspace)) if e.field != "mode"]
    if not source.text and not source.media:
        errors.append(FieldError("text", _("Write something to publish."), "required"))
    if errors:
        raise PostValidationError(errors)
    with transaction.atomic():
        series = Series.objects.select_for_update().get(pk=series.pk)
        before = f"{series.rrule} · {source_text(series)}"
        _replaceable(series, now).delete()
        series.rrule, series.until, series.count = checked.text, checked.until, checked.count
        series.materialised_until = now
        series.save(update_fields=["rrule", "until", "count", "materialised_until"])
        materialise(series, now, source=source)
        series.template = series.occurrences.filter(occurrence_at__gt=now).order_by("occurrence_at").first() or (
            series.occurrences.order_by("-occurrence_at").first())
        series.save(update_fields=["template"])
        record(series.workspace, "series.edited", actor=actor, target=series, before=before,
               after=f"{series.rrule} · {source.text}")
    return series


def source_text(series: Series) -> str:
    return series.template.text if series.template is not None else ""


def stop_series(series: Series, actor: User, now: datetime | None = None) -> int:
    """No more occurrences: the ones still to come are cancelled (kept, visibly)."""
    now = now or timezone.now()
    with transaction.atomic():
        series = Series.objects.select_for_update().get(pk=series.pk)
        series.active = False
        series.save(update_fields=["active"])
        cancelled = Publication.objects.filter(
            post__series=series, post__occurrence_at__gt=now, state__in=EDITABLE_STATES,
        ).update(state=State.CANCELLED, next_attempt_at=None, updated_at=now)
        record(series.workspace, "series.stopped", actor=actor, target=series, summary=source_text(series)[:80],
               before=series.rrule)
    return cancelled


def upcoming(series: Series, now: datetime | None = None, limit: int = 50) -> list[Post]:
    now = now or timezone.now()
    return list(series.occurrences.filter(occurrence_at__gt=now).order_by("occurrence_at")
                .prefetch_related("publications__account")[:limit])

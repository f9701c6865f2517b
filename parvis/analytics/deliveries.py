"""Report runs: built on request or on a schedule, checked the evening before, sent on
time, each step a due time in the database that the reports' sweep claims.

A scheduled definition always has its next run waiting (`plan`): for a report sent on
Monday 7 December at 09:00 Paris time, the run covers the week (or month) before, is
checked at 18:00 the evening before (an account that must be reconnected is said then,
not at 09:00), built from 06:00 (after the figures' early-morning reading), and sent at
09:00 unless the CM holds it for review. Times are the workspace's wall clock, so a
report stays at 09:00 across a daylight-saving change.

A build is claimed like every other job (`core.due.claim_due`): a run whose worker died
is claimed again after `REQUEUE_AFTER`, and takes itself with a conditional update, so a
run queued twice is built once.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace, hash_token
from parvis.analytics import render, report
from parvis.analytics.dashboard import LONGEST, Period, PeriodError, check_years
from parvis.analytics.models import ReportDefinition, ReportFile, ReportLook, ReportRun
from parvis.core.due import claim_due
from parvis.core.texts import Text

log = logging.getLogger(__name__)

BUILD_FROM = time(6, 0)  # after the figures' early-morning reading (collect.MORNING)
CHECK_AT = time(18, 0)  # the evening before
EARLIEST_SEND = time(7, 0)
REQUEUE_AFTER = timedelta(minutes=15)
MOST_ATTEMPTS = 3
LINK_DAYS = 90
MOST_RECIPIENTS = 20
NAME_LENGTH = 120  # ReportDefinition.name
MOST_WORDS = 4000  # characters of commentary per section
ATTACHED_LIMIT = 15 * 1024 * 1024  # above this, the email carries the private link instead
Status = ReportRun.Status


# -- definitions -------------------------------------------------------------------------------------

def check_definition(definition: ReportDefinition) -> None:
    """ReportError naming the field a person must correct."""
    definition.name = " ".join(definition.name.split())
    if not definition.name:
        raise report.ReportError(_("Give the report a name."), "name")
    if len(definition.name) > NAME_LENGTH:
        raise report.ReportError(_("At most %(max)d characters.") % {"max": NAME_LENGTH}, "name")
    definition.sections = report.check_sections(definition.sections)
    definition.formats = report.check_formats(definition.formats)
    if definition.language not in dict(settings.LANGUAGES):
        raise report.ReportError(_("Choose French or English."), "language")
    if definition.accent:
        try:
            definition.accent = render.hex_colour(definition.accent)
        except ValueError:
            raise report.ReportError(_("Give a colour such as #5B4BDB."), "accent") from None
    if not 0 <= definition.weekday <= 6:
        raise report.ReportError(_("Choose a day of the week."), "weekday")
    if not 1 <= definition.month_day <= 28:
        raise report.ReportError(_("Choose a day from 1 to 28 (every month has it)."), "month_day")
    recipients = list(dict.fromkeys(address.strip().lower() for address in definition.recipients if address.strip()))
    for address in recipients:
        try:
            validate_email(address)
        except Exception:
            raise report.ReportError(_("%(address)s is not an email address.") % {"address": address},
                                     "recipients") from None
    if len(recipients) > MOST_RECIPIENTS:
        raise report.ReportError(_("At most %(count)s people.") % {"count": MOST_RECIPIENTS}, "recipients")
    definition.recipients = recipients
    if definition.scheduled:
        if not recipients:
            raise report.ReportError(_("Say who receives the report."), "recipients")
        if definition.send_at < EARLIEST_SEND:
            raise report.ReportError(_("Send it at 07:00 or later: the figures are read early in the morning."),
                                     "send_at")


def save_definition(definition: ReportDefinition, now: datetime) -> ReportDefinition:
    """Checked, saved, and its next scheduled run planned again (a changed schedule moves
    the waiting run; a run built or sent already is left as it is)."""
    check_definition(definition)
    definition.save()
    ReportRun.objects.filter(definition=definition, status=Status.WAITING).delete()
    if definition.scheduled:
        plan(definition, now)
    return definition


def next_delivery(definition: ReportDefinition, now: datetime) -> datetime:
    """The next moment after `now` when this report goes out, in UTC."""
    tz = definition.workspace.tz
    day = now.astimezone(tz).date()
    for offset in range(0, 62):
        candidate = day + timedelta(days=offset)
        if definition.every == ReportDefinition.Every.WEEK and candidate.weekday() != definition.weekday:
            continue
        if definition.every == ReportDefinition.Every.MONTH and candidate.day != definition.month_day:
            continue
        moment = datetime.combine(candidate, definition.send_at, tzinfo=tz)
        if moment > now:
            return moment.astimezone(UTC)
    raise AssertionError("a week or a month always has the day")


def plan(definition: ReportDefinition, now: datetime) -> ReportRun | None:
    """The definition's next run, waiting for its evening check and its build; None when
    one is waiting already or the definition is not scheduled. Each delivery moment is
    planned once: the next one comes after the last one planned, built or sent."""
    if not definition.scheduled or ReportRun.objects.filter(definition=definition, status=Status.WAITING).exists():
        return None
    tz = definition.workspace.tz
    last = ReportRun.objects.filter(definition=definition, delivery_for__isnull=False).order_by(
        "-delivery_for").values_list("delivery_for", flat=True).first()
    send = next_delivery(definition, max(now, last) if last else now)
    day = send.astimezone(tz).date()
    period = report.period_before("week" if definition.every == ReportDefinition.Every.WEEK else "month", day)
    build = min(datetime.combine(day, BUILD_FROM, tzinfo=tz), send - timedelta(hours=1))
    return ReportRun.objects.create(
        workspace=definition.workspace, definition=definition, start=period.start, end=period.end,
        language=definition.language, sections=definition.sections, formats=definition.formats,
        status=Status.WAITING, check_at=datetime.combine(day - timedelta(days=1), CHECK_AT, tzinfo=tz),
        build_at=build, delivery_for=send, send_at=None if definition.hold else send)


def plan_all(now: datetime) -> int:
    """A waiting run for every scheduled definition that has none (new ones, and those
    whose last run left the waiting state: built, sent or failed)."""
    missing = ReportDefinition.objects.filter(scheduled=True).exclude(runs__status=Status.WAITING) \
        .select_related("workspace")
    return sum(plan(definition, now) is not None for definition in missing)


# -- on request --------------------------------------------------------------------------------------

def request(workspace: Workspace, period: Period, *, definition: ReportDefinition | None = None,
            sections: Iterable[str] = report.SECTIONS, formats: Iterable[str] = report.FORMATS,
            language: str = "", person: Any = None, now: datetime) -> ReportRun:
    """A run built now (queued for the worker): its progress shows on its page."""
    if period.end < period.start:
        raise report.ReportError(_("The end is before the start."), "end")
    try:
        check_years(period)
    except PeriodError as exc:
        raise report.ReportError(str(exc), exc.field) from None
    if period.days > LONGEST:
        raise report.ReportError(_("A period is at most %(days)s days.") % {"days": LONGEST}, "end")
    if definition is not None:
        sections, formats, language = definition.sections, definition.formats, language or definition.language
    return ReportRun.objects.create(
        workspace=workspace, definition=definition, start=period.start, end=period.end,
        language=language or workspace.language, sections=report.check_sections(sections),
        formats=report.check_formats(formats), status=Status.QUEUED, build_at=now, requested_by=person)


# -- the evening check -------------------------------------------------------------------------------

def claim_checks(now: datetime) -> list[int]:
    due = ReportRun.objects.filter(status=Status.WAITING, check_at__lte=now, checked_at__isnull=True)
    return claim_due(due, now=now, requeue_after=REQUEUE_AFTER, order_by=["check_at"], limit=100,
                     field="checked_at")


def check(run_id: int, now: datetime) -> list[str]:
    """What would make tomorrow's report wrong or late: accounts that must be reconnected
    (their figures stop), nobody to send it to. The workspace's owners are told now."""
    from parvis.accounts.actions import notify, owners_of
    from parvis.networks.models import AccountStatus, SocialAccount

    run = ReportRun.objects.select_related("workspace", "definition").get(pk=run_id)
    stale = [str(account) for account in SocialAccount.objects.filter(
        workspace=run.workspace).exclude(status=AccountStatus.ACTIVE)]
    expiring = [str(account) for account in SocialAccount.objects.filter(
        workspace=run.workspace, status=AccountStatus.ACTIVE, credentials_expire_at__lte=run.build_at or now)]
    problems = [*stale, *expiring]
    ReportRun.objects.filter(pk=run.pk).update(problems=problems, checked_at=now)
    if problems and run.definition is not None:
        name = run.definition.name
        notify(owners_of(run.workspace), run.workspace, "account_reconnect",
               Text.gettext("Tomorrow's report “%(name)s”: accounts to reconnect", name=name),
               Text.gettext("The report “%(name)s” is built tomorrow morning. These accounts must be reconnected "
                            "first, or their figures will stop at their last reading: %(accounts)s.",
                            name=name, accounts=", ".join(problems)),
               reverse("web:accounts", args=[run.workspace_id]))
    return problems


# -- the build -----------------------------------------------------------------------------------------

def claim_builds(now: datetime) -> list[int]:
    due = ReportRun.objects.filter(status__in=(Status.WAITING, Status.QUEUED, Status.BUILDING), build_at__lte=now,
                                   attempts__lt=MOST_ATTEMPTS)
    return claim_due(due, now=now, requeue_after=REQUEUE_AFTER, order_by=["build_at"], limit=50)


def take(run_id: int, now: datetime) -> bool:
    """The build's lease: only one worker builds a run (a run left BUILDING by a dead
    worker is taken again once its lease is over)."""
    return bool(ReportRun.objects.filter(pk=run_id, build_at__lte=now).filter(
        Q(status__in=(Status.WAITING, Status.QUEUED))
        | Q(status=Status.BUILDING, taken_at__lt=now - REQUEUE_AFTER) | Q(status=Status.BUILDING, taken_at=None)
    ).update(status=Status.BUILDING, progress=0, step="", taken_at=now, attempts=F("attempts") + 1))


def look_of(run: ReportRun) -> report.Brand:
    look = ReportLook.objects.filter(organisation_id=run.workspace.organisation_id).first()
    definition = run.definition
    accent = (definition.accent if definition and definition.accent else None) or (look.accent if look else None)
    return report.Brand(accent=accent or render.DEFAULT_ACCENT, logo=bytes(look.logo) if look and look.logo else None,
                        client_logo=bytes(definition.client_logo) if definition and definition.client_logo else None,
                        template=bytes(look.template) if look and look.template else None)


def build(run_id: int, now: datetime | None = None) -> bool:
    """Build the run's files (its commentary pre-filled where the CM wrote none); the
    progress is saved as it goes. False when another worker has it."""
    now = now or timezone.now()
    if not take(run_id, now):
        return False
    run = ReportRun.objects.select_related("workspace", "definition").get(pk=run_id)

    def progress(done: int, what: str) -> None:
        ReportRun.objects.filter(pk=run.pk).update(progress=done, step=what[:120])

    try:
        made = report.produce(run.workspace, Period(run.start, run.end), now, sections=run.sections,
                              formats_=run.formats, language=run.language, commentary=run.commentary,
                              brand=look_of(run), progress=progress)
    except Exception as exc:  # a bad logo or template, a bug: said on the run and to its owners, never silent
        log.exception("report run %s failed", run.pk)
        _failed(run, str(exc) if isinstance(exc, ValueError) else _("parvis could not build this report "
                                                                    "(an error of parvis's, logged)."))
        return True
    _store(run, made.files)
    ReportRun.objects.filter(pk=run.pk).update(
        status=Status.SENT if run.sent_at else Status.READY, progress=100, step="", commentary=made.commentary,
        built_at=timezone.now(), enqueued_at=None, figures_at=made.collected_at, error="")
    return True


def _store(run: ReportRun, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        ReportFile.objects.update_or_create(run=run, format=name, defaults={"data": data, "size": len(data)})
    ReportFile.objects.filter(run=run).exclude(format__in=list(files)).delete()


def _failed(run: ReportRun, error: str) -> None:
    from parvis.accounts.actions import notify, owners_of

    final = run.attempts + 1 >= MOST_ATTEMPTS or run.definition is None
    ReportRun.objects.filter(pk=run.pk).update(
        status=Status.FAILED if final else Status.QUEUED, error=error, step="", enqueued_at=None,
        build_at=timezone.now() + timedelta(minutes=10) if not final else run.build_at)
    if final:
        notify(owners_of(run.workspace), run.workspace, "report_failed",
               Text.gettext("The report of %(workspace)s could not be built", workspace=run.workspace.name),
               Text.gettext("%(error)s Open the report to build it again.", error=error),
               reverse("web:report_run", args=[run.workspace_id, run.pk]))


def redraw(run: ReportRun, commentary: dict[str, str], now: datetime) -> bool:
    """The CM's commentary saved and the files drawn again with it (the figures read
    again: the stamp says when they were collected). False for a run not built yet."""
    if run.status not in (Status.READY, Status.SENT, Status.FAILED):
        return False
    cleaned = {key: text.strip()[:MOST_WORDS] for key, text in commentary.items() if key in report.SECTIONS}
    return bool(ReportRun.objects.filter(pk=run.pk, status=run.status).update(
        commentary=run.commentary | cleaned, edited_at=now, status=Status.QUEUED, build_at=now, attempts=0,
        enqueued_at=None, progress=0))


# -- sending -------------------------------------------------------------------------------------------

def claim_sends(now: datetime) -> list[int]:
    due = ReportRun.objects.filter(status=Status.READY, send_at__lte=now, sent_at__isnull=True)
    return claim_due(due, now=now, requeue_after=REQUEUE_AFTER, order_by=["send_at"], limit=50)


def issue_link(run: ReportRun, now: datetime) -> str:
    """A private link to the run's files (no login), good for `LINK_DAYS` days; only its
    hash is kept."""
    token = secrets.token_urlsafe(24)
    ReportRun.objects.filter(pk=run.pk).update(link_hash=hash_token(token),
                                               link_expires_at=now + timedelta(days=LINK_DAYS))
    return token


def send(run_id: int, now: datetime, recipients: Iterable[str] | None = None) -> bool:
    """Email the report: its files attached, or its private link. Sent once: a second
    call for a sent run does nothing."""
    from parvis.accounts.links import absolute_url

    run = ReportRun.objects.select_related("workspace", "definition").get(pk=run_id)
    if run.status != Status.READY or run.sent_at is not None:
        return False
    definition = run.definition
    to = list(recipients) if recipients is not None else (definition.recipients if definition else [])
    if not to:
        return False
    files = {f.format: bytes(f.data) for f in run.files.all()}
    attach = (definition is None or definition.delivery == ReportDefinition.Delivery.ATTACHED) \
        and sum(map(len, files.values())) <= ATTACHED_LIMIT
    token = issue_link(run, now)
    link = absolute_url(reverse("report_link", args=[token]))
    with translation.override(run.language):
        name = definition.name if definition else run.workspace.name
        subject = _("%(name)s — report from %(start)s to %(end)s") % {
            "name": name, "start": report.day_text(run.start, run.language), "end": report.day_text(run.end,
                                                                                                 run.language)}
        body = "\n\n".join(filter(None, [
            run.commentary.get("highlights", ""),
            _("The report is attached.") if attach else _("The report, to download for %(days)s days:") % {
                "days": LINK_DAYS} + "\n" + link]))
    message = EmailMultiAlternatives(subject, body, None, to)
    if attach:
        stem = f"{run.workspace.name} {run.start:%Y-%m-%d} {run.end:%Y-%m-%d}"
        for name_, data in files.items():
            message.attach(f"{stem}.{name_}", data, report.MEDIA_TYPES[name_])
    taken = ReportRun.objects.filter(pk=run.pk, sent_at__isnull=True).update(sent_at=now, status=Status.SENT,
                                                                           sent_to=to)
    if not taken:
        return False
    try:
        message.send()
    except OSError as exc:  # the mail server is away: the run goes back to ready, and is tried again
        log.warning("report run %s not emailed: %s", run.pk, exc)
        ReportRun.objects.filter(pk=run.pk).update(sent_at=None, status=Status.READY, enqueued_at=None,
                                                   send_at=now + timedelta(minutes=10), error=str(exc))
        return False
    return True


def run_for_link(token: str, now: datetime) -> ReportRun | None:
    if not token:
        return None
    return ReportRun.objects.filter(link_hash=hash_token(token), link_expires_at__gt=now).select_related(
        "workspace").first()

"""Scheduled reports: planned for the client's wall clock across a daylight-saving change,
checked the evening before, built once even when queued twice or left by a dead worker,
sent on time with the files attached or as a private link, held for the CM when asked,
and a failure said to the owners rather than left for 11:00."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client

from parvis.accounts.models import Notification
from parvis.analytics import deliveries, report, tasks
from parvis.analytics.dashboard import Period
from parvis.analytics.models import ReportDefinition, ReportLook, ReportRun
from parvis.networks.models import AccountStatus
from parvis.testing.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = ReportRun.Status


def weekly(workspace: object, **fields: object) -> ReportDefinition:
    values = {"name": "Bilan hebdo", "every": "week", "sections": ["highlights", "audience"],
              "formats": ["pdf", "xlsx"], "language": "fr", "scheduled": True, "weekday": 0, "send_at": time(9, 0),
              "recipients": ["Directrice@Client.example"], **fields}
    return ReportDefinition(workspace=workspace, **values)


class Worker:
    """The sweep as the worker runs it, with the jobs it queues done at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        monkeypatch.setattr(tasks, "build_report_task", lambda pk: deliveries.build(pk, self.now))
        monkeypatch.setattr(tasks, "send_report_task", lambda pk: deliveries.send(pk, self.now))
        monkeypatch.setattr(tasks._plan, "take", lambda: True)

    def at(self, moment: datetime) -> None:
        self.now = moment
        tasks.dispatch_reports(moment)


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Worker:
    return Worker(monkeypatch)


def test_a_weekly_report_goes_out_at_nine_paris_time_on_both_sides_of_the_clock_change(people, worker) -> None:
    workspace = people["workspace"]  # Europe/Paris; clocks go forward on Sunday 29 March 2026
    make_account(workspace, "mastodon")
    saturday = datetime(2026, 3, 21, 12, 0, tzinfo=UTC)
    definition = deliveries.save_definition(weekly(workspace), saturday)
    assert definition.recipients == ["directrice@client.example"]
    run = ReportRun.objects.get(definition=definition)
    assert (run.start, run.end) == (date(2026, 3, 16), date(2026, 3, 22))
    assert run.check_at == datetime(2026, 3, 22, 17, 0, tzinfo=UTC)  # Sunday 18:00 CET
    assert run.build_at == datetime(2026, 3, 23, 5, 0, tzinfo=UTC)  # Monday 06:00 CET
    assert run.send_at == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 CET

    worker.at(datetime(2026, 3, 23, 4, 59, tzinfo=UTC))
    assert ReportRun.objects.get(pk=run.pk).status == Status.WAITING and not mail.outbox
    worker.at(datetime(2026, 3, 23, 5, 0, tzinfo=UTC))
    assert ReportRun.objects.get(pk=run.pk).status == Status.READY and not mail.outbox  # built, not sent yet
    worker.at(datetime(2026, 3, 23, 7, 59, tzinfo=UTC))
    assert not mail.outbox
    worker.at(datetime(2026, 3, 23, 8, 0, tzinfo=UTC))
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["directrice@client.example"] and "16/03/2026" in sent.subject
    assert sorted(name.rsplit(".", 1)[1] for name, _data, _type in sent.attachments) == ["pdf", "xlsx"]
    assert sent.attachments[0][1][:4] == b"%PDF"

    following = ReportRun.objects.get(definition=definition, status=Status.WAITING)
    assert (following.start, following.end) == (date(2026, 3, 23), date(2026, 3, 29))
    assert following.send_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST: one hour earlier in UTC
    worker.at(datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    assert len(mail.outbox) == 2
    worker.at(datetime(2026, 3, 30, 7, 1, tzinfo=UTC))
    assert len(mail.outbox) == 2  # sent once


def test_the_evening_before_the_owners_hear_which_accounts_to_reconnect(people, worker) -> None:
    workspace = people["workspace"]
    account = make_account(workspace, "mastodon")
    deliveries.save_definition(weekly(workspace), datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    account.mark_reconnect_needed("The token was revoked.")
    worker.at(datetime(2026, 12, 6, 16, 59, tzinfo=UTC))
    assert not Notification.objects.filter(kind="account_reconnect").exists()
    worker.at(datetime(2026, 12, 6, 17, 0, tzinfo=UTC))  # Sunday 18:00 in Paris
    run = ReportRun.objects.get(status=Status.WAITING)
    assert run.problems == [str(account)]
    notice = Notification.objects.get(kind="account_reconnect", user=people["owner"])
    assert "Bilan hebdo" in notice.message and str(account) in notice.message
    told = Notification.objects.filter(kind="account_reconnect").count()
    worker.at(datetime(2026, 12, 6, 18, 0, tzinfo=UTC))
    assert Notification.objects.filter(kind="account_reconnect").count() == told  # said once
    assert account.status == AccountStatus.RECONNECT


def test_a_run_queued_twice_is_built_once_and_one_left_by_a_dead_worker_is_taken_again(people) -> None:
    workspace = people["workspace"]
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    run = deliveries.request(workspace, report.parse_period("2026-11"), formats=["xlsx"], now=now)
    assert deliveries.claim_builds(now) == [run.pk]
    assert deliveries.claim_builds(now) == []  # queued already
    assert deliveries.take(run.pk, now) is True
    assert deliveries.build(run.pk, now) is False  # the other job finds it taken
    # The worker that took it died: after the lease, the sweep claims it and a build takes it.
    later = now + deliveries.REQUEUE_AFTER + timedelta(seconds=1)
    assert deliveries.claim_builds(later) == [run.pk]
    assert deliveries.build(run.pk, later) is True
    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (Status.READY, 100, 2)
    assert list(run.files.values_list("format", flat=True)) == ["xlsx"]


def test_a_held_report_is_built_and_waits_for_the_cm(people, worker) -> None:
    workspace = people["workspace"]
    deliveries.save_definition(weekly(workspace, hold=True), datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    run = ReportRun.objects.get(status=Status.WAITING)
    assert run.send_at is None
    worker.at(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    run.refresh_from_db()
    assert run.status == Status.READY and not mail.outbox
    assert deliveries.send(run.pk, worker.now) is True and len(mail.outbox) == 1
    assert deliveries.send(run.pk, worker.now) is False and len(mail.outbox) == 1


def test_sent_as_a_private_link_that_opens_without_logging_in_and_expires(people) -> None:
    workspace = people["workspace"]
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    definition = deliveries.save_definition(weekly(workspace, delivery="link", scheduled=False), now)
    run = deliveries.request(workspace, report.parse_period("2026-11"), definition=definition, now=now)
    deliveries.build(run.pk, now)
    assert deliveries.send(run.pk, now, ["client@example.org"])
    body = mail.outbox[0].body
    assert not mail.outbox[0].attachments
    link = next(word for word in body.split() if "/r/" in word)
    path = link.split("testserver", 1)[1]
    page = Client().get(path)
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    pdf = Client().get(path + "pdf/")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    assert Client().get(path + "docx/").status_code == 404
    ReportRun.objects.filter(pk=run.pk).update(link_expires_at=now)
    assert Client().get(path).status_code == 404
    assert Client().get("/r/not-a-token/pdf/").status_code == 404


def test_a_report_that_cannot_be_built_is_said_to_the_owners_not_left_for_eleven(people) -> None:
    workspace = people["workspace"]
    ReportLook.objects.create(organisation=workspace.organisation, logo=b"not an image")
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    run = deliveries.request(workspace, report.parse_period("2026-11"), formats=["pdf"], now=now)
    deliveries.build(run.pk, now)
    run.refresh_from_db()
    assert run.status == Status.FAILED and "logo" in run.error
    assert Notification.objects.filter(kind="report_failed", user=people["owner"]).exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "  "}, "name"), ({"sections": ["bilan"]}, "sections"), ({"formats": []}, "formats"),
    ({"recipients": ["pas-une-adresse"]}, "recipients"), ({"recipients": []}, "recipients"),
    ({"send_at": time(6, 30)}, "send_at"), ({"accent": "bleu"}, "accent"), ({"month_day": 31}, "month_day"),
])
def test_a_definition_names_what_to_correct(people, fields, field) -> None:
    with pytest.raises(report.ReportError) as error:
        deliveries.save_definition(weekly(people["workspace"], **fields), datetime(2026, 12, 7, tzinfo=UTC))
    assert error.value.field == field
    assert not ReportDefinition.objects.exists()


def test_a_monthly_report_covers_the_month_before_its_day(people) -> None:
    definition = deliveries.save_definition(
        weekly(people["workspace"], every="month", month_day=2), datetime(2026, 12, 7, tzinfo=UTC))
    run = ReportRun.objects.get(definition=definition)
    assert (run.start, run.end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert run.send_at == datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
    assert Period(run.start, run.end).days == 31

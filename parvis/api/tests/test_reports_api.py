"""Client reports through the API: a scheduled report shows its next run, a wrong field is
named, only managers define, build and send; a report built by the worker downloads as
a PDF, a PowerPoint and an Excel file a client's software opens, is drawn again with the
CM's commentary and emailed with its files; another workspace's reports are out of
reach; the agency's logo must be an image."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from pptx import Presentation
from rest_framework.test import APIClient

from parvis.accounts.models import OrganisationMember
from parvis.analytics import deliveries, report
from parvis.analytics.dashboard import Period
from parvis.analytics.models import ReportRun
from parvis.analytics.tests.test_report import post
from parvis.testing.factories import make_account
from parvis.testing.images import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # Monday 7 December, 07:00 in Paris
SCHEDULED = {"name": "Bilan hebdo", "every": "week", "weekday": 0, "send_at": "09:00", "scheduled": True,
             "recipients": ["Client@Dupont.example"], "sections": ["highlights", "top_posts"],
             "formats": ["pdf"], "language": "fr", "accent": "#1a7f37"}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("parvis.api.reports._now", lambda: NOW)


@pytest.fixture
def figures(people: dict[str, Any]) -> dict[str, Any]:
    account = make_account(people["workspace"], "mastodon")
    for day, interactions in ((3, 69), (6, 40), (10, 55)):
        post(account, datetime(2026, 11, day, 9, 0, tzinfo=UTC), interactions)
    return people


def api(person: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def drain() -> int:
    """Run the queued report builds here, as the worker would."""
    from huey.contrib.djhuey import HUEY

    from parvis.analytics import tasks

    done = 0
    while (job := HUEY.dequeue()) is not None:
        assert job.name.endswith("build_report_task")
        tasks.build_report_task.call_local(*job.args)
        done += 1
    return done


@pytest.fixture
def built(figures: dict[str, Any], django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """November's report, requested by a manager and built by the worker."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    with django_capture_on_commit_callbacks(execute=True):
        made = api(figures["manager"]).post(f"/api/v1/workspaces/{figures['workspace'].pk}/report-runs/",
                                            {"period": "2026-11"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "queued" and made.json()["start"] == "2026-11-01"
    assert drain() == 1
    return {**figures, "run": made.json()["id"]}


def test_a_scheduled_report_shows_its_next_run(people):
    url = f"/api/v1/workspaces/{people['workspace'].pk}/report-definitions/"
    made = api(people["manager"]).post(url, SCHEDULED, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["recipients"] == ["client@dupont.example"] and body["accent"] == "#1A7F37"
    # Sent at 09:00 Paris (08:00 UTC) this Monday, built from 06:00 Paris.
    assert body["next_run"]["build_at"] == "2026-12-07T05:00:00Z"
    assert body["next_run"]["send_at"] == "2026-12-07T08:00:00Z"
    listed = api(people["viewer"]).get(url).json()
    assert [d["id"] for d in listed["results"]] == [body["id"]] and listed["results"][0]["next_run"]
    detail = f"/api/v1/report-definitions/{body['id']}/"
    held = api(people["manager"]).patch(detail, {"hold": True}, format="json")
    assert held.status_code == 200 and held.json()["next_run"]["send_at"] is None
    assert held.json()["next_run"]["id"] != body["next_run"]["id"]  # planned again
    assert api(people["manager"]).delete(detail).status_code == 204
    assert api(people["viewer"]).get(detail).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"sections": ["weather"]}, "sections"),
    ({"sections": []}, "sections"),
    ({"recipients": ["not an address"]}, "recipients"),
    ({"recipients": []}, "recipients"),
    ({"send_at": "06:30"}, "send_at"),
    ({"send_at": "9h"}, "send_at"),
    ({"accent": "blue"}, "accent"),
])
def test_a_wrong_field_is_named(people, change, field):
    url = f"/api/v1/workspaces/{people['workspace'].pk}/report-definitions/"
    wrong = api(people["manager"]).post(url, {**SCHEDULED, **change}, format="json")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == [field], wrong.content


def test_a_member_who_is_not_a_manager_cannot_define_build_or_send(people):
    workspace = people["workspace"].pk
    for person in ("editor", "viewer"):
        client = api(people[person])
        assert client.post(f"/api/v1/workspaces/{workspace}/report-definitions/", SCHEDULED,
                           format="json").status_code == 403
        assert client.post(f"/api/v1/workspaces/{workspace}/report-runs/", {"period": "2026-11"},
                           format="json").status_code == 403
        assert client.get(f"/api/v1/workspaces/{workspace}/report-definitions/").status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"period": "novembre"}, "period"), ({"period": "2026-13"}, "period"), ({}, "period"),
    ({"start": "2026-11-30", "end": "2026-11-01"}, "end"), ({"period": "2026-11", "sections": []}, "sections"),
    ({"period": "2026-11", "formats": ["docx"]}, "formats"),
    ({"period": "2026-11", "definition": 999999}, "definition"),
])
def test_a_build_request_names_what_is_wrong(people, body, field):
    wrong = api(people["manager"]).post(f"/api/v1/workspaces/{people['workspace'].pk}/report-runs/", body,
                                        format="json")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == [field], wrong.content


def test_a_requested_report_is_built_and_its_three_files_download(built):
    client = api(built["viewer"])
    run = client.get(f"/api/v1/report-runs/{built['run']}/").json()
    assert run["status"] == "ready" and run["progress"] == 100 and run["built_at"]
    assert run["commentary"]["highlights"]  # written from the figures
    assert [f["format"] for f in run["files"]] == ["pdf", "pptx", "xlsx"]
    answers = {f["format"]: client.get(f["url"]) for f in run["files"]}
    assert all(answer.status_code == 200 for answer in answers.values())
    assert answers["pdf"]["Content-Type"] == "application/pdf"
    assert answers["pdf"]["Content-Disposition"].startswith("attachment")
    assert "Boulangerie Dupont 2026-11-01 2026-11-30.pdf" in answers["pdf"]["Content-Disposition"]
    assert answers["pdf"].content.startswith(b"%PDF")
    assert len(Presentation(io.BytesIO(answers["pptx"].content)).slides) >= len(report.SECTIONS)  # one a section
    assert load_workbook(io.BytesIO(answers["xlsx"].content)).sheetnames
    assert client.get(f"/api/v1/report-runs/{built['run']}/files/docx/").status_code == 404
    listed = client.get(f"/api/v1/workspaces/{built['workspace'].pk}/report-runs/?status=ready").json()
    assert [r["id"] for r in listed["results"]] == [built["run"]]
    assert client.get(f"/api/v1/workspaces/{built['workspace'].pk}/report-runs/?status=lost").status_code == 400


def _pptx_text(content: bytes) -> str:
    return " ".join(shape.text_frame.text for slide in Presentation(io.BytesIO(content)).slides
                    for shape in slide.shapes if shape.has_text_frame)


def test_the_commentary_edited_is_in_the_redrawn_powerpoint(built, django_capture_on_commit_callbacks):
    client, url = api(built["manager"]), f"/api/v1/report-runs/{built['run']}/"
    words = "Un mois record pour la boutique de la rue Victor-Hugo."
    with django_capture_on_commit_callbacks(execute=True):
        edited = client.patch(url, {"commentary": {"highlights": words}}, format="json")
    assert edited.status_code == 200 and edited.json()["status"] == "queued" and edited.json()["edited_at"]
    again = client.patch(url, {"commentary": {"audience": "Plus tard"}}, format="json")
    assert again.status_code == 409 and list(again.json()["errors"]) == ["commentary"]
    assert client.patch(url, {"commentary": {"weather": "x"}}, format="json").status_code == 400
    assert drain() == 1
    assert client.get(url).json()["commentary"]["highlights"] == words
    assert words in _pptx_text(client.get(f"{url}files/pptx/").content)


def test_a_built_report_is_sent_with_its_files_attached(built):
    client, url = api(built["manager"]), f"/api/v1/report-runs/{built['run']}/send/"
    wrong = client.post(url, {"recipients": ["client@dupont.example", "pas une adresse"]}, format="json")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["recipients"]
    nobody = client.post(url, {}, format="json")  # built on request: no recipients of its own
    assert nobody.status_code == 400 and list(nobody.json()["errors"]) == ["recipients"]
    assert api(built["editor"]).post(url, {"recipients": ["client@dupont.example"]},
                                     format="json").status_code == 403
    sent = client.post(url, {"recipients": ["Client@Dupont.example"]}, format="json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent" and sent.json()["sent_to"] == ["client@dupont.example"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["client@dupont.example"]
    assert sorted(name.rsplit(".", 1)[1] for name, _data, _type in mail.outbox[0].attachments) == [
        "pdf", "pptx", "xlsx"]
    twice = client.post(url, {"recipients": ["client@dupont.example"]}, format="json")
    assert twice.status_code == 409 and len(mail.outbox) == 1


def test_another_workspaces_report_is_404(people):
    theirs = deliveries.request(people["other_workspace"], Period(NOW.date().replace(day=1), NOW.date()),
                                now=NOW)
    ReportRun.objects.filter(pk=theirs.pk).update(status=ReportRun.Status.READY)
    client, url = api(people["owner"]), f"/api/v1/report-runs/{theirs.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"commentary": {"highlights": "x"}}, format="json").status_code == 404
    assert client.post(f"{url}send/", {"recipients": ["a@b.example"]}, format="json").status_code == 404
    assert client.get(f"{url}files/pdf/").status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get(f"/api/v1/workspaces/{people['other_workspace'].pk}/report-runs/").status_code == 404
    assert ReportRun.objects.filter(pk=theirs.pk).exists()


def test_the_looks_logo_is_refused_when_it_is_not_an_image(people):
    client = api(people["owner"])  # the agency's admin
    assert client.get("/api/v1/report-look/").json() == {"accent": "#5B4BDB", "has_logo": False,
                                                         "template_name": ""}
    wrong = client.put("/api/v1/report-look/", {
        "logo": SimpleUploadedFile("logo.png", b"not an image at all", "image/png")}, format="multipart")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["logo"]
    wrong = client.put("/api/v1/report-look/", {
        "template": SimpleUploadedFile("look.pptx", b"PK not a deck", "application/octet-stream")},
        format="multipart")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["template"]
    done = client.put("/api/v1/report-look/", {
        "accent": "#0b6e4f", "logo": SimpleUploadedFile("logo.png", png_bytes(), "image/png")}, format="multipart")
    assert done.status_code == 200, done.content
    assert done.json() == {"accent": "#0B6E4F", "has_logo": True, "template_name": ""}
    OrganisationMember.objects.create(organisation=people["organisation"], user=people["manager"])
    assert api(people["manager"]).get("/api/v1/report-look/").json()["has_logo"] is True
    assert api(people["manager"]).put("/api/v1/report-look/", {"accent": "#000000"},
                                      format="multipart").status_code == 403

"""The report pages: build one now and follow its progress, edit the commentary and get
the files drawn again, download the three files, save a scheduled report with its errors
named, the agency's look, and the client's portal showing the reports sent to it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from pptx import Presentation

from parvis.accounts.models import ClientApprover, PortalLink
from parvis.analytics import deliveries, report, tasks
from parvis.analytics.models import ReportDefinition, ReportLook, ReportRun
from parvis.testing.factories import client_for, make_account

pytestmark = [pytest.mark.django_db]
Status = ReportRun.Status


@pytest.fixture
def built_at_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The build job done as soon as it is queued (the worker's part is tested elsewhere)."""
    done: list[int] = []

    def build(pk: int) -> None:
        deliveries.build(pk)
        done.append(pk)

    monkeypatch.setattr(tasks, "build_report_task", build)
    return done


def _pptx_text(data: bytes) -> str:
    deck = Presentation(io.BytesIO(data))
    return " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)


def test_a_manager_builds_a_report_edits_its_commentary_and_downloads_three_files(people, built_at_once) -> None:
    workspace = people["workspace"]
    make_account(workspace, "mastodon")
    manager = client_for(people["manager"])
    page = manager.get(f"/w/{workspace.pk}/reports/")
    assert page.status_code == 200 and b'data-testid="build-form"' in page.content
    answer = manager.post(f"/w/{workspace.pk}/reports/", {"start": "2026-11-01", "end": "2026-11-30"})
    run = ReportRun.objects.get(workspace=workspace)
    assert answer.status_code == 302 and answer["Location"] == f"/w/{workspace.pk}/reports/runs/{run.pk}/"
    page = manager.get(answer["Location"])
    assert b'data-status="ready"' in page.content and b"commentary-highlights" in page.content
    for name in report.FORMATS:
        file = manager.get(f"/w/{workspace.pk}/reports/runs/{run.pk}/{name}/")
        assert file.status_code == 200 and file["Content-Type"] == report.MEDIA_TYPES[name]
        assert "attachment" in file["Content-Disposition"] and file["Cache-Control"] == "private, no-store"
    saved = manager.post(answer["Location"], {"action": "save",
                                              "commentary_highlights": "Un mois calme, avant les fêtes."})
    assert saved.status_code == 302 and len(built_at_once) == 2
    run.refresh_from_db()
    assert run.commentary["highlights"] == "Un mois calme, avant les fêtes." and run.edited_at is not None
    pptx = manager.get(f"/w/{workspace.pk}/reports/runs/{run.pk}/pptx/").content
    assert "Un mois calme, avant les fêtes." in _pptx_text(pptx)
    assert "Aucune publication" in _pptx_text(pptx) or "Rien n'a été publié" in _pptx_text(pptx)


def test_the_progress_is_followed_while_a_report_is_built(people, monkeypatch) -> None:
    workspace = people["workspace"]
    monkeypatch.setattr(tasks, "build_report_task", lambda pk: None)  # the worker has not started it yet
    manager = client_for(people["manager"])
    manager.post(f"/w/{workspace.pk}/reports/", {"start": "2026-11-01", "end": "2026-11-30"})
    run = ReportRun.objects.get(workspace=workspace)
    progress = manager.get(f"/w/{workspace.pk}/reports/runs/{run.pk}/?progress=1", headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in progress.content and "HX-Refresh" not in progress
    deliveries.build(run.pk)
    done = manager.get(f"/w/{workspace.pk}/reports/runs/{run.pk}/?progress=1", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and b"100 %" in done.content


def test_a_viewer_reads_and_downloads_but_does_not_build(people, built_at_once) -> None:
    workspace = people["workspace"]
    run = deliveries.request(workspace, report.parse_period("2026-11"), formats=["pdf"],
                             now=datetime(2026, 12, 7, tzinfo=UTC))
    deliveries.build(run.pk)
    viewer = client_for(people["viewer"])
    assert viewer.get(f"/w/{workspace.pk}/reports/").status_code == 200
    assert viewer.get(f"/w/{workspace.pk}/reports/runs/{run.pk}/pdf/").status_code == 200
    assert viewer.post(f"/w/{workspace.pk}/reports/", {"start": "2026-11-01", "end": "2026-11-30"}).status_code == 403
    assert viewer.get(f"/w/{workspace.pk}/reports/new/").status_code == 403
    outsider = client_for(people["outsider"])
    assert outsider.get(f"/w/{workspace.pk}/reports/runs/{run.pk}/pdf/").status_code == 404


def test_a_wrong_period_or_a_wrong_definition_is_named_and_nothing_is_saved(people) -> None:
    workspace = people["workspace"]
    manager = client_for(people["manager"])
    wrong = manager.post(f"/w/{workspace.pk}/reports/", {"start": "2026-11-30", "end": "2026-11-01"})
    assert wrong.status_code == 400 and b"The end is before the start." in wrong.content
    form = {"name": "Bilan mensuel", "every": "month", "sections": ["highlights", "top_posts"], "formats": ["pdf"],
            "language": "fr", "accent": "#c0392b", "scheduled": "on", "weekday": "0", "month_day": "2",
            "send_at": "09:00", "recipients": "directrice@client.example\npas-une-adresse", "delivery": "attached"}
    page = manager.post(f"/w/{workspace.pk}/reports/new/", form)
    assert page.status_code == 400 and b'data-testid="error-recipients"' in page.content
    assert b"pas-une-adresse is not an email address." in page.content
    assert not ReportDefinition.objects.exists() and not ReportRun.objects.exists()
    saved = manager.post(f"/w/{workspace.pk}/reports/new/", {**form, "recipients": "directrice@client.example"})
    assert saved.status_code == 302
    definition = ReportDefinition.objects.get()
    assert (definition.accent, definition.month_day, definition.sections) == ("#C0392B", 2, ["highlights", "top_posts"])
    listing = manager.get(f"/w/{workspace.pk}/reports/")
    assert b'data-testid="next-run"' in listing.content
    edit = manager.get(f"/w/{workspace.pk}/reports/{definition.pk}/")
    assert edit.status_code == 200 and b"directrice@client.example" in edit.content


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (10, 120, 200)).save(out, "PNG")
    out.seek(0)
    out.name = "logo.png"
    return out


def test_the_agencys_look_is_set_by_its_admins_and_a_wrong_file_refused(people) -> None:
    owner = client_for(people["owner"])  # the organisation's admin
    wrong = io.BytesIO(b"GIF89a not really")
    wrong.name = "logo.png"
    refused = owner.post("/reports/look/", {"accent": "#112233", "logo": wrong})
    assert refused.status_code == 400 and b"Give a PNG or JPEG image." in refused.content
    bad_template = io.BytesIO(b"PK\x03\x04 broken")
    bad_template.name = "modele.pptx"
    refused = owner.post("/reports/look/", {"accent": "#112233", "template": bad_template})
    assert refused.status_code == 400 and b"This is not a PowerPoint (.pptx) file." in refused.content
    assert owner.post("/reports/look/", {"accent": "#112233", "logo": _png()}).status_code == 302
    look = ReportLook.objects.get(organisation=people["organisation"])
    assert look.accent == "#112233" and bytes(look.logo)[:4] == b"\x89PNG"
    manager = client_for(people["manager"])  # not an organisation admin
    assert manager.post("/reports/look/", {"accent": "#000000"}).status_code in (403, 404)


def test_the_client_finds_the_reports_sent_to_it_in_its_portal(people) -> None:
    workspace = people["workspace"]
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    sent = deliveries.request(workspace, report.parse_period("2026-11"), formats=["pdf"], now=now)
    draft = deliveries.request(workspace, report.parse_period("2026-10"), formats=["pdf"], now=now)
    for run in (sent, draft):
        deliveries.build(run.pk, now)
    deliveries.send(sent.pk, now, ["directrice@client.example"])
    approver = ClientApprover.objects.create(workspace=workspace, name="Claire", email="claire@dupont.test")
    token = PortalLink.issue(approver)[1]
    client = client_for(people["owner"])
    client.logout()
    portal = client.get(f"/portal/{token}/")
    assert portal.status_code == 200 and portal.content.count(b'data-testid="portal-report"') == 1
    assert client.get(f"/portal/{token}/reports/{sent.pk}/pdf/").content[:4] == b"%PDF"
    assert client.get(f"/portal/{token}/reports/{draft.pk}/pdf/").status_code == 404  # not sent: stays inside
    assert client.get(f"/portal/wrong/reports/{sent.pk}/pdf/").status_code == 404

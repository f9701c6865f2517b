"""The audit log through the API: managers list it newest first, filter it by action,
person and days, page through it, export the same selection as CSV; actions and parvis's
own summaries read in the reader's language, as on the web page. Editors 403, outsiders
404, a bad filter is a 400 naming it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from parvis.accounts import audit
from parvis.accounts.models import AuditEntry, User
from parvis.api.tests.conftest import World
from parvis.core.texts import Text

pytestmark = pytest.mark.django_db
DECEMBER_3 = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
DECEMBER_5 = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # already 6 December in Paris


@pytest.fixture
def logged(world: World) -> list[AuditEntry]:
    with translation.override("en"):
        first = audit.record(world.workspace, "ics.created", actor=world.owner, target=world.workspace,
                             summary=Text.gettext("Private calendar feed URL"))
        second = audit.record(world.workspace, "label.created", actor=world.editor, summary="=HYPERLINK(\"x\")")
    AuditEntry.objects.filter(pk=first.pk).update(created_at=DECEMBER_3)
    AuditEntry.objects.filter(pk=second.pk).update(created_at=DECEMBER_5)
    audit.record(world.other_workspace, "ics.created", actor=world.outsider)
    return [first, second]


def log_url(world: World, suffix: str = "") -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/audit/{suffix}"


def test_managers_read_the_log_newest_first_with_filters(world: World, api: APIClient,
                                                         logged: list[AuditEntry]) -> None:
    every = api.get(log_url(world)).json()
    assert every["count"] == 2 and [e["action"] for e in every["results"]] == ["label.created", "ics.created"]
    assert every["results"][1]["action_label"] == "Calendar feed created"
    assert every["results"][1]["summary"] == "Private calendar feed URL"
    assert api.get(log_url(world), {"action": "ics.created"}).json()["count"] == 1
    assert api.get(log_url(world), {"person": world.editor.pk}).json()["results"][0]["action"] == "label.created"
    # Days are cut in `tz`: 5 December 23:30 UTC is 6 December in Paris.
    assert api.get(log_url(world), {"since": "2026-12-06", "tz": "Europe/Paris"}).json()["count"] == 1
    assert api.get(log_url(world), {"until": "2026-12-05", "tz": "UTC"}).json()["count"] == 2
    assert api.get(log_url(world), {"until": "2026-12-04", "tz": "UTC"}).json()["count"] == 1
    page = api.get(log_url(world), {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and [e["action"] for e in page["results"]] == ["ics.created"]


def test_the_log_reads_in_the_reader_s_language(world: World, api: APIClient, logged: list[AuditEntry]) -> None:
    french = api.get(log_url(world), {"action": "ics.created"}, HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert (french["action_label"], french["summary"]) == ("Fil d’agenda créé", "Adresse privée du fil ICS")


def test_the_csv_export_holds_the_same_selection(world: World, api: APIClient, logged: list[AuditEntry]) -> None:
    response = api.get(log_url(world, "export.csv"), {"person": world.editor.pk, "tz": "Europe/Paris"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-brand-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["When", "Who", "Action", "Code"]
    assert len(rows) == 2 and rows[1][0] == "2026-12-06 00:30:00 CET" and rows[1][3] == "label.created"
    assert rows[1][5] == "'=HYPERLINK(\"x\")"  # never a formula in a spreadsheet


def test_only_managers_read_the_log_and_bad_filters_are_named(world: World, logged: list[AuditEntry],
                                                              client_for: Callable[[User], APIClient]) -> None:
    assert client_for(world.editor).get(log_url(world)).status_code == 403
    assert client_for(world.editor).get(log_url(world, "export.csv")).status_code == 403
    assert client_for(world.outsider).get(log_url(world)).status_code == 404
    api = client_for(world.owner)
    for query, field in (({"since": "yesterday"}, "since"), ({"person": "0"}, "person"), ({"tz": "Nowhere"}, "tz"),
                         ({"since": "2026-12-06", "until": "2026-12-01"}, "until"), ({"until": "9999-12-31"}, "until")):
        for path in ("", "export.csv"):
            response = api.get(log_url(world, path), query)
            assert response.status_code == 400 and field in response.json()["errors"], (query, path)

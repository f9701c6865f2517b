"""The audit log reads in its reader's language: actions by name, not code; parvis's own
summaries translated whoever wrote them; dates in the reader's zone and format (French:
"3 déc. 2026", a no-break space before ":"); the CSV export too. Entries written before
texts were kept still show what they stored."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from parvis.accounts import audit
from parvis.accounts.models import AuditEntry, Membership
from parvis.publishing.approvers import update_settings
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
DECEMBER = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)  # 14:05 in Paris


@pytest.fixture
def logged(people: dict[str, Any]) -> AuditEntry:
    """An English-speaking owner changed the approval settings; the entry was written
    in English."""
    workspace = people["workspace"]
    with translation.override("en"):
        update_settings(workspace, people["owner"], requires_approval=True, approval_mode="all",
                        approval_notice_hours=6, named=Membership.objects.filter(user=people["manager"]))
    entry = AuditEntry.objects.get(action="workspace.approval_settings")
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=DECEMBER)
    assert entry.summary == "Approval settings changed"
    return entry


def page_of(user: Any, language: str, **params: str) -> str:
    user.language, user.timezone = language, "Europe/Paris"
    user.save()
    url = reverse("web:audit", args=[user.memberships.get().workspace_id])
    return client_for(user, language).get(url, params).content.decode()


def test_a_french_reader_reads_actions_summaries_and_dates_in_french(people, logged):
    page = page_of(people["manager"], "fr")
    assert "Paramètres de validation modifiés" in page and "Approval settings changed" not in page
    assert ">Paramètres de validation</span>" in page  # the action by its name ...
    assert ">workspace.approval_settings<" not in page  # ... not its code
    assert f"Validation requise{NBSP}: oui · validation par{NBSP}: Tous les valideurs désignés" in page
    assert "3 déc. 2026, 14:05:00" in page
    assert '<option value="workspace.approval_settings" >Paramètres de validation</option>' in page


def test_an_english_reader_reads_the_same_entry_in_english(people, logged):
    page = page_of(people["manager"], "en")
    assert "Approval settings changed" in page and "approval by: All named approvers" in page
    assert "Dec. 3, 2026, 14:05:00" in page


def test_the_csv_export_is_in_the_exporting_persons_language(people, logged):
    people["manager"].language = "fr"
    people["manager"].save()
    url = reverse("web:audit", args=[people["workspace"].pk])
    export = client_for(people["manager"], "fr").get(url, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Quand", "Qui", "Action", "Code"]
    row = next(r for r in rows if r[3] == "workspace.approval_settings")
    assert row[2] == "Paramètres de validation" and row[5] == "Paramètres de validation modifiés"
    assert row[4] == "espace de travail " + str(people["workspace"].pk)
    assert row[0].startswith("2026-12-03 14:05")


def test_entries_from_before_texts_were_kept_show_what_they_stored(people):
    workspace = people["workspace"]
    AuditEntry.objects.create(workspace=workspace, actor_label="x", action="post.approved",
                              summary="Validé (révision 2)")
    AuditEntry.objects.create(workspace=workspace, actor_label="x", action="something.new", summary="As written")
    page = page_of(people["manager"], "en")
    assert "Validé (révision 2)" in page and ">Post approved</span>" in page
    assert ">something.new</span>" in page and "As written" in page


def test_a_summary_with_a_date_reads_in_the_readers_zone_and_language(people):
    from parvis.core.texts import Text

    with translation.override("en"):
        audit.record(people["workspace"], "client_approver.link_revoked", actor=people["owner"],
                     summary=Text.gettext("Link of %(client)s created %(when)s", client="Claire", when=DECEMBER))
    people["manager"].timezone = "America/Montreal"
    people["manager"].language = "fr"
    people["manager"].save()
    page = client_for(people["manager"], "fr").get(reverse("web:audit", args=[people["workspace"].pk])).content
    assert "Lien de Claire créé le 3 déc. 2026, 08:05 EST".encode() in page

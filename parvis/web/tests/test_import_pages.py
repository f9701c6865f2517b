"""The import pages: upload → preview with errors per cell → import → progress → summary;
the template download; editors only, and nothing of another workspace."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing import importer
from parvis.publishing.models import ImportBatch, Post
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 1


@pytest.fixture
def bluesky(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})


def upload(client: Client, workspace: Any, lines: list[str], tz: str = "Europe/Paris",
           encoding: str = "utf-8") -> Any:
    body = ("date,time,timezone,text,accounts\n" + "\n".join(lines) + "\n").encode(encoding)
    return client.post(reverse("web:import_upload", args=[workspace.pk]),
                       {"file": SimpleUploadedFile("plan.csv", body, "text/csv"), "timezone": tz})


def test_upload_preview_import_progress_and_summary(people, bluesky):
    client = client_for(people["editor"])
    workspace = people["workspace"]
    assert client.get(reverse("web:import_upload", args=[workspace.pk])).status_code == 200
    response = upload(client, workspace, [f"{YEAR}-06-01,09:30,,Bonjour,brand.bsky.social",
                                          f"31/02/{YEAR},09:30,,Février,brand.bsky.social",
                                          f"{YEAR}-06-02,10:00,,Encore,nobody"])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:import_detail", args=[workspace.pk, batch.pk])
    assert not Post.objects.exists()

    preview = client.get(response["Location"]).content.decode()
    assert "3 rows" in preview and "1 valid" in preview and "2 with errors" in preview
    assert "Import the 1 valid row" in preview
    assert 'class="date bad" data-column="date"' in preview  # the broken cell is highlighted
    assert "is not a day of the calendar" in preview and "“nobody” is not an account" in preview
    only_errors = client.get(response["Location"] + "?errors=1").content.decode()
    assert 'data-line="2"' not in only_errors and 'data-line="3"' in only_errors

    started = client.post(reverse("web:import_run", args=[workspace.pk, batch.pk]))
    assert started.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "importing"
    progress_url = reverse("web:import_progress", args=[workspace.pk, batch.pk])
    polling = client.get(progress_url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in polling.content.decode() and "HX-Refresh" not in polling

    importer.run_import(batch)  # what the background task does
    done = client.get(progress_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"  # the page reloads as the summary
    summary = client.get(reverse("web:import_detail", args=[workspace.pk, batch.pk])).content.decode()
    assert "1 post created." in summary and "Bonjour" in summary
    assert Post.objects.get().text == "Bonjour"
    again = client.post(reverse("web:import_run", args=[workspace.pk, batch.pk]), follow=True)
    assert "already been started" in again.content.decode() and Post.objects.count() == 1


def test_file_errors_are_shown_on_the_form_and_nothing_is_stored(people, bluesky):
    client = client_for(people["editor"])
    response = client.post(reverse("web:import_upload", args=[people["workspace"].pk]),
                           {"file": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
                            "timezone": "Europe/Paris"})
    assert response.status_code == 400
    assert "not a CSV text file" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_windows_1252_file_shows_the_encoding_notice(people, bluesky):
    client = client_for(people["editor"])
    response = upload(client, people["workspace"], [f"{YEAR}-06-01,09:30,,Crème brûlée,brand.bsky.social"],
                      encoding="cp1252")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="encoding-notice"' in page and "Crème brûlée" in page


def test_large_files_are_paginated(people, bluesky):
    client = client_for(people["editor"])
    response = upload(client, people["workspace"], [f"{YEAR}-06-01,09:30,,Post {i},brand.bsky.social"
                                                    for i in range(250)])
    page = client.get(response["Location"] + "?page=3").content.decode()
    assert "Page 3 of 3" in page and 'data-line="202"' in page and 'data-line="201"' not in page


def test_template_download_uses_the_workspace_accounts(people, bluesky):
    response = client_for(people["editor"]).get(reverse("web:import_template", args=[people["workspace"].pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "bluesky:@brand.bsky.social" in response.content.decode("utf-8-sig")


def test_publications_page_links_to_the_import(people):
    page = client_for(people["editor"]).get(reverse("web:publications", args=[people["workspace"].pk]))
    assert reverse("web:import_upload", args=[people["workspace"].pk]) in page.content.decode()


def test_viewer_gets_403_on_every_import_page(people, bluesky):
    batch = importer.validate(people["workspace"], SimpleUploadedFile(
        "a.csv", f"date,time,text,accounts\n{YEAR}-06-01,09:30,x,brand.bsky.social\n".encode()))
    viewer = client_for(people["viewer"])
    wid = people["workspace"].pk
    for name, args in (("web:import_upload", [wid]), ("web:import_template", [wid]),
                       ("web:import_detail", [wid, batch.pk]), ("web:import_progress", [wid, batch.pk])):
        assert viewer.get(reverse(name, args=args)).status_code == 403, name
    assert viewer.post(reverse("web:import_run", args=[wid, batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == "validated"


def test_outsider_gets_404_and_cannot_reach_an_import_through_their_own_workspace(people, bluesky):
    batch = importer.validate(people["workspace"], SimpleUploadedFile(
        "a.csv", f"date,time,text,accounts\n{YEAR}-06-01,09:30,x,brand.bsky.social\n".encode()))
    outsider = client_for(people["outsider"])
    wid, own = people["workspace"].pk, people["other_workspace"].pk
    assert outsider.get(reverse("web:import_upload", args=[wid])).status_code == 404
    assert outsider.get(reverse("web:import_template", args=[wid])).status_code == 404
    assert outsider.get(reverse("web:import_detail", args=[wid, batch.pk])).status_code == 404
    assert outsider.get(reverse("web:import_detail", args=[own, batch.pk])).status_code == 404
    assert outsider.post(reverse("web:import_run", args=[own, batch.pk])).status_code == 404
    assert not Post.objects.exists()

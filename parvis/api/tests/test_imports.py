"""Bulk import through the API: check (dry run) or check and start, run, poll, template;
editors only, 404 outside one's workspaces, errors naming the file or the row's column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.publishing import importer
from parvis.publishing.models import ImportBatch, Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = timezone.now().year + 1
GOOD = f"{YEAR}-12-24,18:30,,Joyeux Noël,@brand.bsky.social"
BAD = f"{YEAR}-12-24,18:30,,Joyeux Noël,@nobody"


def csv_file(*lines: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    body = ("date,time,timezone,text,accounts\n" + "\n".join(lines) + "\n").encode(encoding)
    return SimpleUploadedFile("plan.csv", body, "text/csv")


def send(client: APIClient, world: World, *lines: str, dry_run: bool = True, **extra: Any) -> Any:
    url = f"/api/v1/workspaces/{world.workspace.pk}/imports/" + ("?dry_run=1" if dry_run else "")
    return client.post(url, {"file": csv_file(*lines), **extra}, format="multipart")


def test_dry_run_returns_every_row_with_its_errors_and_creates_nothing(api: APIClient, world: World) -> None:
    response = send(api, world, GOOD, BAD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total_rows"], body["valid_rows"]) == ("validated", 2, 1)
    assert body["rows"][0]["errors"] == {} and body["rows"][0]["line"] == 2
    assert "“@nobody” is not an account" in body["rows"][1]["errors"]["accounts"][0]
    assert body["encoding"] == "utf-8" and body["encoding_notice"] == ""
    assert not Post.objects.exists()


def test_run_then_poll_progress(api: APIClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr("parvis.publishing.tasks.import_task", queued.append)
    batch_id = send(api, world, GOOD, BAD).json()["id"]
    with_commit(api.post, f"/api/v1/imports/{batch_id}/run/", expect=202)
    assert queued == [batch_id]
    importer.run_import(ImportBatch.objects.get(pk=batch_id))  # what the queued task does
    body = api.get(f"/api/v1/imports/{batch_id}/?rows=false").json()
    assert (body["status"], body["processed_rows"], body["created_posts"]) == ("done", 1, 1)
    assert "rows" not in body
    rows = api.get(f"/api/v1/imports/{batch_id}/").json()["rows"]
    assert rows[0]["post"] == Post.objects.get().pk
    again = api.post(f"/api/v1/imports/{batch_id}/run/")
    assert again.status_code == 409 and "already been started" in again.json()["errors"]["import"][0]


def with_commit(method: Callable[..., Any], url: str, expect: int) -> Any:
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = method(url)
    assert response.status_code == expect, response.content
    return response


def test_without_dry_run_the_import_starts_at_once(api: APIClient, world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr("parvis.publishing.tasks.import_task", queued.append)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        body = send(api, world, GOOD, dry_run=False).json()
    assert body["status"] == "importing" and queued == [body["id"]]


def test_a_file_without_valid_rows_cannot_be_run(api: APIClient, world: World) -> None:
    batch_id = send(api, world, BAD).json()["id"]
    response = api.post(f"/api/v1/imports/{batch_id}/run/")
    assert response.status_code == 409 and "No row can be imported" in response.json()["errors"]["import"][0]


def test_unreadable_file_and_missing_file_are_400_on_file(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/imports/"
    binary = api.post(url, {"file": SimpleUploadedFile("a.csv", b"\x00\x01\x02binary")}, format="multipart")
    assert binary.status_code == 400 and "not a CSV text file" in binary.json()["errors"]["file"][0]
    assert api.post(url, {}, format="multipart").json()["errors"]["file"]
    zone = send(api, world, GOOD, timezone="Nowhere/Land")
    assert zone.status_code == 400 and "Nowhere/Land" in zone.json()["errors"]["timezone"][0]
    assert not ImportBatch.objects.exists()


def test_windows_1252_is_read_with_a_notice(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/imports/?dry_run=true"
    body = api.post(url, {"file": csv_file(f"{YEAR}-12-24,18:30,,Crème,@brand.bsky.social", encoding="cp1252")},
                    format="multipart").json()
    assert body["encoding"] == "windows-1252" and "Windows-1252" in body["encoding_notice"]
    assert body["rows"][0]["values"]["text"] == "Crème"


def test_template_is_csv_in_the_asked_language(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/imports/template.csv"
    english = api.get(url + "?language=en")
    assert english.status_code == 200 and english["Content-Type"].startswith("text/csv")
    assert english.content.decode("utf-8-sig").startswith("date,time,timezone,text,accounts")
    assert "mastodon:@brand@example.social" in english.content.decode("utf-8-sig")
    assert api.get(url + "?language=fr").content.decode("utf-8-sig").startswith("date;heure;fuseau")


def test_viewer_gets_403_and_outsider_404(world: World, api: APIClient,
                                          client_for: Callable[[User], APIClient]) -> None:
    batch_id = send(api, world, GOOD).json()["id"]
    wid = world.workspace.pk
    viewer, outsider = client_for(world.viewer), client_for(world.outsider)
    assert send(viewer, world, GOOD).status_code == 403
    assert viewer.get(f"/api/v1/imports/{batch_id}/").status_code == 403
    assert viewer.post(f"/api/v1/imports/{batch_id}/run/").status_code == 403
    assert viewer.get(f"/api/v1/workspaces/{wid}/imports/template.csv").status_code == 403
    assert send(outsider, world, GOOD).status_code == 404
    for url in (f"/api/v1/imports/{batch_id}/", f"/api/v1/workspaces/{wid}/imports/template.csv",
                "/api/v1/imports/999999/"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/api/v1/imports/{batch_id}/run/").status_code == 404
    assert ImportBatch.objects.get().status == "validated"


def test_editor_may_import(world: World, client_for: Callable[[User], APIClient]) -> None:
    response = send(client_for(world.editor), world, GOOD)
    assert response.status_code == 201 and response.json()["valid_rows"] == 1

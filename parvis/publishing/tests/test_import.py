"""CSV import: broken rows are shown with errors naming row and column, nothing is
created before the import, the import creates each valid row once (even run twice, even
after a failed chunk), and 10,000 rows go through in reasonable time."""

from __future__ import annotations

import codecs
import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing import importer
from parvis.publishing.actions import Upload
from parvis.publishing.importer import check as import_check
from parvis.publishing.importer import media as import_media
from parvis.publishing.importer import read as import_read
from parvis.publishing.importer import run as import_run
from parvis.publishing.library import add_asset
from parvis.publishing.models import Campaign, ImportBatch, Label, MediaAsset, Post, Publication, State
from parvis.testing.images import forbid_decoding, png_bomb, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = timezone.now().year + 1
HEADER = "date,time,timezone,text,accounts,media,campaign,labels"


@pytest.fixture
def accounts(people: dict[str, Any]) -> dict[str, SocialAccount]:
    workspace = people["workspace"]
    return {
        "mastodon": SocialAccount.objects.create(
            workspace=workspace, network="mastodon", server_url="https://example.social", remote_id="1",
            handle="@brand@example.social", profile_url="https://example.social/@brand",
            credentials={"access_token": "x"}),
        "bluesky": SocialAccount.objects.create(
            workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
            handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"}),
        "rival": SocialAccount.objects.create(
            workspace=people["other_workspace"], network="mastodon", server_url="https://example.social",
            remote_id="2", handle="@rival@example.social", credentials={"access_token": "x"}),
    }


def check(people: dict[str, Any], lines: list[str], header: str = HEADER, encoding: str = "utf-8",
          **kwargs: Any) -> ImportBatch:
    # The import runs in its uploader's language: here, like the checks, in English.
    people["editor"].language = "en"
    people["editor"].save(update_fields=["language"])
    raw = ("\n".join([header, *lines]) + "\n").encode(encoding)
    return importer.validate(people["workspace"], io.BytesIO(raw), user=people["editor"], filename="plan.csv",
                             **kwargs)


def errors_of(batch: ImportBatch) -> dict[int, dict[str, list[str]]]:
    return {row["line"]: row["errors"] for row in batch.rows}


# -- reading the file --------------------------------------------------------------------

def test_valid_rows_are_checked_and_nothing_is_created_before_the_import(people, accounts):
    batch = check(people, [f"{YEAR}-06-01,09:30,Europe/Paris,Bonjour,brand.bsky.social,,,",
                           f"01/06/{YEAR},18h,,Bonsoir,mastodon:@brand@example.social | @brand.bsky.social,,,"])
    assert (batch.status, batch.total_rows, batch.valid_rows, batch.encoding) == ("validated", 2, 2, "utf-8")
    assert errors_of(batch) == {2: {}, 3: {}}
    assert batch.rows[1]["values"]["timezone"] == "Europe/Paris"  # the default zone, shown in the preview
    assert not Post.objects.exists() and not Label.objects.exists()


def test_french_headers_semicolons_and_windows_1252_are_read_with_a_notice(people, accounts):
    batch = check(people, [f"24/06/{YEAR};09:30;;Crème brûlée du jour;@brand@example.social;;;"],
                  header="Date;Heure;Fuseau horaire;Texte;Comptes;Médias;Campagne;Étiquettes", encoding="cp1252")
    assert batch.encoding == "windows-1252"
    assert "Windows-1252" in importer.encoding_notice(batch)
    assert batch.rows[0]["values"]["text"] == "Crème brûlée du jour"
    assert batch.valid_rows == 1


def test_utf8_with_bom_and_tabs_and_utf16_with_bom_are_read(people, accounts):
    row = f"{YEAR}-06-01\t09:30\t\tÉté\tbrand.bsky.social"
    raw = codecs.BOM_UTF8 + f"date\ttime\ttimezone\ttext\taccounts\n{row}\n".encode()
    batch = importer.validate(people["workspace"], io.BytesIO(raw))
    assert (batch.encoding, batch.valid_rows, batch.rows[0]["values"]["text"]) == ("utf-8", 1, "Été")
    utf16 = f"date\ttime\ttext\taccounts\n{YEAR}-06-01\t09:30\tÉté\tbrand.bsky.social\n".encode("utf-16")
    assert importer.validate(people["workspace"], io.BytesIO(utf16)).valid_rows == 1


@pytest.mark.parametrize("raw", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",  # an image
    "date,time,text,accounts\n2030-01-01,10:00,x,y\n".encode("utf-16-le"),  # UTF-16 without its BOM
    b"date,time,text,accounts\n2030-01-01,10:00,x\x00y,z\n",  # NUL bytes
    b"date,time,text,accounts\n2030-01-01,10:00,\x01\x02\x03,z\n",  # control bytes
])
def test_binary_or_unmarked_utf16_is_refused_as_not_a_csv_text_file(people, accounts, raw):
    with pytest.raises(importer.ImportFileError, match="not a CSV text file"):
        importer.validate(people["workspace"], io.BytesIO(raw))
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(("header", "message"), [
    ("date,time,text", "Missing column(s): accounts"),
    ("date,time,text,accounts,notes", "Unknown column(s): “notes”"),
    ("date,time,text,accounts,texte", "appears twice"),
])
def test_wrong_headers_are_named(people, accounts, header, message):
    with pytest.raises(importer.ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check(people, [f"{YEAR}-06-01,09:30,x,y"], header=header)


def test_empty_files_and_size_and_row_caps_are_clear_errors(people, accounts, monkeypatch):
    with pytest.raises(importer.ImportFileError, match="empty"):
        importer.validate(people["workspace"], io.BytesIO(b"  \n"))
    with pytest.raises(importer.ImportFileError, match="no rows"):
        check(people, [",,,,", ""])
    monkeypatch.setattr(import_read, "MAX_BYTES", 100)
    with pytest.raises(importer.ImportFileError, match="too large"):
        check(people, [f"{YEAR}-06-01,09:30,,{'x' * 200},brand.bsky.social,,,"])
    monkeypatch.setattr(import_read, "MAX_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(import_check, "MAX_ROWS", 2)
    with pytest.raises(importer.ImportFileError, match="Too many rows"):
        check(people, [f"{YEAR}-06-01,09:30,,x,brand.bsky.social,,,"] * 3)


def test_unknown_default_time_zone_is_refused(people, accounts):
    with pytest.raises(importer.ImportFileError, match="Mars/Olympus"):
        check(people, [f"{YEAR}-06-01,09:30,,x,brand.bsky.social,,,"], default_timezone="Mars/Olympus")


# -- broken rows -------------------------------------------------------------------------

def test_bad_dates_and_times_are_reported_on_their_cell(people, accounts):
    batch = check(people, [
        f"31/02/{YEAR},10:00,,Février,brand.bsky.social,,,",
        f"{YEAR}-13-01,10:00,,Mois 13,brand.bsky.social,,,",
        "next tuesday,10:00,,Quand ?,brand.bsky.social,,,",
        f"{YEAR}-06-01,25:00,,Heure,brand.bsky.social,,,",
        f"{YEAR}-06-01,,,Sans heure,brand.bsky.social,,,",
        "2026-03-29,02:30,Europe/Paris,Changement d'heure,brand.bsky.social,,,",
        "2020-01-01,10:00,,Passé,brand.bsky.social,,,",
        f"{YEAR}-06-01,10:00,Europe/Pariss,Zone,brand.bsky.social,,,",
    ])
    errors = errors_of(batch)
    assert "is not a day of the calendar" in errors[2]["date"][0]
    assert "“31/02/" in errors[2]["date"][0]
    assert "is not a day of the calendar" in errors[3]["date"][0]
    assert "is not a date" in errors[4]["date"][0]
    assert "is not a time" in errors[5]["time"][0]
    assert set(errors[6]) == {"time"}
    assert set(errors[7]) == {"time"} and "02:30" in errors[7]["time"][0]  # the DST gap: no such time
    assert set(errors[8]) == {"date"}  # in the past, with check_post's own message
    assert set(errors[9]) == {"timezone"} and "Europe/Pariss" in errors[9]["timezone"][0]
    assert batch.valid_rows == 0
    assert importer.row_messages(batch.rows[5])[0].startswith("Row 7, time: ")


def test_dst_gap_next_spring_is_refused_too(people, accounts):
    # The last Sunday of March: clocks go from 02:00 to 03:00 in Paris.
    day = max(d for d in range(25, 32) if datetime(YEAR, 3, d, tzinfo=UTC).weekday() == 6)
    batch = check(people, [f"{YEAR}-03-{day},02:30,Europe/Paris,x,brand.bsky.social,,,",
                           f"{YEAR}-03-{day},03:30,Europe/Paris,x,brand.bsky.social,,,"])
    assert list(errors_of(batch)[2]) == ["time"] and errors_of(batch)[3] == {}


def test_unknown_accounts_and_other_workspaces_accounts_are_not_matched(people, accounts):
    batch = check(people, [
        f"{YEAR}-06-01,10:00,,x,@nobody@example.social,,,",
        f"{YEAR}-06-01,10:00,,x,@rival@example.social,,,",
        f"{YEAR}-06-01,10:00,,x,,,,",
        f"{YEAR}-06-01,10:00,,x,twitter:brand,,,",
    ])
    errors = errors_of(batch)
    assert "“@nobody@example.social” is not an account of this workspace" in errors[2]["accounts"][0]
    assert "“@rival@example.social” is not an account of this workspace" in errors[3]["accounts"][0]
    assert "rival" not in errors[3]["accounts"][0].split("(")[1]  # the list shows only our accounts
    assert errors[4]["accounts"]  # none given: check_post's "choose at least one account"
    assert errors[5]["accounts"]
    assert batch.valid_rows == 0


def test_accounts_match_by_handle_network_prefix_short_name_or_profile_url(people, accounts):
    batch = check(people, [f'{YEAR}-06-01,10:00,,x,"brand@example.social, bluesky:brand.bsky.social",,,',
                           f"{YEAR}-06-01,10:00,,x,Mastodon:@brand,,,",
                           f"{YEAR}-06-01,10:00,,x,https://example.social/@brand/,,,"])
    assert batch.valid_rows == 3


def test_an_ambiguous_short_handle_asks_for_the_network(people, accounts):
    SocialAccount.objects.create(workspace=people["workspace"], network="mastodon", server_url="https://other.social",
                                 remote_id="9", handle="@brand@other.social", credentials={})
    batch = check(people, [f"{YEAR}-06-01,10:00,,x,@brand,,,"])
    assert "matches several accounts" in errors_of(batch)[2]["accounts"][0]


def test_text_too_long_is_reported_per_network_and_missing_text_too(people, accounts):
    batch = check(people, [
        f"{YEAR}-06-01,10:00,,{'a' * 301},brand.bsky.social,,,",
        f"{YEAR}-06-01,10:00,,{'a' * 501},@brand@example.social,,,",
        f"{YEAR}-06-01,10:00,,{'a' * 400},@brand@example.social|brand.bsky.social,,,",
        f"{YEAR}-06-01,10:00,,,brand.bsky.social,,,",
    ])
    errors = errors_of(batch)
    assert "Bluesky" in errors[2]["text"][0] and "301" in errors[2]["text"][0]
    assert "Mastodon" in errors[3]["text"][0] and "501" in errors[3]["text"][0]
    assert len(errors[4]["text"]) == 1 and "Bluesky" in errors[4]["text"][0]
    assert list(errors[5]) == ["text"]


def test_unknown_campaign_is_an_error_and_unknown_labels_are_created_at_import(people, accounts):
    Campaign.objects.create(workspace=people["workspace"], name="Noël", slug="noel")
    Label.objects.create(workspace=people["workspace"], name="Promo")
    batch = check(people, [f"{YEAR}-06-01,10:00,,x,brand.bsky.social,,noël,\"promo, Nouveauté\"",
                           f"{YEAR}-06-01,10:00,,x,brand.bsky.social,,Pâques,"])
    errors = errors_of(batch)
    assert errors[2] == {} and batch.rows[0]["new_labels"] == ["Nouveauté"]
    assert "No campaign named “Pâques”" in errors[3]["campaign"][0]
    assert Label.objects.count() == 1  # nothing created while checking
    importer.run_import(batch)
    post = Post.objects.get()
    assert post.campaign.name == "Noël"
    assert sorted(label.name for label in post.labels.all()) == ["Nouveauté", "Promo"]


def test_media_are_library_files_by_name_checked_for_rights_and_attached_at_import(people, accounts, png):
    workspace = people["workspace"]
    add_asset(workspace, people["editor"], Upload("Pain.png", io.BytesIO(png), len(png)), "Une miche")
    other = png_bytes(color="gold")
    add_asset(workspace, people["editor"], Upload("galette.png", io.BytesIO(other), len(other)),
              rights_expire_on=date(YEAR, 1, 31))
    batch = check(people, [f"{YEAR}-06-01,10:00,,Du pain,brand.bsky.social,pain.png,,",
                           f"{YEAR}-06-01,10:00,,Galette,brand.bsky.social,galette.png,,",
                           f"{YEAR}-06-01,10:00,,Brioche,brand.bsky.social,brioche.jpg,,"])
    errors = errors_of(batch)
    assert errors[2] == {}
    assert list(errors[3]) == ["media"]  # the rights expire before the post's date
    assert "No file named “brioche.jpg”" in errors[4]["media"][0]
    importer.run_import(batch)
    post = Post.objects.get()
    assert [m.asset.original_name for m in post.media.select_related("asset")] == ["Pain.png"]


@pytest.fixture
def web_files(png: bytes) -> Iterator[tuple[str, dict[str, int]]]:
    """A loopback web server: /bread.png (a PNG), /notes.txt (text), /poster.png (169
    megapixels in 20 KB), anything else 404
    (the query string is ignored).
    Gives its base URL and how many times each path was asked for."""
    hits: dict[str, int] = {}
    files = {"/bread.png": ("image/png", png), "/notes.txt": ("text/plain", b"not an image at all"),
             "/poster.png": ("image/png", png_bomb())}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            path = self.path.split("?", 1)[0]
            hits[path] = hits.get(path, 0) + 1
            kind, body = files.get(path, ("text/plain", b"missing"))
            self.send_response(200 if path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_invalid_web_addresses_in_media_are_refused_at_validation(people, accounts):
    batch = check(people, [f"{YEAR}-06-01,10:00,,x,brand.bsky.social,ftp://x/a.png,,",
                           f"{YEAR}-06-01,10:00,,x,brand.bsky.social,http://,,",
                           f"{YEAR}-06-01,10:00,,x,brand.bsky.social,http://exa mple.com/a.png,,"])
    errors = errors_of(batch)
    assert "“ftp://x/a.png” cannot be used as a web address" in errors[2]["media"][0]
    assert "“http://”" in errors[3]["media"][0]
    assert "“http://exa mple.com/a.png”" in errors[4]["media"][0]
    assert batch.valid_rows == 0


def test_private_web_addresses_are_refused_unless_allowed(people, accounts, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    batch = check(people, [f"{YEAR}-06-01,10:00,,x,brand.bsky.social,http://127.0.0.1:9/a.png,,"])
    error = errors_of(batch)[2]["media"][0]
    assert "a loopback address" in error and "PARVIS_ALLOW_PRIVATE_URLS" in error


def test_web_addresses_are_checked_without_downloading_then_downloaded_once_at_import(
        people, accounts, web_files, png):
    base, hits = web_files
    url = f"{base}/bread.png"
    batch = check(people, [f"{YEAR}-06-01,10:00,,Du pain,brand.bsky.social,{url},,",
                           f"{YEAR}-06-02,10:00,,Encore du pain,brand.bsky.social,{url},,",
                           f"{YEAR}-06-03,10:00,,Sans image,brand.bsky.social,,,"])
    assert batch.valid_rows == 3 and hits == {}  # nothing fetched while checking
    importer.run_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created_posts) == ("done", 3)
    assert hits == {"/bread.png": 1}  # the same address on two rows is fetched once
    asset = MediaAsset.objects.get(workspace=people["workspace"])
    assert (asset.original_name, asset.source, asset.size) == ("bread.png", url, len(png))
    posts = Post.objects.filter(media__isnull=False).distinct().order_by("scheduled_at")
    assert [[m.asset_id for m in post.media.all()] for post in posts] == [[asset.pk], [asset.pk]]
    # The same file again (another run, another address) stays one library file.
    again = check(people, [f"{YEAR}-06-04,10:00,,Toujours du pain,brand.bsky.social,{url}?v=2,,"])
    importer.run_import(again)
    assert MediaAsset.objects.count() == 1 and Post.objects.count() == 4


def test_web_addresses_that_cannot_be_downloaded_refuse_their_row_only(people, accounts, web_files):
    base, _hits = web_files
    batch = check(people, [f"{YEAR}-06-01,10:00,,Introuvable,brand.bsky.social,{base}/gone.png,,",
                           f"{YEAR}-06-02,10:00,,Du texte,brand.bsky.social,{base}/notes.txt,,",
                           f"{YEAR}-06-03,10:00,,Du pain,brand.bsky.social,{base}/bread.png,,"])
    assert batch.valid_rows == 3
    importer.run_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_posts) == ("done", 3, 1)
    missing, text, bread = batch.rows
    assert missing["import_failed"] and not missing.get("post")
    assert f"“{base}/gone.png”" in missing["errors"]["media"][0] and "404" in missing["errors"]["media"][0]
    assert text["import_failed"] and f"“{base}/notes.txt”" in text["errors"]["media"][0]
    assert "not an image" in text["errors"]["media"][0]
    assert bread["post"] and Post.objects.get().text == "Du pain"
    assert "2 rows refused at creation" in AuditEntry.objects.get(action="posts.imported").summary


def test_the_import_writes_its_row_errors_in_its_uploaders_language_not_the_workers(people, accounts, web_files):
    from django.utils import translation

    base, _hits = web_files
    batch = check(people, [f"{YEAR}-06-01,10:00,,Introuvable,brand.bsky.social,{base}/gone.png,,"])
    people["editor"].language = "fr"
    people["editor"].save(update_fields=["language"])
    with translation.override("en"):  # the worker's language
        importer.run_import(batch)
    batch.refresh_from_db()
    assert batch.rows[0]["errors"]["media"][0].startswith("Le fichier à l’adresse «")
    assert "404" in batch.rows[0]["errors"]["media"][0]


def test_web_addresses_larger_than_the_library_takes_are_refused(people, accounts, web_files, settings):
    base, _hits = web_files
    settings.PARVIS_MAX_IMAGE_BYTES = settings.PARVIS_MAX_VIDEO_BYTES = 100
    batch = check(people, [f"{YEAR}-06-01,10:00,,Trop gros,brand.bsky.social,{base}/bread.png,,"])
    importer.run_import(batch)
    batch.refresh_from_db()
    assert batch.created_posts == 0 and "larger than" in batch.rows[0]["errors"]["media"][0]
    assert not MediaAsset.objects.exists()


def test_media_addresses_that_resolve_elsewhere_at_download_never_reach_loopback(
        people, accounts, web_files, settings, monkeypatch):
    from parvis.testing.resolver import rebinding

    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    base, hits = web_files
    resolver = rebinding(monkeypatch, "cdn.example")  # a public address, then 127.0.0.1
    url = base.replace("127.0.0.1", "cdn.example") + "/bread.png"
    found = import_media.download_media(people["workspace"], people["editor"], url)
    assert isinstance(found, str) and f"“{url}”" in found and "ConnectError" in found
    assert hits == {} and resolver.asked == 1 and not MediaAsset.objects.exists()


def test_media_redirects_to_a_refused_address_are_not_followed(people, accounts, web_files):
    from parvis.core.http import override_policy
    from parvis.testing.scripted_server import LoopbackPorts, ScriptedServer, redirect

    base, hits = web_files
    with ScriptedServer() as public:
        public.answer("/bread.png", redirect(f"{base}/bread.png"))
        with override_policy(LoopbackPorts(public.port)):  # the files server counts as internal
            found = import_media.download_media(people["workspace"], people["editor"], public.url("/bread.png"))
        assert public.paths() == ["/bread.png"]
    assert isinstance(found, str) and "parvis does not connect there" in found
    assert hits == {} and not MediaAsset.objects.exists()


def test_web_images_over_the_pixel_budget_refuse_their_row_without_being_decoded(
        people, accounts, web_files, monkeypatch):
    base, _hits = web_files
    batch = check(people, [f"{YEAR}-06-01,10:00,,Affiche,brand.bsky.social,{base}/poster.png,,"])
    decoded = forbid_decoding(monkeypatch)
    importer.run_import(batch)
    batch.refresh_from_db()
    assert batch.created_posts == 0 and decoded == [] and not MediaAsset.objects.exists()
    error = batch.rows[0]["errors"]["media"][0]
    assert f"“{base}/poster.png”" in error and "169 megapixels" in error and "up to 50 megapixels" in error


def test_extra_cells_are_reported_on_the_row(people, accounts):
    batch = check(people, [f"{YEAR}-06-01,10:00,,x,brand.bsky.social,,,,surprise"])
    assert "more cells" in errors_of(batch)[2]["row"][0]


# -- the import --------------------------------------------------------------------------

def test_import_creates_scheduled_posts_in_their_time_zone_and_records_them(people, accounts):
    batch = check(people, [f"{YEAR}-06-01,09:30,America/Montreal,Bonjour,brand.bsky.social|@brand,,,",
                           "2020-01-01,10:00,,Passé,brand.bsky.social,,,"])
    assert importer.start_import(batch) is True  # queued: the task runs after the commit
    importer.run_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_posts) == ("done", 1, 1)
    post = Post.objects.get()
    assert batch.rows[0]["post"] == post.pk and batch.rows[1]["post"] is None
    assert post.author == people["editor"] and post.schedule_timezone == "America/Montreal"
    assert post.scheduled_at == datetime(YEAR, 6, 1, 13, 30, tzinfo=UTC)
    assert sorted(p.state for p in post.publications.all()) == [State.SCHEDULED, State.SCHEDULED]
    assert AuditEntry.objects.filter(action="posts.imported", workspace=people["workspace"]).count() == 1
    assert people["editor"].notifications.filter(kind="import_done").exists()


def test_start_import_refuses_a_second_start_and_files_without_valid_rows(people, accounts):
    batch = check(people, [f"{YEAR}-06-01,09:30,,x,brand.bsky.social,,,"])
    assert importer.start_import(batch) is True
    assert importer.start_import(batch) is False
    empty = check(people, ["2020-01-01,10:00,,x,brand.bsky.social,,,"])
    assert importer.start_import(empty) is False


def test_the_import_task_runs_the_import(people, accounts):
    from parvis.publishing.tasks import import_task

    batch = check(people, [f"{YEAR}-06-01,09:30,,x,brand.bsky.social,,,"])
    import_task.call_local(batch.pk)
    assert Post.objects.count() == 1


def test_rows_that_became_invalid_are_refused_at_creation_and_the_rest_imported(people, accounts):
    batch = check(people, [f"{YEAR}-06-01,09:30,,One,brand.bsky.social,,,",
                           f"{YEAR}-06-01,09:30,,Two,@brand@example.social,,,"])
    accounts["mastodon"].delete()  # disconnected between the check and the import
    importer.run_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_posts) == ("done", 2, 1)
    assert batch.rows[1]["import_failed"] and "not an account" in batch.rows[1]["errors"]["accounts"][0]
    assert list(Post.objects.values_list("text", flat=True)) == ["One"]


def test_a_failing_chunk_keeps_earlier_chunks_and_a_second_run_completes_without_duplicates(
        people, accounts, monkeypatch):
    batch = check(people, [f"{YEAR}-06-{1 + i % 28:02d},10:00,,Post {i},brand.bsky.social,,,"
                           for i in range(7)])
    real_save = import_run.save_post
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Post:
        calls["n"] += 1
        if calls["n"] == 5:  # the 2nd row of the 2nd chunk (3 rows per chunk)
            raise RuntimeError("disk full")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(import_run, "save_post", flaky)
    importer.run_import(batch, chunk_size=3)
    batch.refresh_from_db()
    assert batch.status == "failed" and "disk full" in batch.error
    assert (batch.processed_rows, batch.created_posts) == (3, 3)
    assert Post.objects.count() == 3  # the whole failed chunk rolled back, the first one kept
    assert [row["post"] is not None for row in batch.rows] == [True] * 3 + [False] * 4

    assert importer.start_import(batch) is True  # a failed import can be resumed
    importer.run_import(batch, chunk_size=3)
    batch.refresh_from_db()
    assert (batch.status, batch.created_posts) == ("done", 7)
    assert sorted(Post.objects.values_list("text", flat=True)) == [f"Post {i}" for i in range(7)]


def test_template_csv_checks_clean_in_both_languages(people, accounts):
    for french in (True, False):
        raw = importer.template_csv(people["workspace"], french=french).encode()
        batch = importer.validate(people["workspace"], io.BytesIO(raw))
        assert batch.total_rows == 3 and batch.valid_rows == 3, batch.rows
    assert importer.template_csv(people["workspace"], french=True).startswith("\ufeffdate;heure;fuseau;texte")


# -- 10,000 rows -------------------------------------------------------------------------

@pytest.mark.slow  # ten thousand rows, twice: minutes on a loaded machine
def test_ten_thousand_rows_are_checked_and_imported_once_even_when_run_twice(people, accounts):
    rows = [f"{YEAR}-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 24:02d}:{i % 60:02d},,"
            f"Publication n°{i} #boulangerie,{'brand.bsky.social' if i % 2 else '@brand@example.social'},,,"
            for i in range(9_990)]
    rows += [f"31/02/{YEAR},10:00,,Broken {i},brand.bsky.social,,," for i in range(10)]
    started = time.monotonic()
    batch = check(people, rows)
    checked = time.monotonic() - started
    assert (batch.total_rows, batch.valid_rows) == (10_000, 9_990)
    assert checked < 30, f"checking 10,000 rows took {checked:.1f} s"

    importer.run_import(batch)
    importer.run_import(batch)  # a second click: already done
    ImportBatch.objects.filter(pk=batch.pk).update(status="importing")  # a task retried after a crash
    importer.run_import(batch)  # goes through every row again and skips those created
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_posts) == ("done", 9_990, 9_990)
    assert Post.objects.count() == 9_990
    assert Publication.objects.count() == 9_990
    assert len({row["post"] for row in batch.rows if row["post"]}) == 9_990

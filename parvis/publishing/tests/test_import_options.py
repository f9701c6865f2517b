"""CSV import of post options: columns named `<network>.<option>` after the networks'
options forms, each cell cleaned and checked like the composer's options, its errors
named by row and column; an unknown option column refuses the file; files without
option columns import as before."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.networks.models import SocialAccount
from parvis.publishing import importer
from parvis.publishing.importer import options as import_options
from parvis.publishing.importer.check import row_options
from parvis.publishing.models import ImportBatch, Post
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = timezone.now().year + 1
HEADER = "date,time,timezone,text,accounts,media,campaign,labels"


@pytest.fixture
def blog(people: dict[str, Any]) -> SocialAccount:
    # Checking and importing an article never reaches the site: no server is needed.
    return SocialAccount.objects.create(workspace=people["workspace"], network="wordpress",
                                        server_url="https://blog.example", remote_id="3",
                                        handle="redaction@blog.example",
                                        credentials={"username": "redaction", "app_password": "x" * 24})


@pytest.fixture
def bluesky(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
        handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"})


def check(people: dict[str, Any], header: str, lines: list[str]) -> ImportBatch:
    people["editor"].language = "en"
    people["editor"].save(update_fields=["language"])
    raw = ("\n".join([header, *lines]) + "\n").encode()
    return importer.validate(people["workspace"], io.BytesIO(raw), user=people["editor"], filename="plan.csv")


def errors_of(batch: ImportBatch) -> dict[int, dict[str, list[str]]]:
    return {row["line"]: row["errors"] for row in batch.rows}


def test_an_article_row_with_its_title_and_tags_is_imported_with_those_options(people, blog):
    batch = check(people, f"{HEADER},wordpress.title,wordpress.tags,wordpress.excerpt", [
        f'{YEAR}-06-01,09:30,,Le levain se nourrit deux fois par jour.,{blog.handle},,,,Le levain,"pain | levain",',
        f'{YEAR}-06-08,09:30,,Le seigle.,wordpress:{blog.handle},,,,Le seigle,"seigle, farine",Court',
    ])
    assert errors_of(batch) == {2: {}, 3: {}}
    assert not Post.objects.exists()
    importer.run_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created_posts) == ("done", 2)
    first, second = Post.objects.order_by("scheduled_at")
    assert first.options["wordpress"]["title"] == "Le levain"
    assert first.options["wordpress"]["tags"] == ["pain", "levain"]  # "|" separates, like the other lists
    assert second.options["wordpress"]["tags"] == ["seigle", "farine"]  # and so do commas
    assert second.options["wordpress"]["excerpt"] == "Court"


def test_option_headers_are_matched_without_case_spaces_or_underscores(people, blog):
    batch = check(people, f"{HEADER},WordPress.Title,Wordpress.Featured Image",
                  [f"{YEAR}-06-01,09:30,,Du pain.,{blog.handle},,,,Du pain,"])
    assert errors_of(batch) == {2: {}}
    assert list(batch.rows[0]["values"])[-2:] == ["wordpress.title", "wordpress.featured_image"]


def test_a_malformed_option_is_reported_with_its_row_and_column_and_the_row_is_not_imported(people, blog):
    batch = check(people, f"{HEADER},wordpress.title,wordpress.slug,wordpress.featured_image", [
        f"{YEAR}-06-01,09:30,,Du pain.,{blog.handle},,,,Du pain,,",
        f"{YEAR}-06-02,09:30,,Du seigle.,{blog.handle},,,,{'x' * 201},pas un slug,zéro",
    ])
    errors = errors_of(batch)
    assert errors[2] == {}
    assert set(errors[3]) == {"wordpress.title", "wordpress.slug", "wordpress.featured_image"}
    assert "Title" in errors[3]["wordpress.title"][0] and "200" in errors[3]["wordpress.title"][0]
    messages = importer.row_messages(batch.rows[1])
    assert messages[0].startswith("Row 3, wordpress.title: WordPress, Title: ")
    assert any(m.startswith("Row 3, wordpress.slug: WordPress, Slug: ") for m in messages)
    assert batch.valid_rows == 1
    importer.run_import(batch)
    assert list(Post.objects.values_list("text", flat=True)) == ["Du pain."]


def test_a_required_option_missing_from_the_file_is_named_by_the_column_to_add(people, blog):
    batch = check(people, HEADER, [f"{YEAR}-06-01,09:30,,Du pain.,{blog.handle},,,"])
    (message,) = errors_of(batch)[2]["wordpress.title"]
    assert "Title" in message and "required" in message
    assert batch.valid_rows == 0


@pytest.mark.parametrize(("column", "message"), [
    ("wordpress.titel", "“wordpress.titel” names no option of WordPress; its option columns are: wordpress.title"),
    ("myspace.title", "“myspace.title” names no network with post options"),
    ("bluesky.title", "“bluesky.title”: Bluesky posts have no options"),
])
def test_an_unknown_option_column_refuses_the_file_naming_it(people, blog, column, message):
    with pytest.raises(importer.ImportFileError, match=message):
        check(people, f"{HEADER},wordpress.title,{column}", [f"{YEAR}-06-01,09:30,,Du pain.,{blog.handle},,,,T,x"])
    assert not ImportBatch.objects.exists()


def test_the_same_option_twice_refuses_the_file(people, blog):
    with pytest.raises(importer.ImportFileError, match="“WordPress.title” appears twice"):
        check(people, f"{HEADER},wordpress.title,WordPress.title", [f"{YEAR}-06-01,09:30,,x,{blog.handle},,,,T,T"])


def test_options_of_a_network_a_row_does_not_post_to_are_left_out(people, blog, bluesky):
    batch = check(people, f"{HEADER},wordpress.title", [f"{YEAR}-06-01,09:30,,Du pain.,{bluesky.handle},,,,Du pain"])
    assert errors_of(batch) == {2: {}}
    importer.run_import(batch)
    assert Post.objects.get().options == {}


def test_rows_without_option_columns_are_read_and_imported_as_before(people, bluesky):
    batch = check(people, HEADER, [f"{YEAR}-06-01,09:30,,Du pain.,{bluesky.handle},,,"])
    assert list(batch.rows[0]["values"]) == list(importer.COLUMNS)
    assert errors_of(batch) == {2: {}}
    importer.run_import(batch)
    assert Post.objects.get().options == {}


def test_only_options_that_hold_several_values_are_split():
    assert import_options.takes_list("wordpress", "tags") and import_options.takes_list("wordpress", "categories")
    assert not import_options.takes_list("wordpress", "title")
    options = row_options({"text": "x", "wordpress.categories": "Pains | Fêtes", "wordpress.title": "A | B",
                           "instagram.first_comment": "Merci !\n#pain | #levain", "wordpress.slug": ""})
    assert options == {"wordpress": {"categories": ["Pains", "Fêtes"], "title": "A | B"},
                       "instagram": {"first_comment": "Merci !\n#pain | #levain"}}


def test_the_template_has_the_option_columns_of_the_workspaces_networks_and_checks_clean(people, blog, bluesky):
    for french in (True, False):
        text = importer.template_csv(people["workspace"], french=french)
        header = text.lstrip("\ufeff").split("\r\n", 1)[0]
        assert header.endswith("wordpress.title;wordpress.excerpt;wordpress.categories;wordpress.tags;"
                               "wordpress.featured_image;wordpress.slug" if french else "wordpress.slug")
        batch = importer.validate(people["workspace"], io.BytesIO(text.encode()))
        assert batch.valid_rows == 3, batch.rows
        titled = [row["values"]["wordpress.title"] for row in batch.rows]
        assert all(titled[i] for i, row in enumerate(batch.rows) if "wordpress:" in row["values"]["accounts"])


def test_the_pages_list_the_option_columns_and_show_their_cells_and_errors(people, blog):
    client = client_for(people["editor"])
    workspace = people["workspace"]
    page = client.get(reverse("web:import_upload", args=[workspace.pk])).content.decode()
    assert "<code>wordpress.title</code>" in page and "<code>wordpress.tags</code>" in page
    assert "<code>linkedin.visibility</code>" not in page  # only the workspace's networks
    batch = check(people, f"{HEADER},wordpress.tags", [f"{YEAR}-06-01,09:30,,Du pain.,{blog.handle},,,,levain"])
    detail = client.get(reverse("web:import_detail", args=[workspace.pk, batch.pk])).content.decode()
    assert '<th>wordpress.tags</th>' in detail and "<th>wordpress.title</th>" in detail
    assert 'class="option bad" data-column="wordpress.title"' in detail


def test_the_api_gives_option_errors_under_their_column(people, blog):
    from parvis.api.models import ApiToken

    _token, raw = ApiToken.issue(people["editor"], "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = f"{HEADER},wordpress.title\n{YEAR}-06-01,09:30,,Du pain.,{blog.handle},,,,{'x' * 201}\n".encode()
    sent = api.post(f"/api/v1/workspaces/{people['workspace'].pk}/imports/?dry_run=1",
                    {"file": SimpleUploadedFile("plan.csv", body, "text/csv")}, format="multipart")
    assert sent.status_code == 201, sent.content
    row = sent.json()["rows"][0]
    assert row["values"]["wordpress.title"] == "x" * 201 and list(row["errors"]) == ["wordpress.title"]


def test_the_readme_names_every_option_column():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("- **CSV import**"):readme.index("- **Crisis pause**")]
    assert [c.column for c in importer.option_columns() if f"`{c.column}`" not in section] == []


def test_a_choice_is_read_by_its_value_or_label_in_any_case_and_a_wrong_one_lists_the_values(people, blog):
    options = row_options({"linkedin.visibility": "public", "instagram.post_type": "REEL",
                           "threads.reply_control": "Everyone", "facebook.link": "Anyone"})
    assert options == {"linkedin": {"visibility": "PUBLIC"}, "instagram": {"post_type": "reel"},
                       "threads": {"reply_control": ""}, "facebook": {"link": "Anyone"}}
    assert row_options({"linkedin.visibility": "n’importe QUI"}) == {"linkedin": {"visibility": "PUBLIC"}}
    linkedin = SocialAccount.objects.create(workspace=people["workspace"], network="linkedin", remote_id="urn:li:x",
                                            handle="Boulangerie Dupont", credentials={"access_token": "x"})
    batch = check(people, f"{HEADER},linkedin.visibility",
                  [f"{YEAR}-06-01,09:30,,Du pain.,linkedin:{linkedin.handle},,,,everybody"])
    (message,) = errors_of(batch)[2]["linkedin.visibility"]
    assert "everybody" in message and message.endswith("Write one of: PUBLIC, CONNECTIONS.")

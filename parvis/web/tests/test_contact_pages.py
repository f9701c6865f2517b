"""The contacts pages: the list with its search and filters, a contact with their
timeline and personal-data box, the form naming each wrong field, imports and exports,
the review list, lists, and erasure — with each role's rights."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from parvis.relations import people as contacts
from parvis.relations.models import Contact, ContactList, Parcel
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SAMPLES = Path(__file__).resolve().parents[2] / "relations" / "tests" / "contacts"


def _url(name, people, *args):
    return reverse(f"web:{name}", args=[people["workspace"].pk, *args])


@pytest.fixture
def lea(people):
    return contacts.save(people["organisation"], {
        "name": "Léa Marquise", "kind": "blogger", "email": "lea@blog.example", "city": "Lyon",
        "outlet": "Le Blog de Léa", "handles": [("mastodon", "@lea@piaille.example")], "tags": ["gourmand"]})


def test_the_list_says_what_to_do_when_empty(people):
    page = client_for(people["viewer"]).get(_url("contacts", people))
    assert page.status_code == 200
    assert b"No contact yet" in page.content and b"vCard or CSV" in page.content
    assert b'data-testid="contact-new"' not in page.content  # a viewer reads only


def test_the_list_finds_by_name_handle_or_city_and_filters_by_tag_and_list(people, lea):
    other = contacts.save(people["organisation"], {"name": "Bruno Presse", "kind": "journalist", "city": "Paris"})
    group = ContactList.objects.create(organisation=people["organisation"], name="Presse")
    group.contacts.add(other)
    client = client_for(people["editor"])
    for query, expected in (("piaille", b"L\xc3\xa9a Marquise"), ("Paris", b"Bruno Presse")):
        page = client.get(_url("contacts", people), {"q": query})
        assert expected in page.content and page.content.count(b'data-testid="contact-row"') == 1
    assert b"Bruno" in client.get(_url("contacts", people), {"list": group.pk}).content
    by_tag = client.get(_url("contacts", people), {"tag": lea.tags.get().pk}).content
    assert b"Bruno" not in by_tag and b"Marquise" in by_tag
    assert b"No contact matches" in client.get(_url("contacts", people), {"q": "personne"}).content


def test_the_agencys_other_clients_share_the_contacts_but_outsiders_do_not(people, lea):
    assert client_for(people["outsider"]).get(_url("contact", people, lea.pk)).status_code == 404
    other = reverse("web:contact", args=[people["other_workspace"].pk, lea.pk])
    assert client_for(people["outsider"]).get(other).status_code == 404


def test_a_new_contact_with_a_wrong_email_is_named_and_kept_in_the_form(people):
    client = client_for(people["editor"])
    page = client.post(_url("contact_new", people), {"name": "Nina", "kind": "influencer", "email": "nina@",
                                                     "handles": "Mastodon @nina@piaille.example 5400"})
    assert page.status_code == 400
    assert b'data-field="email"' in page.content and b"nina@" in page.content
    assert not Contact.objects.exists()
    done = client.post(_url("contact_new", people), {"name": "Nina", "kind": "influencer", "email": "nina@ex.org",
                                                     "handles": "Mastodon @nina@piaille.example 5400"})
    nina = Contact.objects.get()
    assert done.status_code == 302 and done["Location"] == _url("contact", people, nina.pk)
    handle = nina.handles.get()
    assert (handle.handle, handle.followers) == ("@nina@piaille.example", 5400)
    assert handle.followers_read_at is not None


def test_a_viewer_cannot_create_or_change(people, lea):
    client = client_for(people["viewer"])
    assert client.post(_url("contact_new", people), {"name": "X", "kind": "blogger"}).status_code == 403
    assert client.post(_url("contact_edit", people, lea.pk), {"name": "X", "kind": "blogger"}).status_code == 403


def test_the_form_shows_the_contact_as_saved_and_saves_changes(people, lea):
    client = client_for(people["editor"])
    form = client.get(_url("contact_edit", people, lea.pk)).content.decode()
    assert "Mastodon @lea@piaille.example" in form and "gourmand" in form
    client.post(_url("contact_edit", people, lea.pk), {"name": "Léa M.", "kind": "influencer",
                                                        "email": "lea@blog.example", "tags": "gourmand, Lyon",
                                                        "handles": "Mastodon @lea@piaille.example"})
    lea.refresh_from_db()
    assert lea.name == "Léa M." and {t.name for t in lea.tags.all()} == {"gourmand", "Lyon"}


def test_a_contact_shows_their_timeline_and_the_personal_data_box(people, lea, account):
    Parcel.objects.create(workspace=people["workspace"], contact=lea, contents="Coffret galettes")
    page = client_for(people["editor"]).get(_url("contact", people, lea.pk)).content.decode()
    assert "Parcel: Coffret galettes" in page
    assert "The privacy notice has not been sent yet." in page
    assert 'data-testid="send-notice"' in page and 'data-testid="erase"' not in page  # erasure: managers


def test_the_notice_is_sent_from_the_page(people, lea):
    response = client_for(people["editor"]).post(_url("contact_notice", people, lea.pk))
    assert response.status_code == 302 and mail.outbox[-1].to == ["lea@blog.example"]
    lea.refresh_from_db()
    assert lea.notice_sent_at is not None


def test_erasure_asks_for_the_name_then_removes_everything(people, lea):
    client = client_for(people["manager"])
    client.post(_url("contact_erase", people, lea.pk), {"confirm": "quelqu'un"})
    assert Contact.objects.filter(pk=lea.pk).exists()
    assert client_for(people["editor"]).post(_url("contact_erase", people, lea.pk),
                                             {"confirm": "Léa Marquise"}).status_code == 403
    done = client.post(_url("contact_erase", people, lea.pk), {"confirm": "léa marquise"})
    assert done.status_code == 302 and not Contact.objects.exists()


def test_everything_about_a_person_downloads_as_json(people, lea):
    response = client_for(people["viewer"]).get(_url("contact_data", people, lea.pk))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["contact"]["email"] == "lea@blog.example"


def test_an_apple_export_imports_with_a_summary_and_a_second_time_changes_nothing(people):
    client = client_for(people["editor"])
    group = ContactList.objects.create(organisation=people["organisation"], name="Vélo")
    data = (SAMPLES / "apple-3.0.vcf").read_bytes()
    page = client.post(_url("contacts_import", people), {"file": SimpleUploadedFile("apple.vcf", data),
                                                         "into": group.pk})
    assert page.status_code == 200 and b'data-testid="import-summary"' in page.content
    count = Contact.objects.count()
    assert count >= 1 and group.contacts.count() == count
    again = client.post(_url("contacts_import", people), {"file": SimpleUploadedFile("apple.vcf", data)})
    assert b"0 contacts added" in again.content and Contact.objects.count() == count


def test_a_file_that_is_not_contacts_is_named_on_the_file_field(people):
    page = client_for(people["editor"]).post(_url("contacts_import", people), {
        "file": SimpleUploadedFile("notes.csv", b"foo;bar\n1;2\n")})
    assert page.status_code == 400 and b'data-field="file"' in page.content


def test_exports_are_files_in_vcard_and_csv(people, lea):
    client = client_for(people["viewer"])
    vcf = client.get(_url("contacts_export", people, "vcf"))
    assert vcf["Content-Type"].startswith("text/vcard") and b"FN:L\xc3\xa9a Marquise" in vcf.content
    csv = client.get(_url("contacts_export", people, "csv"))
    assert csv["Content-Type"].startswith("text/csv") and csv.content.startswith(b"\xef\xbb\xbf")


def test_the_review_list_keeps_a_contact_for_a_reason(people, lea):
    Contact.objects.filter(pk=lea.pk).update(last_contact_at=timezone.now() - timedelta(days=4 * 365))
    client = client_for(people["editor"])
    assert b"L\xc3\xa9a Marquise" in client.get(_url("contacts_review", people)).content
    assert b"review-banner" in client.get(_url("contacts", people)).content
    until = (timezone.now() + timedelta(days=180)).date().isoformat()
    client.post(_url("contact_keep", people, lea.pk), {"kept_until": until, "kept_reason": "contrat", "back": "review"})
    assert b'data-testid="review-empty"' in client.get(_url("contacts_review", people)).content


def test_lists_are_created_once_by_name_and_deleted_without_their_contacts(people, lea):
    client = client_for(people["editor"])
    client.post(_url("contact_lists", people), {"name": "Blogueurs Lyon"})
    again = client.post(_url("contact_lists", people), {"name": "blogueurs lyon"})
    assert again.status_code == 400 and b'data-field="name"' in again.content
    group = ContactList.objects.get()
    group.contacts.add(lea)
    client.post(_url("contact_list_delete", people, group.pk))
    assert not ContactList.objects.exists() and Contact.objects.filter(pk=lea.pk).exists()

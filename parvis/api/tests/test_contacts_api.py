"""Contacts through the API: created with each wrong field named, found, changed,
listed, imported and exported, the personal-data duties, and each role's rights; another
agency's contacts are 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from parvis.api.tests.conftest import World
from parvis.relations import people
from parvis.relations.models import Contact, ContactList

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "relations" / "tests" / "contacts"


def base(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}"


@pytest.fixture
def lea(world: World) -> Contact:
    return people.save(world.workspace.organisation, {
        "name": "Léa Marquise", "email": "lea@blog.example", "city": "Lyon", "tags": ["gourmand"],
        "handles": [("mastodon", "@lea@piaille.example")]})


def test_a_contact_is_created_with_handles_tags_and_lists(world, api):
    group = ContactList.objects.create(organisation=world.workspace.organisation, name="Presse")
    answer = api.post(f"{base(world)}/contacts/", {
        "name": "Nina", "kind": "influencer", "email": "Nina@Ex.org", "tags": ["mode"], "lists": [group.pk],
        "handles": [{"network": "mastodon", "handle": "@nina@piaille.example", "followers": 5400}]}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["email"] == "nina@ex.org" and body["tags"] == ["mode"] and body["lists"] == [group.pk]
    assert body["handles"][0]["followers"] == 5400 and body["handles"][0]["followers_read_at"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": ""}, "name"),
    ({"name": "A", "email": "nope"}, "email"),
    ({"name": "A", "kind": "astronaut"}, "kind"),
    ({"name": "A", "handles": [{"network": "nowhere", "handle": "@a"}]}, "handles"),
    ({"name": "A", "lists": [999999]}, "lists"),
    ({"name": "A", "audience": -1}, "audience"),
])
def test_each_wrong_field_is_named(world, api, payload, field):
    answer = api.post(f"{base(world)}/contacts/", payload, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Contact.objects.exists()


def test_contacts_are_found_by_words_kind_tag_and_list(world, api, lea):
    people.save(world.workspace.organisation, {"name": "Bruno", "kind": "journalist"})
    found = api.get(f"{base(world)}/contacts/", {"q": "piaille"}).json()["results"]
    assert [c["name"] for c in found] == ["Léa Marquise"]
    assert [c["name"] for c in api.get(f"{base(world)}/contacts/", {"kind": "journalist"}).json()["results"]] == [
        "Bruno"]
    assert [c["name"] for c in api.get(f"{base(world)}/contacts/", {"tag": "gourmand"}).json()["results"]] == [
        "Léa Marquise"]


def test_a_contact_is_changed_in_part(world, api, lea):
    answer = api.patch(f"{base(world)}/contacts/{lea.pk}/", {"city": "Villeurbanne"}, format="json")
    assert answer.status_code == 200 and answer.json()["city"] == "Villeurbanne"
    assert answer.json()["handles"][0]["handle"] == "@lea@piaille.example"


def test_another_agency_cannot_see_them_and_a_viewer_cannot_change_them(world, client_for, lea):
    outsider = client_for(world.outsider)
    assert outsider.get(f"{base(world)}/contacts/{lea.pk}/").status_code == 404
    other = f"/api/v1/workspaces/{world.other_workspace.pk}/contacts/{lea.pk}/"
    assert outsider.get(other).status_code == 404
    viewer = client_for(world.viewer)
    assert viewer.get(f"{base(world)}/contacts/{lea.pk}/").status_code == 200
    assert viewer.patch(f"{base(world)}/contacts/{lea.pk}/", {"city": "X"}, format="json").status_code == 403


def test_erasure_is_for_managers_and_removes_the_contact(world, api, client_for, lea):
    assert client_for(world.editor).delete(f"{base(world)}/contacts/{lea.pk}/").status_code == 403
    assert api.delete(f"{base(world)}/contacts/{lea.pk}/").status_code == 204
    assert not Contact.objects.exists()


def test_notice_keep_review_timeline_and_personal_data(world, api, lea):
    answer = api.post(f"{base(world)}/contacts/{lea.pk}/notice/")
    assert answer.status_code == 200 and answer.json()["notice_sent_at"] and mail.outbox[-1].to == [
        "lea@blog.example"]
    bad = api.post(f"{base(world)}/contacts/{lea.pk}/keep/", {"kept_until": "2000-01-01", "kept_reason": "x"})
    assert bad.status_code == 400 and "kept_until" in bad.json()["errors"]
    assert api.get(f"{base(world)}/contacts/review/").json()["results"] == []
    data = api.get(f"{base(world)}/contacts/{lea.pk}/personal-data/").json()
    assert data["messages"][0]["kind"] == "notice"
    moments = api.get(f"{base(world)}/contacts/{lea.pk}/timeline/").json()
    assert moments[0]["kind"] == "message"


def test_an_outlook_export_imports_and_names_its_problems(world, api):
    data = (SAMPLES / "outlook-fr.csv").read_bytes()
    answer = api.post(f"{base(world)}/contacts/import/", {"file": SimpleUploadedFile("outlook.csv", data)},
                      format="multipart")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["format"] == "outlook" and body["created"] >= 1
    assert all({"number", "field", "message"} <= set(p) for p in body["problems"])
    refused = api.post(f"{base(world)}/contacts/import/", {"file": SimpleUploadedFile("x.csv", b"a;b\n1;2\n")},
                       format="multipart")
    assert refused.status_code == 400 and "file" in refused.json()["errors"]


def test_exports_and_lists(world, api, lea):
    vcf = api.get(f"{base(world)}/contacts/export/", {"file_format": "vcf"})
    assert vcf.status_code == 200 and b"BEGIN:VCARD" in vcf.content
    assert api.get(f"{base(world)}/contacts/export/", {"file_format": "pdf"}).status_code == 400
    made = api.post(f"{base(world)}/contact-lists/", {"name": "Lyon", "contacts": [lea.pk]}, format="json")
    assert made.status_code == 201 and made.json()["contacts"] == [lea.pk]
    twice = api.post(f"{base(world)}/contact-lists/", {"name": "lyon"}, format="json")
    assert twice.status_code == 400 and "name" in twice.json()["errors"]
    group = made.json()["id"]
    assert api.patch(f"{base(world)}/contact-lists/{group}/", {"contacts": []}, format="json").json()["contacts"] == []
    assert api.delete(f"{base(world)}/contact-lists/{group}/").status_code == 204

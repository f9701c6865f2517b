"""Real-world contact exports merged into the organisation's contacts, and contacts
written back out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parvis.relations import contact_io
from parvis.relations.models import Contact, ContactList

SAMPLES = Path(__file__).parent / "contacts"
pytestmark = pytest.mark.usefixtures("english")


def _import(org: Any, name: str, **options: Any) -> contact_io.Summary:
    data = (SAMPLES / name).read_bytes()
    return contact_io.import_cards(org, contact_io.read(data, name), source=f"import {name}", **options)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".csv", ".vcf")))
def test_every_sample_export_imports_and_a_second_import_changes_nothing(people, name):
    org = people["organisation"]
    first = _import(org, name)
    assert first.created >= 1
    count = Contact.objects.count()
    again = _import(org, name)
    assert (again.created, again.completed) == (0, 0)
    assert again.unchanged == first.created + first.completed + first.unchanged
    assert Contact.objects.count() == count


def test_an_apple_card_keeps_accents_address_tags_and_network_accounts(people):
    _import(people["organisation"], "apple-3.0.vcf")
    camille = Contact.objects.get(name="Camille Lefèvre")
    assert (camille.outlet, camille.title) == ("Les Échos du Vélo, Rédaction", "Journaliste vélo")
    assert camille.email == "camille@echos-velo.example" and camille.other_emails == ["c.lefevre@example.org"]
    assert camille.street == "5 quai de la Fosse\nAtelier 2" and camille.city == "Nantes"
    assert camille.notes.startswith("Rencontrée au Tour de France 2024.\nParle aussi anglais, italien.")
    assert {t.name for t in camille.tags.all()} == {"Journalistes", "Vélo"}
    assert {h.network for h in camille.handles.all()} >= {"mastodon", "bluesky"}
    assert camille.source == "import apple-3.0.vcf"


def test_a_french_outlook_export_in_windows_1252_reads_right(people):
    summary = _import(people["organisation"], "outlook-fr.csv")
    helene = Contact.objects.get(email="helene.francais@cote-jardin.example")
    assert (helene.given_name, helene.family_name, helene.outlet) == ("Hélène", "Français", "Côté Jardin Éditions")
    assert helene.city == "Paris" and helene.postal_code == "75006"
    assert summary.format == "outlook"


def test_a_card_for_someone_known_completes_them_without_overwriting(people):
    org = people["organisation"]
    typed = contact_io.people.save(org, {"name": "Camille (tapée à la main)", "email": "camille@echos-velo.example",
                                         "city": "Saint-Nazaire"})
    summary = _import(org, "apple-3.0.vcf")
    typed.refresh_from_db()
    assert summary.completed >= 1
    assert typed.name == "Camille (tapée à la main)" and typed.city == "Saint-Nazaire"
    assert typed.outlet == "Les Échos du Vélo, Rédaction" and typed.other_emails == ["c.lefevre@example.org"]
    assert Contact.objects.filter(email="camille@echos-velo.example").count() == 1


def test_an_import_can_fill_a_list_and_reports_its_progress(people):
    org = people["organisation"]
    group = ContactList.objects.create(organisation=org, name="Presse")
    steps: list[tuple[int, int]] = []
    summary = _import(org, "google-current.csv", into=group, progress=lambda done, total: steps.append((done, total)))
    assert group.contacts.count() == summary.created
    assert steps and steps[-1][0] == steps[-1][1]


def test_exported_contacts_import_back_the_same(people):
    org = people["organisation"]
    _import(org, "apple-3.0.vcf")
    _import(org, "outlook-fr.csv")
    before = sorted((c.name, c.email, c.city, tuple(sorted(h.handle for h in c.handles.all())))
                    for c in Contact.objects.all())
    for fmt in ("vcf", "csv"):
        content, kind, filename = contact_io.export(Contact.objects.all(), fmt)
        assert filename.endswith(f".{fmt}") and kind.startswith(("text/vcard", "text/csv"))
        Contact.objects.all().delete()
        contact_io.import_cards(org, contact_io.read(content, filename))
        after = sorted((c.name, c.email, c.city, tuple(sorted(h.handle for h in c.handles.all())))
                       for c in Contact.objects.all())
        assert after == before


def test_a_file_that_is_no_contacts_file_is_refused_as_a_whole(people):
    from parvis.relations.cards import ImportRefused

    with pytest.raises(ImportRefused):
        contact_io.read(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "photo.png")
    assert not Contact.objects.exists()


def test_a_bad_card_is_named_and_the_others_are_imported(people):
    data = (b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bonne Carte\r\nEMAIL:bonne@example.org\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Mauvaise\r\nLANG:fr\r\nEMAIL:mauvaise@example.org\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:4.0\r\nTEL:+33100000000\r\nEND:VCARD\r\n")
    summary = contact_io.import_cards(people["organisation"], contact_io.read(data, "x.vcf"))
    assert summary.created == 2
    assert [p.number for p in summary.problems] == [3]



def test_the_command_line_imports_a_file_with_its_progress_into_a_list(people, capsys):
    from django.core.management import call_command

    call_command("import_contacts", str(SAMPLES / "google-legacy.csv"), "--workspace", str(people["workspace"].pk),
                 "--list", "Presse écrite")
    out, err = capsys.readouterr()
    group = ContactList.objects.get(name="Presse écrite")
    assert group.contacts.count() == Contact.objects.count() >= 1
    assert f"{group.contacts.count()} added" in out and "cards" in err and "google" in out


def test_the_command_line_names_a_missing_workspace_or_an_unreadable_file(people, tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--workspace"):
        call_command("import_contacts", str(SAMPLES / "v4.vcf"), "--workspace", "999999")
    with pytest.raises(CommandError, match="nothere.vcf"):
        call_command("import_contacts", str(tmp_path / "nothere.vcf"), "--workspace", str(people["workspace"].pk))

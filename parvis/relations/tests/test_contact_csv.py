"""Reading the CSV exports of Google Contacts and Outlook, and parvis's own CSV format."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parvis.relations import cards as c
from parvis.relations.cards import Address, Card, ImportRefused
from parvis.relations.contact_csv import parse_csv, write_csv

# Messages read in English whatever language another test left active in this worker.
pytestmark = pytest.mark.usefixtures("english")

CONTACTS = Path(__file__).parent / "contacts"


def read(name: str) -> c.ImportResult:
    return parse_csv((CONTACTS / name).read_bytes())


def test_google_former_export_reads_names_groups_multiple_emails_and_profiles():
    result = read("google-legacy.csv")
    assert result.format == "google"
    helene, marc = result.cards
    assert (helene.display_name, helene.given_name, helene.family_name) == (
        "Hélène Dubois-Léger", "Hélène", "Dubois-Léger")
    assert helene.emails == ["helene@cuisine-legere.example", "h.dubois@example.org"]
    assert (helene.organisation, helene.title) == ("Cuisine Légère", "Rédactrice en chef")
    assert helene.addresses == [Address(street="12 rue des Lilas", extended="Bât. B", postal_code="69003",
                                        city="Lyon", country="France")]
    assert helene.urls == ["https://cuisine-legere.example/"]
    assert helene.handles == [("mastodon", "@helene_cuisine@piaille.fr")]
    assert helene.notes == "Blogueuse cuisine.\nPréfère être contactée le matin."
    assert helene.categories == ["Blogueurs"]  # Google's own "* myContacts" is not a category
    assert (helene.language, helene.birthday) == ("fr", date(1986, 3, 14))
    assert marc.categories == ["Journalistes", "Presse régionale"]
    assert marc.birthday == date(c.NO_YEAR, 7, 21)


def test_a_row_without_name_or_email_is_reported_by_its_spreadsheet_row():
    result = read("google-legacy.csv")
    assert [(problem.number, problem.field) for problem in result.problems] == [(4, "")]


def test_google_current_export_reads_labels_and_a_bluesky_profile():
    result = read("google-current.csv")
    zoe, paul = result.cards
    assert zoe.handles == [("bluesky", "@zoe-mode.bsky.social")]
    assert zoe.urls == ["https://mode-et-ville.example/zoe"]
    assert zoe.categories == ["Influenceurs"]
    assert zoe.notes == "Ambassadrice 2025\nTaille M"
    assert paul.display_name == "Paul André Nguyen"
    assert paul.emails == ["paul.nguyen@radio.example"]
    assert [(problem.number, problem.field) for problem in result.problems] == [(3, "E-mail 1 - Value")]


def test_outlook_english_export_in_utf8_with_bom():
    result = read("outlook-en.csv")
    assert result.format == "outlook"
    jane, omar = result.cards
    assert (jane.display_name, jane.organisation, jane.title) == ("Jane Fairweather", "Jane Travels", "Editor")
    assert jane.phones == ["+44 7700 900123", "+44 20 7946 0018"]  # the fax is not a phone to call
    assert jane.addresses == [Address(street="221 Baker Street\nFlat 2", postal_code="NW1 6XE", city="London",
                                      country="United Kingdom")]
    assert jane.birthday == date(1985, 4, 12)
    assert jane.categories == ["Bloggers", "Travel"]
    assert jane.notes == "Travel blogger.\nLikes trains."
    assert omar.birthday is None  # Outlook's 0/0/00
    assert result.problems == []


def test_outlook_french_export_in_windows_1252_with_semicolons():
    result = read("outlook-fr.csv")
    helene, noel = result.cards
    assert (helene.given_name, helene.family_name) == ("Hélène", "Français")
    assert (helene.organisation, helene.title) == ("Côté Jardin Éditions", "Chargée de communication")
    assert helene.emails == ["helene.francais@cote-jardin.example"]
    assert helene.birthday == date(1979, 12, 25)  # day first
    assert helene.handles == [("mastodon", "@cotejardin@mastodon.example")]
    assert helene.categories == ["Presse", "Ambassadeurs"]
    assert helene.notes == "Rencontrée au salon « Livres & Jardins ».\nEnvoyer le colis avant Noël."
    assert noel.display_name == "Noël Bérénger"
    assert [(problem.number, problem.field) for problem in result.problems] == [(3, "anniversaire"), (4, "")]


def test_unknown_columns_are_refused_with_a_clear_message():
    with pytest.raises(ImportRefused, match="does not recognise the columns"):
        parse_csv(b"Nom complet,Courriel\r\nA,a@example.org\r\n")


def test_a_file_too_big_or_with_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(c, "MAX_CARDS", 2)
    rows = "".join(f"P{n},P{n}@example.org\r\n" for n in range(3))
    with pytest.raises(ImportRefused, match="more than 2 contacts"):
        parse_csv(f"First Name,E-mail Address,Last Name\r\n{rows}".encode())
    monkeypatch.setattr(c, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportRefused, match="too big"):
        parse_csv(b"x" * 101)


def test_hostile_cells_nul_controls_and_an_enormous_cell():
    data = ("First Name,Last Name,E-mail Address,Notes\r\n"
            "Ma\x00rie,Cu\x1brie,marie@example.org,\"a\x07b\r\nc\"\r\n"
            f"Long,Cell,long@example.org,\"{'z' * 200_000}\"\r\n"
            "Léo,Martin,leo@example.org,\r\n").encode()
    result = parse_csv(data)
    assert [(card.display_name, card.notes) for card in result.cards] == [("Marie Curie", "ab\nc"),
                                                                          ("Léo Martin", "")]
    assert [(problem.number, problem.field) for problem in result.problems] == [(3, "")]


SAMPLE = [
    Card(display_name="Hélène Dubois-Léger", given_name="Hélène", family_name="Dubois-Léger",
         organisation="Cuisine; Légère", title="=Rédactrice", emails=["helene@cuisine-legere.example", "h@example.org"],
         phones=["+33 6 12 34 56 78", "04 72 00 00 00"],
         addresses=[Address(street="12 rue des Lilas\nBât. B", extended="3e étage", postal_code="69003", city="Lyon",
                            region="Auvergne-Rhône-Alpes", country="France"), Address(city="Genève", country="CH")],
         urls=["https://cuisine-legere.example/?a=1,2;b"],
         handles=[("mastodon", "@helene@piaille.fr"), ("bluesky", "did:plc:abcdefghijklmnop"),
                  ("instagram", "@helene.c")],
         notes="Ligne 1\nLigne 2 : « citée », \"guillemets\" ; fin", categories=["Blogueurs", "Cuisine, vins"],
         language="fr", birthday=date(1986, 3, 14)),
    Card(organisation="Radio Quartier", emails=["redaction@radio-quartier.example"], birthday=date(c.NO_YEAR, 2, 29)),
    Card(display_name="-Moins", notes="'apostrophe", emails=["m@example.org"]),
]


def test_parvis_csv_written_then_read_gives_the_same_cards():
    result = parse_csv(write_csv(SAMPLE))
    assert result.format == "parvis"
    assert result.problems == []
    assert result.cards == SAMPLE


def test_parvis_csv_is_utf8_with_bom_semicolons_and_no_formula():
    written = write_csv(SAMPLE)
    assert written.startswith(b"\xef\xbb\xbfdisplay_name;given_name;family_name;")
    text = written.decode("utf-8-sig")
    assert ";'=R\u00e9dactrice;" in text and "\"'+33 6 12 34 56 78" in text
    assert "\r\n'-Moins;" in text

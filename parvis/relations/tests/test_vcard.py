"""Reading vCard 2.1, 3.0 and 4.0 files into cards, and writing cards as vCard 4.0."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parvis.relations import cards as c
from parvis.relations.cards import Address, Card, ImportRefused
from parvis.relations.vcard import fold, parse_vcards, write_vcards

# Messages read in English whatever language another test left active in this worker.
pytestmark = pytest.mark.usefixtures("english")

CONTACTS = Path(__file__).parent / "contacts"


def read(name: str) -> c.ImportResult:
    return parse_vcards((CONTACTS / name).read_bytes())


def card(text: str) -> Card:
    result = parse_vcards(f"BEGIN:VCARD\r\nVERSION:4.0\r\n{text}\r\nEND:VCARD\r\n")
    assert len(result.cards) == 1, result.problems
    return result.cards[0]


def test_apple_contacts_card_keeps_accents_groups_labels_and_profiles():
    camille, radio = read("apple-3.0.vcf").cards
    assert (camille.display_name, camille.given_name, camille.family_name) == (
        "Camille Lefèvre", "Camille", "Lefèvre")
    assert camille.organisation == "Les Échos du Vélo, Rédaction"
    assert camille.emails == ["camille@echos-velo.example", "c.lefevre@example.org"]
    assert camille.phones == ["+33 6 55 44 33 22"]
    assert camille.addresses == [Address(street="5 quai de la Fosse\nAtelier 2", city="Nantes", postal_code="44000",
                                         country="France")]
    assert camille.urls == ["https://echos-velo.example/camille"]  # Apple's escaped "\:" read back
    assert camille.handles == [("mastodon", "@camille_velo@piaille.fr"), ("bluesky", "@camille.bsky.social"),
                               ("instagram", "@camille.velo")]
    assert camille.categories == ["Journalistes", "Vélo"]
    assert camille.birthday == date(c.NO_YEAR, 5, 30)


def test_accounts_of_networks_parvis_does_not_know_stay_in_the_notes():
    camille = read("apple-3.0.vcf").cards[0]
    assert camille.notes == ("Rencontrée au Tour de France 2024.\nParle aussi anglais, italien.\n\n"
                             "twitter: camille_velo\nSkype: camille.lefevre")


def test_a_card_with_only_a_phone_number_is_reported_by_its_number_and_the_others_kept():
    result = read("apple-3.0.vcf")
    assert [card.display_name for card in result.cards] == ["Camille Lefèvre", "Radio Quartier"]
    assert [(problem.number, problem.field) for problem in result.problems] == [(3, "")]
    assert "neither a name nor an e-mail" in str(result.problems[0])


def test_an_outlet_card_is_named_after_its_organisation():
    radio = read("apple-3.0.vcf").cards[1]
    assert (radio.display_name, radio.organisation, radio.emails) == (
        "Radio Quartier", "Radio Quartier", ["redaction@radio-quartier.example"])


def test_vcard_4_reads_uri_phones_languages_birthday_without_year_and_escaped_commas():
    lea, sam = read("v4.vcf").cards
    assert lea.phones == ["+33-6-10-20-30-40"]
    assert lea.language == "fr"
    assert lea.birthday == date(c.NO_YEAR, 2, 29)
    assert lea.categories == ["Ambassadeurs", "Jardinage, bio"]
    assert lea.addresses == [Address(street="4 rue Verte", city="Toulouse", region="Occitanie", postal_code="31000",
                                     country="France")]
    assert lea.handles == [("mastodon", "@lea_pousses@piaille.fr")]
    assert lea.notes == "Colis envoyé le 3 mars.\nA répondu : « merci ! »\n\nxmpp: lea@jabber.example"
    assert sam.emails == ["sam@example.net"]


def test_bad_email_and_impossible_birthday_are_named_by_card_and_property():
    result = read("v4.vcf")
    assert [(problem.number, problem.field) for problem in result.problems] == [(2, "EMAIL"), (2, "BDAY")]
    assert "not an e-mail address" in str(result.problems[0])
    assert result.cards[1].birthday is None


def test_outlook_2_1_quoted_printable_with_soft_breaks_and_charsets():
    aurelie, jorg = read("outlook-2.1.vcf").cards
    assert (aurelie.given_name, aurelie.family_name, aurelie.display_name) == (
        "Aurélie", "Béranger", "Aurélie Béranger")
    assert aurelie.organisation == "Agence Éclat"
    assert aurelie.title == "Attachée de presse"
    assert aurelie.notes == "Attachée de presse, très réactive.\nÀ relancer en février — après les soldes."
    assert aurelie.phones == ["+33 1 23 45 67 89", "+33 6 01 02 03 04"]
    assert aurelie.addresses[0].street == "17 avenue de l'Opéra"
    assert aurelie.emails == ["aurelie@agence-eclat.example"]
    assert (jorg.display_name, jorg.given_name) == ("Jörg Müller", "Jörg")


def test_utf16_file_with_bom():
    (soren,) = read("utf16le.vcf").cards
    assert soren.display_name == "Søren Østergård"
    assert soren.notes == "Blogger (design) — 北欧"


def test_utf8_bom_and_lf_line_ends_and_tab_folding():
    data = "\ufeffBEGIN:VCARD\nVERSION:3.0\nFN:Anaïs\n\t Lemoine\nEMAIL:anais@example.fr\nEND:VCARD\n"
    (anais,) = parse_vcards(data.encode("utf-8")).cards
    assert anais.display_name == "Anaïs Lemoine"


def test_a_file_neither_utf8_nor_declared_is_read_as_windows_1252():
    data = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cécile Œuvrard\r\nNOTE:“guillemets” – 5 €\r\nEND:VCARD\r\n"
    (cecile,) = parse_vcards(data.encode("cp1252")).cards
    assert (cecile.display_name, cecile.notes) == ("Cécile Œuvrard", "“guillemets” – 5 €")


def test_handles_from_impp_profile_addresses_and_x_properties():
    found = card("FN:Iris\r\nURL:https://bsky.app/profile/iris.bsky.social\r\nURL:https://iris.example/blog\r\n"
                 "IMPP:xmpp:iris@fediverse.example\r\nX-MASTODON:@iris@piaille.fr\r\n"
                 "X-SOCIALPROFILE:https://piaille.fr/@iris2")
    assert found.handles == [("bluesky", "@iris.bsky.social"), ("mastodon", "@iris@piaille.fr"),
                             ("mastodon", "@iris2@piaille.fr")]
    assert found.urls == ["https://iris.example/blog"]
    assert "xmpp: iris@fediverse.example" in found.notes  # an XMPP address is not a fediverse handle


def test_a_profile_address_of_a_network_without_profile_reader_stays_a_link():
    found = card("FN:Nina\r\nX-SOCIALPROFILE;TYPE=threads:https://www.threads.net/@nina\r\n"
                 "X-SOCIALPROFILE;TYPE=threads;X-USER=nina:https://www.threads.net/@nina")
    assert found.urls == ["https://www.threads.net/@nina"]
    assert found.handles == [("threads", "@nina")]


def test_photo_is_skipped_however_big():
    photo = "A" * 3_000_000
    found = card(f"FN:Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:{photo}\r\nEMAIL:p@example.org")
    assert found.emails == ["p@example.org"]


def test_control_characters_and_nul_are_removed():
    found = card("FN:Ro\x00bert\x07 \x1b[31mRouge\r\nNOTE:ligne 1\\nligne\x00 2\\n\x0c")
    assert found.display_name == "Robert [31mRouge"
    assert found.notes == "ligne 1\nligne 2"


def test_an_enormous_line_is_reported_not_kept():
    result = parse_vcards("BEGIN:VCARD\r\nFN:Long\r\nNOTE:" + "x" * 200_000 + "\r\nEND:VCARD\r\n")
    assert result.cards[0].notes == ""
    assert [(problem.number, problem.field) for problem in result.problems] == [(1, "NOTE")]


def test_a_line_without_colon_and_a_card_that_does_not_end_are_reported():
    result = parse_vcards("BEGIN:VCARD\r\nFN:Un\r\n" + "y" * 10_000 + "\r\nBEGIN:VCARD\r\nFN:Deux\r\nEND:VCARD\r\n")
    assert [card.display_name for card in result.cards] == ["Un", "Deux"]
    assert [(problem.number, problem.field) for problem in result.problems] == [(1, ""), (1, "END")]


def test_a_card_nested_in_an_agent_property_is_not_a_contact():
    result = parse_vcards("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Chef\r\nAGENT:\r\nBEGIN:VCARD\r\nFN:Assistant\r\n"
                          "END:VCARD\r\nEMAIL:chef@example.org\r\nEND:VCARD\r\n")
    assert [(card.display_name, card.emails) for card in result.cards] == [("Chef", ["chef@example.org"])]


def test_lengths_are_limited():
    found = card("FN:" + "N" * 1000 + "\r\nCATEGORIES:" + ",".join(f"t{n}" for n in range(500)))
    assert len(found.display_name) == c.NAME_LENGTH
    assert len(found.categories) == c.LIST_ITEMS


def test_a_file_too_big_is_refused(monkeypatch):
    monkeypatch.setattr(c, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImportRefused, match="too big"):
        parse_vcards(b"BEGIN:VCARD\r\n" + b"x" * 1001)


def test_a_file_with_too_many_cards_is_refused(monkeypatch):
    monkeypatch.setattr(c, "MAX_CARDS", 3)
    data = "".join(f"BEGIN:VCARD\r\nFN:P{n}\r\nEND:VCARD\r\n" for n in range(4)).encode()
    with pytest.raises(ImportRefused, match="more than 3 contacts"):
        parse_vcards(data)


def test_a_file_with_no_card_is_refused():
    with pytest.raises(ImportRefused, match="no vCard"):
        parse_vcards(b"Name,Email\r\nA,a@example.org\r\n")


SAMPLE = [
    Card(display_name="Hélène Dubois-Léger", given_name="Hélène", family_name="Dubois-Léger",
         organisation="Cuisine; Légère, Lyon", title="Rédactrice \\ en chef",
         emails=["helene@cuisine-legere.example", "h@example.org"], phones=["+33 6 12 34 56 78"],
         addresses=[Address(street="12 rue des Lilas\nBât. B", extended="3e étage", postal_code="69003", city="Lyon",
                            region="Auvergne-Rhône-Alpes", country="France"), Address(city="Genève", country="CH")],
         urls=["https://cuisine-legere.example/?a=1,2;b"],
         handles=[("mastodon", "@helene@piaille.fr"), ("bluesky", "@helene.bsky.social"), ("instagram", "@helene.c"),
                  ("threads", "@helene")],
         notes="Ligne 1\nLigne 2 : « citée », avec ; et \\ et " + "très long " * 30,
         categories=["Blogueurs", "Cuisine, vins"], language="fr-FR", birthday=date(1986, 3, 14)),
    Card(organisation="Radio Quartier", emails=["redaction@radio-quartier.example"], birthday=date(c.NO_YEAR, 2, 29)),
    Card(display_name="北欧 デザイン 🎨" * 5, emails=["x@example.jp"]),
]


def test_vcard_4_written_then_read_gives_the_same_cards():
    written = write_vcards(SAMPLE)
    result = parse_vcards(written)
    assert result.problems == []
    assert result.cards == SAMPLE


def test_written_lines_are_folded_at_75_octets_without_cutting_characters():
    written = write_vcards(SAMPLE).encode("utf-8")
    assert all(len(line) <= 75 for line in written.split(b"\r\n"))
    for line in written.split(b"\r\n"):
        line.decode("utf-8")  # no UTF-8 sequence cut in two
    assert fold("é" * 40).split("\r\n")[1].startswith(" ")


def test_written_file_is_version_4_with_crlf():
    written = write_vcards(SAMPLE[1:2])
    assert written.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Radio Quartier\r\n")
    assert "BDAY:--0229\r\n" in written
    assert written.endswith("END:VCARD\r\n")

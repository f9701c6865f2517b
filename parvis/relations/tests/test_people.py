"""Contacts as people: saving, handles linked to the inbox, the timeline, and the
personal data duties (notice, retention review, export, erasure everywhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection

from parvis.accounts.models import Notification
from parvis.inbox.models import Author, Item, Thread
from parvis.relations import people as contacts
from parvis.relations.models import (
    Contact,
    ContactList,
    Contest,
    DecisionLog,
    Entry,
    Event,
    Gift,
    Guest,
    Mention,
    Message,
    Parcel,
    RelationsSettings,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def org(people: dict[str, Any]) -> Any:
    return people["organisation"]


def _lea(org: Any, **extra: Any) -> Contact:
    values = {"name": "Léa Marquise", "kind": "blogger", "email": "Lea.Marquise@Blog.example",
              "outlet": "Le Blog de Léa", "city": "Lyon", "street": "12 rue des Tanneurs-Zèbre",
              "postal_code": "69002", "phone": "+33 6 11 22 33 44", "topics": "pâtisserie, Lyon",
              "handles": [("mastodon", "@leamarquise@piaille.example")], "tags": ["gourmand"], **extra}
    return contacts.save(org, values)


def test_a_contact_is_saved_with_its_email_lowercased_topics_split_and_handle_normalised(org):
    lea = _lea(org)
    assert lea.email == "lea.marquise@blog.example"
    assert lea.topics == ["pâtisserie", "Lyon"]
    assert [(h.network, h.handle) for h in lea.handles.all()] == [("mastodon", "@leamarquise@piaille.example")]
    assert [t.name for t in lea.tags.all()] == ["gourmand"]


@pytest.mark.parametrize(("values", "field"), [
    ({"name": ""}, "name"),
    ({"name": "A", "email": "pas-un-email"}, "email"),
    ({"name": "A", "kind": "astronaut"}, "kind"),
    ({"name": "A", "audience": "beaucoup"}, "audience"),
    ({"name": "A", "audience_read_on": "31/12/2026"}, "audience_read_on"),
    ({"name": "A", "audience_read_on": "9999-12-31"}, "audience_read_on"),
    ({"name": "A", "language": "français"}, "language"),
    ({"name": "x" * 201}, "name"),
    ({"name": "A", "handles": [("nowhere", "@a")]}, "handles"),
    ({"name": "A", "handles": [("mastodon", "not a handle at all")]}, "handles"),
    ({"name": "A", "lists": ["999999"]}, "lists"),
])
def test_each_wrong_field_is_named_and_nothing_is_saved(org, values, field):
    with pytest.raises(contacts.ContactError) as raised:
        contacts.save(org, values)
    assert raised.value.field == field
    assert not Contact.objects.exists()


def test_control_characters_from_an_import_are_dropped(org):
    saved = contacts.save(org, {"name": "Ana\x00ïs\x1b Dupré", "notes": "ligne 1\r\nligne 2\x07"})
    assert saved.name == "Anaïs Dupré"
    assert saved.notes == "ligne 1\nligne 2"


def test_a_name_is_made_from_given_and_family_names_when_missing(org):
    assert contacts.save(org, {"name": "", "given_name": "Hélène", "family_name": "Roux"}).name == "Hélène Roux"


def _inbox_item(workspace: Any, account: Any, author: Author, text: str, at: datetime) -> Item:
    thread, _ = Thread.objects.get_or_create(workspace=workspace, account=account, key=f"t-{author.pk}")
    return Item.objects.create(workspace=workspace, account=account, thread=thread, author=author,
                               network=author.network, remote_id=f"r{Item.objects.count()}", kind="mention",
                               text=text, created_at=at)


def test_the_timeline_shows_what_she_wrote_to_the_brand_and_what_the_brand_did(people, org, account):
    lea = _lea(org)
    author = Author.objects.create(workspace=people["workspace"], network="mastodon",
                                   key="leamarquise@piaille.example", remote_id="77",
                                   handle="@leamarquise@piaille.example")
    _inbox_item(people["workspace"], account, author, "Vos croissants sont parfaits", NOW - timedelta(days=3))
    Parcel.objects.create(workspace=people["workspace"], contact=lea, contents="Coffret galettes",
                          declared_value=Decimal("45.00"), created_at=NOW - timedelta(days=2))
    Gift.objects.create(workspace=people["workspace"], contact=lea, kind="fee", description="Article sponsorisé",
                        value=Decimal("300"), given_on=date(2026, 11, 19))
    moments = contacts.timeline(lea, [people["workspace"]])
    assert [m.kind for m in moments] == ["gift", "parcel", "inbox"]
    assert moments[2].detail == "Vos croissants sont parfaits"
    assert moments[1].title == "Parcel: Coffret galettes"
    assert all(m.workspace == "Boulangerie Dupont" for m in moments)


def test_the_timeline_shows_only_the_brands_the_reader_sees(people, org, account):
    lea = _lea(org)
    from parvis.accounts.actions import create_workspace

    secret = create_workspace(org, "Marque confidentielle", people["owner"], "Europe/Paris", "fr")
    Parcel.objects.create(workspace=secret, contact=lea, contents="Prototype")
    assert contacts.timeline(lea, [people["workspace"]]) == []


def test_an_inbox_author_finds_their_contact_by_key_or_handle(org):
    lea = _lea(org)
    assert contacts.contact_for_author(org.pk, "mastodon", "leamarquise@piaille.example", "") == lea
    assert contacts.contact_for_author(org.pk, "mastodon", "other@x.example", "@LeaMarquise@piaille.example") == lea
    assert contacts.contact_for_author(org.pk, "bluesky", "leamarquise@piaille.example", "") is None


def test_the_notice_is_sent_in_her_language_with_the_data_held_and_starts_the_clock(people, org):
    lea = _lea(org, language="fr", source="sur son blog")
    message = contacts.send_notice(lea, by=people["owner"], now=NOW)
    sent = mail.outbox[-1]
    assert sent.to == ["lea.marquise@blog.example"] and sent.reply_to == ["owner@agence.test"]
    assert sent.subject == "Vos coordonnées chez Agence"
    assert "Bonjour Léa Marquise" in sent.body
    held = "(nom, adresse e-mail, téléphone, adresse postale, comptes de réseaux sociaux)"
    assert f"{held}, trouvées sur son blog" in sent.body
    assert "3 ans après notre dernier échange" in sent.body and "CNIL" in sent.body
    lea.refresh_from_db()
    assert lea.notice_sent_at == NOW and lea.last_contact_at == NOW
    assert message.kind == Message.Kind.NOTICE


def test_the_agency_writes_its_own_notice_with_known_variables_only(org):
    with pytest.raises(contacts.ContactError) as raised:
        contacts.check_notice_template("Bonjour {name}", "Hello {prenom}")
    assert raised.value.field == "notice_body" and "{prenom}" in str(raised.value)
    RelationsSettings.objects.create(organisation=org, notice_subject="Chez {organisation}",
                                     notice_body="Bonjour {name}, {years} ans. {inconnu}")
    subject, body = contacts.notice_for(_lea(org))
    assert subject == "Chez Agence" and body == "Bonjour Léa Marquise, 3 ans. {inconnu}"


def test_no_notice_without_an_email_names_the_field(org):
    with pytest.raises(contacts.ContactError) as raised:
        contacts.send_notice(contacts.save(org, {"name": "Sans Mail"}))
    assert raised.value.field == "email"


def test_the_review_list_holds_contacts_three_years_after_the_last_contact(org):
    old = contacts.save(org, {"name": "Ancien"})
    Contact.objects.filter(pk=old.pk).update(last_contact_at=NOW - timedelta(days=3 * 365 + 2))
    recent = contacts.save(org, {"name": "Récent"})
    Contact.objects.filter(pk=recent.pk).update(last_contact_at=NOW - timedelta(days=3 * 365 - 2))
    never = contacts.save(org, {"name": "Jamais contacté"})
    Contact.objects.filter(pk=never.pk).update(created_at=NOW - timedelta(days=4 * 365))
    assert list(contacts.review_due(org, NOW)) == [never, old]


def test_a_contact_kept_on_purpose_leaves_the_review_list_until_the_date(org, monkeypatch):
    old = contacts.save(org, {"name": "Ancien"})
    Contact.objects.filter(pk=old.pk).update(last_contact_at=NOW - timedelta(days=4 * 365))
    monkeypatch.setattr(contacts.timezone, "now", lambda: NOW)
    with pytest.raises(contacts.ContactError) as raised:
        contacts.keep(old, "2026-12-31", "")
    assert raised.value.field == "kept_reason"
    with pytest.raises(contacts.ContactError) as raised:
        contacts.keep(old, "2035-01-01", "contrat en cours")
    assert raised.value.field == "kept_until"
    contacts.keep(old, "2027-06-30", "contrat en cours")
    assert list(contacts.review_due(org, NOW)) == []
    assert list(contacts.review_due(org, datetime(2027, 7, 1, tzinfo=UTC))) == [old]


# -- everything about one person, then nothing -----------------------------------------------------

MARKS = ("Marquise", "marquise", "Tanneurs-Zèbre", "+33 6 11 22 33 44", "leamarquise")


def _everything_about_lea(people: dict[str, Any], org: Any, account: Any) -> Contact:
    workspace, owner = people["workspace"], people["owner"]
    lea = _lea(org, notes="Rencontrée au salon, aime la brioche")
    other = contacts.save(org, {"name": "Bruno Autre", "email": "bruno@example.org"})
    group = ContactList.objects.create(organisation=org, name="Blogueurs Lyon")
    group.contacts.add(lea, other)
    contacts.send_notice(lea, by=owner, now=NOW)
    author = Author.objects.create(workspace=workspace, network="mastodon", key="leamarquise@piaille.example",
                                   remote_id="77", handle="@leamarquise@piaille.example",
                                   display_name="Léa Marquise")
    _inbox_item(workspace, account, author, "Merci pour le colis ! — Léa Marquise", NOW)
    event = Event.objects.create(workspace=workspace, name="Soirée galettes", starts_at=NOW, ends_at=NOW,
                                 link_secret="s")
    guest = Guest.objects.create(event=event, contact=lea, decision="invited", link_nonce="n",
                                 companions=["Paul Marquise"], dietary="sans gluten", answer="yes")
    DecisionLog.objects.create(guest=guest, decision="invited", note="vient chaque année, Marquise")
    guest.check_ins.create(client_id="c1", scanned_at=NOW)
    parcel = Parcel.objects.create(workspace=workspace, contact=lea, contents="Galettes pour Léa Marquise",
                                   address="Léa Marquise\n12 rue des Tanneurs-Zèbre\n69002 Lyon")
    Gift.objects.create(workspace=workspace, contact=lea, kind="parcel", description="Galettes", value=20,
                        given_on=NOW.date(), parcel=parcel)
    Mention.objects.create(contact=lea, workspace=workspace, network="mastodon", remote_id="p1",
                           text="Les galettes de @boulangerie, par leamarquise", published_at=NOW,
                           found_via="inbox")
    from parvis.accounts.actions import notify
    from parvis.core.texts import Text

    notify([owner], workspace, "influencer_mention_missing",
           Text.gettext("%(name)s posted about the brand without the advertising mention", name="Léa Marquise"),
           Text.gettext("%(name)s posted about the brand without the advertising mention", name="Léa Marquise"))
    contest = Contest.objects.create(workspace=workspace, name="Jeu", prize="Galette", organiser="Dupont",
                                     opens_at=NOW, closes_at=NOW, proof_token="t1")
    Entry.objects.create(contest=contest, network="mastodon", stable_id="77",
                         handle="@leamarquise@piaille.example", display_name="Léa Marquise", first_at=NOW,
                         text="Je participe ! Léa Marquise")
    return lea


def test_the_export_holds_everything_about_her(people, org, account):
    lea = _everything_about_lea(people, org, account)
    export = contacts.personal_export(lea)
    assert export["contact"]["street"] == "12 rue des Tanneurs-Zèbre"
    assert export["lists"] == ["Blogueurs Lyon"] and export["tags"] == ["gourmand"]
    assert export["messages"][0]["kind"] == "notice"
    assert export["invitations"][0]["companions"] == ["Paul Marquise"]
    assert export["decisions"][0]["note"] == "vient chaque année, Marquise"
    assert export["parcels"][0]["address"].startswith("Léa Marquise")
    assert export["gifts"][0]["value"] == "20.00"
    assert export["posts"][0]["network"] == "mastodon"
    assert export["contest_entries"][0]["text"] == "Je participe ! Léa Marquise"
    assert export["inbox"][0]["text"] == "Merci pour le colis ! — Léa Marquise"


def _every_text_in_the_database() -> list[tuple[str, str]]:
    """(table.column, value) of every text-like column of every table parvis has."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            columns = [f.column for f in model._meta.concrete_fields
                       if f.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField")]
            if not columns:
                continue
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {names} FROM {connection.ops.quote_name(table)}")  # noqa: S608 — model names
            for row in cursor.fetchall():
                found += [(f"{table}.{column}", str(value)) for column, value in zip(columns, row, strict=True)]
    return found


def test_erasure_leaves_nothing_of_her_in_any_table_and_keeps_everyone_else(people, org, account):
    lea = _everything_about_lea(people, org, account)
    assert any(mark in value for _, value in _every_text_in_the_database() for mark in MARKS)
    assert Notification.objects.filter(kind="influencer_mention_missing").exists()
    removed = contacts.erase(lea)
    left = [(where, value) for where, value in _every_text_in_the_database() for mark in MARKS if mark in value]
    assert left == []
    assert removed["inbox_items"] == 1 and removed["contest_entries"] == 1
    assert Contact.objects.get().name == "Bruno Autre"
    assert ContactList.objects.get().contacts.count() == 1
    assert not Parcel.objects.exists() and not Gift.objects.exists() and not Guest.objects.exists()


def test_a_drawn_contest_keeps_only_the_pseudonymous_id_of_an_erased_winner(people, org, account):
    lea = _everything_about_lea(people, org, account)
    Contest.objects.update(status="drawn")
    contacts.erase(lea)
    entry = Entry.objects.get()
    assert (entry.network, entry.stable_id, entry.handle, entry.text) == ("mastodon", "77", "", "")

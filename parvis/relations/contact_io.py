"""Contacts in and out: a vCard or CSV file read into cards (`vcard`, `contact_csv`),
merged into the organisation's contacts, and contacts written back as vCard 4.0 or
parvis's CSV.

An imported card that is someone already known (same email, or same account on a
network) completes that contact: it fills what is empty and adds emails, accounts and
tags, and never overwrites what a person typed. Nothing is saved when the file is
refused as a whole (too big, not a contacts file); a card with a problem is named and
the others are imported."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from parvis.accounts.models import Organisation, User

from . import contact_csv, people, vcard
from .cards import Address, Card, ImportResult, Problem
from .models import Contact, ContactList, Handle

Progress = Callable[[int, int], None]  # (done, total)
BATCH = 200


@dataclass
class Summary:
    created: int = 0
    completed: int = 0  # known contacts a card added something to
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    format: str = ""


def read(data: bytes, filename: str = "") -> ImportResult:
    """Cards from a file: a vCard when it says BEGIN:VCARD (or is named .vcf), else a CSV.
    Raises cards.ImportRefused for a file that is neither, or too big."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00").upper().replace(b"\x00", b"")
    if filename.lower().endswith((".vcf", ".vcard")) or head.lstrip().startswith(b"BEGIN:VCARD"):
        return vcard.parse_vcards(data)
    return contact_csv.parse_csv(data)


class _Known:
    """The organisation's contacts by email and by account, looked up once per import."""

    def __init__(self, organisation: Organisation) -> None:
        self.by_email: dict[str, int] = {}
        for pk, email, others in Contact.objects.filter(organisation=organisation).values_list(
                "pk", "email", "other_emails"):
            for one in [email, *(others or [])]:
                if one:
                    self.by_email.setdefault(one.lower(), pk)
        self.by_handle = {(network, handle.lower()): pk for pk, network, handle in Handle.objects.filter(
            contact__organisation=organisation).values_list("contact_id", "network", "handle")}
        # Someone with neither email nor account is known by name and outlet only.
        self.by_name = {(name.casefold(), outlet.casefold()): pk for pk, name, outlet in Contact.objects.filter(
            organisation=organisation, email="").values_list("pk", "name", "outlet")}

    def find(self, card: Card, handles: list[tuple[str, str]]) -> int | None:
        for email in card.emails:
            if email.lower() in self.by_email:
                return self.by_email[email.lower()]
        found = next((self.by_handle[(n, h.lower())] for n, h in handles if (n, h.lower()) in self.by_handle), None)
        if found is None and not card.emails and not handles:
            return self.by_name.get((card.display_name.casefold(), card.organisation.casefold()))
        return found

    def learn(self, contact: Contact, handles: list[tuple[str, str]]) -> None:
        for one in [contact.email, *contact.other_emails]:
            if one:
                self.by_email.setdefault(one.lower(), contact.pk)
        for network, handle in handles:
            self.by_handle.setdefault((network, handle.lower()), contact.pk)
        if not contact.email:
            self.by_name.setdefault((contact.name.casefold(), contact.outlet.casefold()), contact.pk)


def _handles_of(card: Card) -> list[tuple[str, str]]:
    """The card's accounts as parvis keeps them; one that its network refuses is dropped
    (the card keeps its address among the websites)."""
    found = []
    for network, handle in card.handles:
        try:
            found.append((network, people.normalised_handle(network, handle)))
        except people.ContactError:
            continue
    return found


def _values(card: Card, source: str) -> dict[str, object]:
    address = card.addresses[0] if card.addresses else Address()
    street = "\n".join(part for part in (address.street, address.extended) if part)
    return {
        "name": card.display_name, "given_name": card.given_name, "family_name": card.family_name,
        "outlet": card.organisation, "title": card.title, "email": card.emails[0] if card.emails else "",
        "other_emails": card.emails[1:], "phone": card.phones[0] if card.phones else "",
        "website": card.urls[0] if card.urls else "", "street": street, "postal_code": address.postal_code,
        "city": address.city, "region": address.region, "country": address.country,
        "language": card.language if people.LANGUAGE.fullmatch(card.language or "") else "",
        "notes": card.notes, "source": source,
    }


def _complete(contact: Contact, values: dict[str, object]) -> bool:
    """Fill the empty fields and add the new emails; True when something changed."""
    changed = False
    for name, value in values.items():
        if name == "other_emails":
            known = {contact.email.lower(), *(e.lower() for e in contact.other_emails)}
            extra = [e for e in value if isinstance(e, str) and e.lower() not in known]  # type: ignore[attr-defined]
            if extra:
                contact.other_emails = [*contact.other_emails, *extra][:10]
                changed = True
        elif value and not getattr(contact, name):
            setattr(contact, name, value)
            changed = True
    return changed


def _save_card(organisation: Organisation, card: Card, known: _Known, source: str, by: User | None,
               into: ContactList | None, summary: Summary) -> None:
    handles = _handles_of(card)
    values = people.check(_values(card, source))
    pk = known.find(card, handles)
    if pk is None:
        contact = Contact.objects.create(organisation=organisation, created_by=by, **values)
        summary.created += 1
        changed = True
    else:
        contact = Contact.objects.get(pk=pk)
        changed = _complete(contact, values)
        if changed:
            contact.save()
    existing = {(h.network, h.handle.lower()) for h in contact.handles.all()}
    new = [(n, h) for n, h in handles if (n, h.lower()) not in existing]
    Handle.objects.bulk_create([Handle(contact=contact, network=n, handle=h) for n, h in new])
    if card.categories:
        before = set(contact.tags.values_list("name", flat=True))
        wanted = before | {people.clean(tag, 60) for tag in card.categories} - {""}
        if wanted != before:
            people.set_tags(contact, sorted(wanted))
            changed = True
    if into is not None:
        into.contacts.add(contact)
    known.learn(contact, handles)
    if pk is not None:
        if changed or new:
            summary.completed += 1
        else:
            summary.unchanged += 1


def import_cards(organisation: Organisation, result: ImportResult, *, by: User | None = None, source: str = "",
                 into: ContactList | None = None, progress: Progress | None = None) -> Summary:
    """Merge the cards into the organisation's contacts, a batch per transaction, so that
    an import interrupted halfway keeps what it did and can simply be run again (the
    same cards then complete nothing)."""
    summary = Summary(problems=list(result.problems), format=result.format)
    known = _Known(organisation)
    total = len(result.cards)
    for start in range(0, total, BATCH):
        with transaction.atomic():
            for number, card in enumerate(result.cards[start:start + BATCH], start=start + 1):
                try:
                    _save_card(organisation, card, known, source, by, into, summary)
                except people.ContactError as exc:
                    summary.problems.append(_problem(number, exc))
        if progress:
            progress(min(start + BATCH, total), total)
    return summary


def _problem(number: int, exc: people.ContactError) -> Problem:
    from parvis.core.texts import Text

    # The reason is already in the importer's language (the import runs in their request).
    return Problem(number=number, field=exc.field, message=Text.gettext("%(reason)s", reason=str(exc)))


# -- out ---------------------------------------------------------------------------------------------

def card_of(contact: Contact) -> Card:
    address = Address(street=contact.street, postal_code=contact.postal_code, city=contact.city,
                      region=contact.region, country=contact.country)
    return Card(
        display_name=contact.name, given_name=contact.given_name, family_name=contact.family_name,
        organisation=contact.outlet, title=contact.title,
        emails=[e for e in [contact.email, *contact.other_emails] if e],
        phones=[contact.phone] if contact.phone else [],
        addresses=[address] if address else [], urls=[contact.website] if contact.website else [],
        handles=[(h.network, h.handle) for h in contact.handles.all()], notes=contact.notes,
        categories=[t.name for t in contact.tags.all()], language=contact.language,
    )


def cards_of(contacts: Iterable[Contact]) -> list[Card]:
    return [card_of(contact) for contact in contacts]


def export(contacts: Iterable[Contact], fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the contacts as vCard 4.0 or parvis's CSV."""
    stamp = timezone.now().strftime("%Y-%m-%d")
    cards = cards_of(contacts)
    if fmt == "vcf":
        return vcard.write_vcards(cards).encode("utf-8"), "text/vcard; charset=utf-8", f"contacts-{stamp}.vcf"
    return contact_csv.write_csv(cards), "text/csv; charset=utf-8", f"contacts-{stamp}.csv"

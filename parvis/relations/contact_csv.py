"""Contacts as spreadsheets: the CSV exports of Google Contacts (its former columns,
"Given Name,Family Name,…,E-mail 1 - Type", and its current ones, "First Name,Last
Name,…,E-mail 1 - Label"), of Outlook (English or French columns, Windows-1252 or UTF-8,
"," or ";" between cells) and parvis's own format, told apart by their header row.

parvis's own format (`write_csv`): one header row of the English keys in `COLUMNS` (and
`address_N_*` for each address), UTF-8 with a BOM and ";" between cells so that a French
Excel opens it as it is; lists one item a line inside their cell; handles as
"network:handle" lines; birthdays as "1985-04-12", or "--04-12" without a year. A cell
that a spreadsheet would take for a formula (starting with =, +, -, @) starts with an
apostrophe, which the reader removes.

Rows are numbered as a spreadsheet shows them (the header is row 1); a row with neither a
name nor an e-mail address is reported and the others kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from parvis.core.texts import Text
from parvis.relations import cards as c
from parvis.relations.cards import Address, Card, ImportResult, Problem

COLUMNS = ["display_name", "given_name", "family_name", "organisation", "title", "emails", "phones", "urls",
           "handles", "categories", "language", "birthday", "notes"]
ADDRESS_PARTS = ["street", "extended", "postal_code", "city", "region", "country"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_GOOGLE_NUMBERED = re.compile(r"(e-mail|phone|address|website|im) (\d+) - (.+)")
_PARVIS_ADDRESS = re.compile(r"address_(\d+)_(" + "|".join(ADDRESS_PARTS) + ")")
_GOOGLE_SYSTEM_GROUPS = frozenset({"mycontacts", "starred"})

Row = dict[str, str]


@dataclass
class _Draft:
    number: int
    values: dict[str, object] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    notes: str = ""
    problems: list[Problem] = field(default_factory=list)

    def email(self, column: str, value: str) -> None:
        for email in (part.strip() for part in value.split(":::")):
            if c.is_email(email):
                self.emails.append(email)
            elif email:
                self.problems.append(c.bad_email(self.number, column, email))

    def link(self, value: str, hint: str = "") -> None:
        """A web address, or the profile of an account on a registered network."""
        hint = hint if c.network_named(hint) else ""
        for url in (part.strip() for part in value.split(":::")):
            found = c.resolve_handle(url, hint) if url else None
            if found:
                self.handles.append(found)
            elif url:
                self.urls.append(url)

    def account(self, value: str, service: str) -> None:
        value = c.line(value, c.HANDLE_LENGTH)
        found = c.resolve_handle(value, service) if value and c.network_named(service) else None
        if found:
            self.handles.append(found)
        elif value:
            self.accounts.append(f"{c.line(service, 40)}: {value}" if service else value)

    def birthday(self, column: str, value: str, *, day_first: bool = False) -> None:
        try:
            self.values["birthday"] = c.parse_date(value, day_first=day_first)
        except ValueError:
            self.problems.append(c.bad_date(self.number, column, value))

    def card(self) -> Card:
        notes = "\n\n".join(part for part in (self.notes, "\n".join(self.accounts)) if part)
        return Card(emails=self.emails, phones=self.phones, addresses=self.addresses, urls=self.urls,
                    handles=self.handles, categories=self.categories, notes=notes,
                    **self.values)  # type: ignore[arg-type]


# -- reading ------------------------------------------------------------------------------

def _delimiter(text: str) -> str:
    """The separator of the header row: whichever of , ; and tab it holds most of."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _key(header: str) -> str:
    return re.sub(r"\s+", " ", c.line(header).casefold())


def _rows(text: str) -> tuple[list[str], Iterator[tuple[int, Row | None]]]:
    """The header's keys and each row (its spreadsheet number, its cells by key; None
    for a row the CSV reader could not read)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [_key(name) for name in next(reader)]
    except (StopIteration, csv.Error):
        header = []

    def rows() -> Iterator[tuple[int, Row | None]]:
        number = 1
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield number, None
                continue
            if any(cell.strip() for cell in cells):
                yield number, {key: cell for key, cell in zip(header, cells, strict=False) if key}
    return header, rows()


def _format(header: list[str]) -> str:
    keys = set(header)
    if {"display_name", "emails", "handles"} <= keys:
        return "parvis"
    if any(_GOOGLE_NUMBERED.fullmatch(key) for key in keys) or {"given name", "group membership"} & keys \
            or "first name" in keys and {"labels", "file as", "organization name"} & keys:
        return "google"
    if {"prénom", "adresse de messagerie"} & keys:
        return "outlook-fr"
    if "first name" in keys and {"e-mail address", "job title", "company", "last name"} & keys:
        return "outlook"
    return ""


def parse_csv(data: bytes) -> ImportResult:
    """The contacts of a CSV file; ImportRefused when it is too big, holds too many rows,
    or its columns are none of the formats parvis reads."""
    c.check_size(data)
    text = c.decode(data)[0].removeprefix("\ufeff").replace("\x00", "")
    header, rows = _rows(text)
    kind = _format(header)
    if not kind:
        raise c.ImportRefused(Text.gettext("parvis does not recognise the columns of this file. Export the "
                                           "contacts from Google Contacts or Outlook as CSV, or as vCard."))
    reader = _READERS[kind]
    result = ImportResult(format=kind.partition("-")[0])
    for count, (number, row) in enumerate(rows, start=1):
        if count > c.MAX_CARDS:
            raise c.too_many(count)
        if row is None:
            result.problems.append(Problem(number, "", Text.gettext("This row could not be read (a cell is "
                                                                    "too long or badly quoted); it was left "
                                                                    "out.")))
            continue
        draft = _Draft(number)
        reader(draft, row)
        card = draft.card()
        result.problems += draft.problems
        if card.identified:
            result.cards.append(card)
        else:
            result.problems.append(c.unnamed(number))
    return result


def _cells(row: Row, *keys: str) -> str:
    return next((row[key] for key in keys if row.get(key, "").strip()), "").strip()


def _names(draft: _Draft, given: str, middle: str, family: str, full: str = "") -> None:
    draft.values["given_name"] = given
    draft.values["family_name"] = family
    draft.values["display_name"] = full or " ".join(part for part in (given, middle, family) if part)


def _read_google(draft: _Draft, row: Row) -> None:
    _names(draft, _cells(row, "given name", "first name"), _cells(row, "additional name", "middle name"),
           _cells(row, "family name", "last name"), _cells(row, "name"))
    draft.values["organisation"] = _cells(row, "organization 1 - name", "organization name")
    draft.values["title"] = _cells(row, "organization 1 - title", "organization title")
    draft.values["language"] = _cells(row, "language")
    draft.notes = row.get("notes", "")
    if birthday := _cells(row, "birthday"):
        draft.birthday("Birthday", birthday)
    for group in _cells(row, "group membership", "labels").split(":::"):
        group = group.strip()
        if group.removeprefix("* ").casefold() not in _GOOGLE_SYSTEM_GROUPS:
            draft.categories.append(group.removeprefix("* "))
    numbered: dict[tuple[str, str], Row] = {}
    for key, value in row.items():
        if match := _GOOGLE_NUMBERED.fullmatch(key):
            numbered.setdefault((match[1], match[2]), {})[match[3]] = value
    for (kind, number), cells in sorted(numbered.items(), key=lambda item: (item[0][0], int(item[0][1]))):
        _google_item(draft, kind, number, cells)


def _google_item(draft: _Draft, kind: str, number: str, cells: Row) -> None:
    value = cells.get("value", "").strip()
    label = _cells(cells, "label", "type")
    if kind == "e-mail":
        draft.email(f"E-mail {number} - Value", value)
    elif kind == "phone":
        draft.phones += [part.strip() for part in value.split(":::")]
    elif kind == "website":
        draft.link(value, label)
    elif kind == "im":
        for account in value.split(":::"):
            draft.account(account, _cells(cells, "service", "protocol") or label)
    elif kind == "address":
        address = Address(street=cells.get("street", ""), extended=" ".join(
            part for part in (cells.get("extended address", "").strip(), cells.get("po box", "").strip()) if part),
            postal_code=cells.get("postal code", ""), city=cells.get("city", ""), region=cells.get("region", ""),
            country=cells.get("country", ""))
        draft.addresses.append(address or Address(street=cells.get("formatted", "")))


@dataclass(frozen=True)
class _Outlook:
    """Outlook's column names in one language."""

    given: str
    middle: str
    family: str
    organisation: str
    title: str
    emails: tuple[str, ...]
    phone: re.Pattern[str]
    webs: tuple[str, ...]
    notes: str
    categories: str
    birthday: str
    language: str
    places: tuple[str, ...]  # how each of the three addresses is named in its columns
    street: str
    city: str
    region: str
    postal_code: str
    countries: tuple[str, ...]
    po_box: str
    day_first: bool


OUTLOOK_EN = _Outlook(
    "first name", "middle name", "last name", "company", "job title",
    ("e-mail address", "e-mail 2 address", "e-mail 3 address", "email address", "email 2 address",
     "email 3 address"),
    re.compile(r".*phone( \d)?"), ("web page", "personal web page"), "notes", "categories", "birthday", "language",
    ("business", "home", "other"), "{} street", "{} city", "{} state", "{} postal code",
    ("{} country/region", "{} country"), "{} address po box", False)
OUTLOOK_FR = _Outlook(
    "prénom", "deuxième prénom", "nom", "société", "fonction",
    ("adresse de messagerie", "adresse de messagerie 2", "adresse de messagerie 3"),
    re.compile(r"(téléphone|tél\.).*"), ("page web", "page web personnelle"), "notes", "catégories",
    "anniversaire", "langue", ("(bureau)", "(domicile)", "(autre)"), "rue {}", "ville {}", "dép/région {}",
    "code postal {}", ("pays/région {}", "pays {}"), "b.p. {}", True)


def _read_outlook(names: _Outlook) -> Callable[[_Draft, Row], None]:
    def read(draft: _Draft, row: Row) -> None:
        _names(draft, _cells(row, names.given), _cells(row, names.middle), _cells(row, names.family))
        draft.values["organisation"] = _cells(row, names.organisation)
        draft.values["title"] = _cells(row, names.title)
        draft.values["language"] = _cells(row, names.language)
        draft.notes = row.get(names.notes, "")
        for column in names.emails:
            draft.email(column, row.get(column, "").strip())
        draft.phones += [value for key, value in row.items() if names.phone.fullmatch(key) and "fax" not in key]
        for column in names.webs:
            draft.link(row.get(column, "").strip())
        draft.categories += re.split(r"[;,]", row.get(names.categories, ""))
        if birthday := _cells(row, names.birthday):
            draft.birthday(names.birthday, birthday, day_first=names.day_first)
        for place in names.places:
            draft.addresses.append(_outlook_address(names, place, row))
    return read


def _outlook_address(names: _Outlook, place: str, row: Row) -> Address:
    street = names.street.format(place)
    lines = [row.get(key, "").strip() for key in (street, f"{street} 2", f"{street} 3")]
    return Address(street="\n".join(part for part in lines if part), extended=_cells(row, names.po_box.format(place)),
                   postal_code=_cells(row, names.postal_code.format(place)), city=_cells(row, names.city.format(place)),
                   region=_cells(row, names.region.format(place)),
                   country=_cells(row, *(country.format(place) for country in names.countries)))


def _unguarded(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_START else value


def _lines(value: str) -> list[str]:
    return [part.strip() for part in value.split("\n") if part.strip()]


def _read_parvis(draft: _Draft, row: Row) -> None:
    cell = {key: _unguarded(value) for key, value in row.items()}
    for key in ("display_name", "given_name", "family_name", "organisation", "title", "language"):
        draft.values[key] = cell.get(key, "")
    draft.notes = cell.get("notes", "")
    for email in _lines(cell.get("emails", "")):
        draft.email("emails", email)
    draft.phones += _lines(cell.get("phones", ""))
    draft.urls += _lines(cell.get("urls", ""))
    draft.categories += _lines(cell.get("categories", ""))
    for item in _lines(cell.get("handles", "")):
        key, _, handle = item.partition(":")
        draft.account(handle, key)
    if birthday := cell.get("birthday", "").strip():
        draft.birthday("birthday", birthday)
    addresses: dict[int, dict[str, str]] = {}
    for key, value in cell.items():
        if match := _PARVIS_ADDRESS.fullmatch(key):
            addresses.setdefault(int(match[1]), {})[match[2]] = value
    draft.addresses += [Address(**parts) for _, parts in sorted(addresses.items())]


_READERS: dict[str, Callable[[_Draft, Row], None]] = {
    "google": _read_google, "outlook": _read_outlook(OUTLOOK_EN), "outlook-fr": _read_outlook(OUTLOOK_FR),
    "parvis": _read_parvis,
}


# -- writing ------------------------------------------------------------------------------

def _guarded(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _birthday(value: date | None) -> str:
    if value is None:
        return ""
    return value.strftime("--%m-%d") if value.year == c.NO_YEAR else value.isoformat()


def _row(card: Card, addresses: int) -> list[str]:
    cells = [card.display_name, card.given_name, card.family_name, card.organisation, card.title,
             "\n".join(card.emails), "\n".join(card.phones), "\n".join(card.urls),
             "\n".join(f"{key}:{handle}" for key, handle in card.handles), "\n".join(card.categories),
             card.language, _birthday(card.birthday), card.notes]
    for index in range(addresses):
        address = card.addresses[index] if index < len(card.addresses) else Address()
        cells += [getattr(address, part) for part in ADDRESS_PARTS]
    return [_guarded(cell) for cell in cells]


def write_csv(cards: Iterable[Card]) -> bytes:
    """The cards in parvis's own CSV format (UTF-8 with a BOM, ";" between cells)."""
    cards = list(cards)
    addresses = max([1, *(len(card.addresses) for card in cards)])
    header = COLUMNS + [f"address_{n}_{part}" for n in range(1, addresses + 1) for part in ADDRESS_PARTS]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(_row(card, addresses) for card in cards)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")

"""vCard files (RFC 2426's 3.0, RFC 6350's 4.0 and the older 2.1 that Outlook and old
phones still write), many cards to a file, read into `Card`s; and `Card`s written as
vCard 4.0, which `parse_vcards` reads back to the same cards.

A broken card is reported (its number in the file, the property) and the others kept; a
file too big or with too many cards is refused whole, before any card is built. Pictures
and keys (PHOTO, LOGO, SOUND, KEY) are skipped unread: they are most of a file's size.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from parvis.core.texts import Text
from parvis.relations import cards as c
from parvis.relations.cards import Address, Card, ImportResult, Problem

SKIPPED = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
PROPERTY_LENGTH = 64 * 1024  # characters of one property other than the skipped ones
HEAD_LENGTH = 4096  # a property's name and parameters: more is not a vCard
# Instant messaging and social properties of other clients (Evolution, KDE, Android,
# older Apple): their value is an account of the service named.
IM_PROPERTIES = {
    "X-TWITTER": "Twitter", "X-SKYPE": "Skype", "X-SKYPE-USERNAME": "Skype", "X-JABBER": "Jabber",
    "X-AIM": "AIM", "X-ICQ": "ICQ", "X-MSN": "MSN", "X-YAHOO": "Yahoo", "X-GOOGLE-TALK": "Google Talk",
    "X-GTALK": "Google Talk", "X-QQ": "QQ", "X-GADUGADU": "Gadu-Gadu", "X-GROUPWISE": "GroupWise",
}
_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
_ESCAPES = {"\\": "\\", ";": ";", ",": ",", ":": ":", "n": "\n", "N": "\n"}
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_PARAM_CARETS = re.compile(r"\^([n^'])")
_CARETS = {"n": "\n", "^": "^", "'": '"'}
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")
_LINES = re.compile(r"\r\n|\n|\r")


@dataclass
class Property:
    group: str
    name: str  # upper case
    params: dict[str, list[str]]
    raw: str  # the value as written (still escaped and encoded)

    def param(self, name: str) -> str:
        return next(iter(self.params.get(name, [])), "")


@dataclass
class _Source:
    """How the file's characters map back to its bytes: a file without a UTF-16 BOM is
    held as Latin-1 (one character per byte), so each value is decoded with its own
    CHARSET, or the file's `default` codec; a UTF-16 file is already text."""

    text: str
    default: str
    as_bytes: bool

    def value(self, prop: Property) -> str:
        encoding = (prop.param("encoding") or "").upper()
        charset = prop.param("charset")
        if encoding == "QUOTED-PRINTABLE":
            data = quopri.decodestring(prop.raw.encode("latin-1" if self.as_bytes else "utf-8", "replace"))
        elif encoding in ("B", "BASE64"):
            try:
                data = base64.b64decode("".join(prop.raw.split()), validate=False)
            except (binascii.Error, ValueError):
                data = b""
        elif self.as_bytes:
            data = prop.raw.encode("latin-1", "replace")
        else:
            return prop.raw
        return _decoded(data, charset or self.default)


@dataclass
class _Draft:
    """What the properties of one card say, gathered before the card is built."""

    number: int
    values: dict[str, object] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # other services' accounts, kept in the notes
    categories: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _decoded(data: bytes, charset: str) -> str:
    for codec in (charset, "utf-8"):
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return c.cp1252(data)


def _source(data: bytes | str) -> _Source:
    if isinstance(data, str):
        return _Source(data.removeprefix("\ufeff"), "utf-8", False)
    c.check_size(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _Source(c.decode(data)[0], "utf-8", False)
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
        default = "utf-8"
    except UnicodeDecodeError:
        default = "cp1252"
    return _Source(data.decode("latin-1"), default, True)


# -- lines and properties ---------------------------------------------------------------

def _is_quoted_printable(first_line: str) -> bool:
    return "QUOTED-PRINTABLE" in first_line[:HEAD_LENGTH].partition(":")[0].upper()


def logical_lines(text: str) -> Iterator[str]:
    """Unfolded lines: a line starting with a space or a tab continues the one before
    (3.0, 4.0), and a quoted-printable value whose line ends in "=" goes on on the next
    line whatever it starts with (2.1's soft line breaks)."""
    current: list[str] = []
    soft = False
    for physical in _LINES.split(text):
        if current and soft and physical.strip().upper() != "END:VCARD":
            current[-1] = current[-1][:-1]
            current.append(physical)
        elif current and physical[:1] in (" ", "\t"):
            current.append(physical[1:])
        else:
            if current:
                yield "".join(current)
            current = [physical]
        soft = physical.endswith("=") and _is_quoted_printable(current[0])
    if current:
        yield "".join(current)


def _split(text: str, separator: str, *, quotes: bool = False, escapes: bool = True) -> list[str]:
    """`text` cut at each `separator` outside quotes (if `quotes`) and not escaped."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif escapes and char == "\\":
            escaped = True
        elif quotes and char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_property(logical: str) -> Property | None:
    """A property from an unfolded line; None when it is not one (no ":" in its head)."""
    head_end, quoted = -1, False
    for index, char in enumerate(logical[:HEAD_LENGTH]):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head_end = index
            break
    if head_end <= 0:
        return None
    head = _split(logical[:head_end], ";", quotes=True, escapes=False)
    group, _, name = head[0].strip().rpartition(".")
    params: dict[str, list[str]] = {}
    for item in head[1:]:
        key, equals, value = item.partition("=")
        if not equals:  # 2.1's bare parameters: "TEL;HOME;VOICE", "NOTE;QUOTED-PRINTABLE"
            key, value = ("encoding" if key.strip().upper() in _ENCODINGS else "type"), key
        values = [_PARAM_CARETS.sub(lambda m: _CARETS[m[1]], v.strip().strip('"')) for v in
                  _split(value, ",", quotes=True, escapes=False)]
        params.setdefault(key.strip().lower(), []).extend(v for v in values if v)
    return Property(group.strip().lower(), name.strip().upper(), params, logical[head_end + 1:])


def unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[0]), text)


def components(text: str) -> list[str]:
    return [unescape(part) for part in _split(text, ";")]


# -- cards --------------------------------------------------------------------------------

def _cards(text: str, result: ImportResult) -> Iterator[tuple[int, list[Property]]]:
    """Each card's number and properties; problems of structure go to `result`."""
    props: list[Property] = []
    number, inside, skipping, after_agent = 0, False, 0, False
    for logical in logical_lines(text):
        upper = logical.strip().upper()
        if skipping:  # a card inside another (2.1's AGENT): not a contact of the file
            skipping += {"BEGIN:VCARD": 1, "END:VCARD": -1}.get(upper, 0)
            continue
        if upper == "BEGIN:VCARD":
            if inside and after_agent:
                skipping = 1
                continue
            if inside:
                result.problems.append(Problem(number, "END", Text.gettext("This card does not end "
                                                                           "(END:VCARD is missing).")))
                yield number, props
            number, props, inside = number + 1, [], True
            if number > c.MAX_CARDS:
                raise c.too_many(number)
        elif upper == "END:VCARD" and inside:
            yield number, props
            inside = False
        elif inside and logical.strip():
            prop = parse_property(logical)
            after_agent = prop is not None and prop.name == "AGENT" and not prop.raw.strip()
            if prop is None:
                result.problems.append(Problem(number, "", Text.gettext("A line of this card is not a vCard "
                                                                        "property; it was left out.")))
            elif prop.name not in SKIPPED:
                props.append(prop)
    if inside:
        result.problems.append(Problem(number, "END", Text.gettext("This card does not end "
                                                                   "(END:VCARD is missing).")))
        yield number, props


def parse_vcards(data: bytes | str) -> ImportResult:
    """The cards of a vCard file; ImportRefused when it is too big or holds too many."""
    source = _source(data)
    result = ImportResult(format="vcard")
    for number, props in _cards(source.text, result):
        card, problems = build_card(number, props, source)
        result.problems += problems
        if card is not None:
            result.cards.append(card)
    if not result.cards and not result.problems:
        raise c.ImportRefused(Text.gettext("This file holds no vCard (no line BEGIN:VCARD)."))
    return result


def build_card(number: int, props: list[Property], source: _Source) -> tuple[Card | None, list[Problem]]:
    draft = _Draft(number)
    labels = {prop.group: _label(source.value(prop)) for prop in props
              if prop.group and prop.name == "X-ABLABEL"}
    for prop in props:
        if len(prop.raw) > PROPERTY_LENGTH:
            draft.problems.append(Problem(number, prop.name, Text.gettext("This value is too long; it was left "
                                                                          "out.")))
            continue
        _read(draft, prop, source.value(prop), labels.get(prop.group, ""))
    notes = "\n\n".join([*draft.notes, "\n".join(draft.accounts)] if draft.accounts else draft.notes)
    card = Card(emails=draft.emails, phones=draft.phones, addresses=draft.addresses, urls=draft.urls,
                handles=draft.handles, notes=notes, categories=draft.categories, **draft.values)  # type: ignore[arg-type]
    if not card.identified:
        return None, [*draft.problems, c.unnamed(number)]
    return card, draft.problems


def _label(text: str) -> str:
    """An Apple label: its own words ("_$!<HomePage>!$_" is one of Apple's names)."""
    text = unescape(text).strip()
    match = _APPLE_LABEL.fullmatch(text)
    return match[1] if match else text


def _read(draft: _Draft, prop: Property, value: str, label: str) -> None:
    reader = _READERS.get(prop.name)
    if reader is not None:
        reader(draft, prop, value, label)
    elif prop.name in IM_PROPERTIES or (prop.name.startswith("X-") and c.network_named(prop.name[2:])):
        _account(draft, unescape(value), IM_PROPERTIES.get(prop.name) or prop.name[2:])


def _first(draft: _Draft, key: str, value: object) -> None:
    if value and not draft.values.get(key):
        draft.values[key] = value


def _read_fn(draft: _Draft, prop: Property, value: str, label: str) -> None:
    _first(draft, "display_name", unescape(value))


def _read_n(draft: _Draft, prop: Property, value: str, label: str) -> None:
    parts = components(value) + [""] * 2
    _first(draft, "family_name", parts[0].replace(",", " "))
    _first(draft, "given_name", parts[1].replace(",", " "))


def _read_org(draft: _Draft, prop: Property, value: str, label: str) -> None:
    _first(draft, "organisation", ", ".join(part.strip() for part in components(value) if part.strip()))


def _read_title(draft: _Draft, prop: Property, value: str, label: str) -> None:
    _first(draft, "title", unescape(value))


def _read_email(draft: _Draft, prop: Property, value: str, label: str) -> None:
    email = c.line(unescape(value), c.EMAIL_LENGTH + 1)
    email = email[7:] if email.lower().startswith("mailto:") else email
    if c.is_email(email):
        draft.emails.append(email)
    elif email:
        draft.problems.append(c.bad_email(draft.number, prop.name, email))


def _read_tel(draft: _Draft, prop: Property, value: str, label: str) -> None:
    phone = unescape(value).strip()
    draft.phones.append(phone[4:] if phone.lower().startswith("tel:") else phone)


def _read_adr(draft: _Draft, prop: Property, value: str, label: str) -> None:
    parts = (components(value) + [""] * 7)[:7]
    po_box, extended, street, city, region, postal_code, country = parts
    extended = ", ".join(part for part in (extended.strip(), po_box.strip()) if part)
    draft.addresses.append(Address(street=street, extended=extended, postal_code=postal_code, city=city,
                                   region=region, country=country))


def _read_url(draft: _Draft, prop: Property, value: str, label: str) -> None:
    url = c.line(unescape(value), c.URL_LENGTH)
    hint = next((name for name in [label, *prop.params.get("type", [])] if c.network_named(name)), "")
    found = c.resolve_handle(url, hint)
    if found:
        draft.handles.append(found)
    elif url:
        draft.urls.append(url)


def _read_social(draft: _Draft, prop: Property, value: str, label: str) -> None:
    """Apple's X-SOCIALPROFILE: the service in TYPE (or the item's label), the profile's
    address as the value ("x-apple:" and a user name for some services), the user name
    in X-USER."""
    hint = next((t for t in prop.params.get("type", []) if t.lower() not in ("pref", "home", "work")), "") or label
    address = unescape(value).strip()
    if address.lower().startswith("x-apple:"):
        address = _percent_decoded(address[8:])
    user = prop.param("x-user")
    if hint and not c.network_named(hint):
        if re.match(r"https?://", address, re.IGNORECASE):
            draft.urls.append(address)
        else:
            _account(draft, user or address, hint)
        return
    found = c.resolve_handle(address, hint) or (c.resolve_handle(user, hint) if user else None)
    if found:
        draft.handles.append(found)
    elif re.match(r"https?://", address, re.IGNORECASE):
        draft.urls.append(address)
    elif user or address:
        _account(draft, user or address, hint)


def _percent_decoded(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _read_impp(draft: _Draft, prop: Property, value: str, label: str) -> None:
    scheme, colon, address = unescape(value).strip().partition(":")
    if not colon:
        scheme, address = "", scheme
    hint = prop.param("x-service-type") or label or scheme
    _account(draft, _percent_decoded(address), hint)


def _account(draft: _Draft, value: str, service: str) -> None:
    """An account on `service`: a handle if it is a registered network's, else a line of
    the notes ("Skype: name"), so that nothing the file said is lost."""
    value = c.line(value, c.HANDLE_LENGTH)
    if not value:
        return
    found = c.resolve_handle(value, service) if c.network_named(service) else None
    if found:
        draft.handles.append(found)
    else:
        draft.accounts.append(f"{c.line(service, 40)}: {value}" if service else value)


def _read_note(draft: _Draft, prop: Property, value: str, label: str) -> None:
    draft.notes.append(c.block(unescape(value)))


def _read_categories(draft: _Draft, prop: Property, value: str, label: str) -> None:
    draft.categories += [unescape(part) for part in _split(value, ",")]


def _read_bday(draft: _Draft, prop: Property, value: str, label: str) -> None:
    text = unescape(value).strip()
    try:
        birthday = c.parse_date(text)
    except ValueError:
        draft.problems.append(c.bad_date(draft.number, prop.name, text))
        return
    omitted = prop.param("x-apple-omit-year")
    if birthday and omitted and str(birthday.year) == omitted:
        birthday = birthday.replace(year=c.NO_YEAR)
    _first(draft, "birthday", birthday)


def _read_lang(draft: _Draft, prop: Property, value: str, label: str) -> None:
    _first(draft, "language", unescape(value).strip())


_READERS = {
    "FN": _read_fn, "N": _read_n, "ORG": _read_org, "TITLE": _read_title, "EMAIL": _read_email,
    "TEL": _read_tel, "ADR": _read_adr, "URL": _read_url, "X-SOCIALPROFILE": _read_social, "IMPP": _read_impp,
    "NOTE": _read_note, "CATEGORIES": _read_categories, "BDAY": _read_bday, "LANG": _read_lang,
}


# -- writing ------------------------------------------------------------------------------

def escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;"))


def _param(value: str) -> str:
    """A parameter value: quoted if it holds what would end it (RFC 6868 for quotes)."""
    value = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'")
    return f'"{value}"' if re.search(r"[;:,]", value) else value


def fold(line: str) -> str:
    """The line cut into lines of at most 75 octets (continuations start with a space),
    never inside a UTF-8 character."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def _birthday(card: Card) -> str:
    if card.birthday is None:
        return ""
    if card.birthday.year == c.NO_YEAR:
        return card.birthday.strftime("--%m%d")
    return f"{card.birthday.year:04d}{card.birthday.month:02d}{card.birthday.day:02d}"


def card_lines(card: Card) -> Iterable[str]:
    yield from ("BEGIN:VCARD", "VERSION:4.0", f"FN:{escape(card.display_name)}",
                f"N:{escape(card.family_name)};{escape(card.given_name)};;;")
    if card.organisation:
        yield f"ORG:{escape(card.organisation)}"
    if card.title:
        yield f"TITLE:{escape(card.title)}"
    yield from (f"EMAIL:{escape(email)}" for email in card.emails)
    yield from (f"TEL:{escape(phone)}" for phone in card.phones)
    for address in card.addresses:
        parts = ("", address.extended, address.street, address.city, address.region, address.postal_code,
                 address.country)
        yield "ADR:" + ";".join(escape(part) for part in parts)
    # Addresses are URIs: only a backslash (which the reader would take for an escape) is.
    yield from ("URL:" + url.replace("\\", "\\\\") for url in card.urls)
    yield from (f"X-SOCIALPROFILE;TYPE={_param(key)}:{escape(handle)}" for key, handle in card.handles)
    if card.categories:
        yield "CATEGORIES:" + ",".join(escape(category) for category in card.categories)
    if card.language:
        yield f"LANG:{escape(card.language)}"
    if card.birthday:
        yield f"BDAY:{_birthday(card)}"
    if card.notes:
        yield f"NOTE:{escape(card.notes)}"
    yield "END:VCARD"


def write_vcards(cards: Iterable[Card]) -> str:
    """The cards as one vCard 4.0 file (CRLF line ends, lines folded at 75 octets)."""
    return "".join(fold(line) + "\r\n" for card in cards for line in card_lines(card))

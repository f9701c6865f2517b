"""A contact as the import and export formats see it (vCard, CSV): a `Card`, whatever
file it came from or goes to.

Everything a file says is untrusted: a `Card` keeps only clean text (no control
characters; newlines only in notes and street lines), cut to the lengths below, and at
most a few dozen items per list, so that a hostile file cannot smuggle NULs into the
database or bloat a contact. Building a card twice from its own fields gives the same
card, which is what lets the writers and the readers round-trip.

Social handles are (network key, handle) pairs in the form the network's own package
stores them (`parvis.networks.registry`); `resolve_handle` is the one place that turns
what a file says into such a pair, asking only the registry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from parvis.core.texts import FileSize, Text
from parvis.networks import registry

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_CARDS = 20_000

NAME_LENGTH = 200
EMAIL_LENGTH = 254  # RFC 5321's longest forward path
PHONE_LENGTH = 64
URL_LENGTH = 2000
HANDLE_LENGTH = 300
NOTES_LENGTH = 10_000
TAG_LENGTH = 100
LANGUAGE_LENGTH = 35  # a BCP 47 tag, generously
LIST_ITEMS = 50
ADDRESSES = 10

# A birthday without a year keeps this one (a leap year, so 29 February fits), as Apple
# Contacts does; the vCard writer says "--MMDD" for it.
NO_YEAR = 1604

# C0/C1 controls and the BOM: NUL breaks PostgreSQL text columns, the others corrupt
# pages and logs. Tabs and newlines are dealt with separately per field.
# Lone surrogates too: no database stores them (PostgreSQL refuses them in UTF-8).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\n\r\u2028\u2029]+")
_EMAIL = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+")
_NETWORK_KEY = re.compile(r"[a-z0-9_-]{1,40}")
_ESCAPED = re.compile("[\udc80-\udcff]")


class ImportRefused(ValueError):
    """The whole file is refused (too big, too many cards, not a format parvis reads)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.msgid)
        self.text = text

    def __str__(self) -> str:
        return self.text.render()


@dataclass(frozen=True)
class Problem:
    """What was wrong with one card or row: its number in the file (1 for the first card;
    for CSV the spreadsheet's row number, the header being row 1) and the property or
    column concerned ("" for the card as a whole)."""

    number: int
    field: str
    message: Text

    def __str__(self) -> str:
        return self.message.render()


@dataclass
class ImportResult:
    cards: list[Card] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    format: str = ""  # which format was read ("vcard", "google", "outlook", "parvis")


def line(value: Any, limit: int = NAME_LENGTH) -> str:
    """One line of clean text: controls gone, runs of spaces and line breaks made one
    space, cut to `limit` characters."""
    text = unicodedata.normalize("NFC", value) if isinstance(value, str) else ""
    return _SPACES.sub(" ", _CONTROLS.sub("", text)).strip()[:limit].strip()


def block(value: Any, limit: int = NOTES_LENGTH) -> str:
    """Clean text that keeps its line breaks (notes, street lines)."""
    text = unicodedata.normalize("NFC", value) if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\t", " ")
    lines = [line_.rstrip() for line_ in _CONTROLS.sub("", text).split("\n")]
    return "\n".join(lines).strip()[:limit].strip()


def _unique(values: Iterable[str], limit: int, *, fold: bool = False) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        key = value.casefold() if fold else value
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out[:limit]


def is_email(value: str) -> bool:
    return len(value) <= EMAIL_LENGTH and bool(_EMAIL.fullmatch(value))


@dataclass(frozen=True)
class Address:
    street: str = ""  # may hold several lines
    extended: str = ""  # building, floor, P.O. box
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "street", block(self.street, 2 * NAME_LENGTH))
        for name in ("extended", "postal_code", "city", "region", "country"):
            object.__setattr__(self, name, line(getattr(self, name)))

    def __bool__(self) -> bool:
        return any(getattr(self, item.name) for item in fields(self))


@dataclass(frozen=True)
class Card:
    """One contact. Frozen: its lists are cleaned when it is built and should be left as
    they are (build another card with `dataclasses.replace`)."""

    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    organisation: str = ""  # the outlet, for a journalist or a blogger
    title: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)  # (network key, handle)
    notes: str = ""
    categories: list[str] = field(default_factory=list)
    language: str = ""
    birthday: date | None = None

    def __post_init__(self) -> None:
        for name in ("given_name", "family_name", "organisation", "title"):
            object.__setattr__(self, name, line(getattr(self, name)))
        emails = (line(value, EMAIL_LENGTH + 1) for value in self.emails)
        object.__setattr__(self, "emails", _unique((value for value in emails if is_email(value)), LIST_ITEMS,
                                                   fold=True))
        object.__setattr__(self, "phones", _unique((line(value, PHONE_LENGTH) for value in self.phones), LIST_ITEMS))
        addresses = [address for address in self.addresses if isinstance(address, Address) and address]
        object.__setattr__(self, "addresses", list(dict.fromkeys(addresses))[:ADDRESSES])
        object.__setattr__(self, "urls", _unique((line(value, URL_LENGTH) for value in self.urls), LIST_ITEMS))
        object.__setattr__(self, "handles", _clean_handles(self.handles))
        object.__setattr__(self, "notes", block(self.notes))
        object.__setattr__(self, "categories", _unique((line(value, TAG_LENGTH) for value in self.categories),
                                                       LIST_ITEMS, fold=True))
        object.__setattr__(self, "language", line(self.language, LANGUAGE_LENGTH))
        if not isinstance(self.birthday, date):
            object.__setattr__(self, "birthday", None)
        object.__setattr__(self, "display_name", line(self.display_name) or self._derived_name())

    def _derived_name(self) -> str:
        """What a contacts app shows for a card without a name of its own."""
        named = line(f"{self.given_name} {self.family_name}")
        handle = self.handles[0][1] if self.handles else ""
        return named or self.organisation or (self.emails[0] if self.emails else "") or handle

    @property
    def identified(self) -> bool:
        """Whether the card says whom it is about: a name, an outlet, an e-mail address or
        a handle (a phone number alone is not enough to know whom parvis would add)."""
        return bool(self.display_name)


def _clean_handles(handles: Iterable[Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for pair in handles:
        if isinstance(pair, tuple | list) and len(pair) == 2:
            key, handle = line(pair[0], 40).lower(), line(pair[1], HANDLE_LENGTH)
            if _NETWORK_KEY.fullmatch(key) and handle and (key, handle) not in pairs:
                pairs.append((key, handle))
    return pairs[:LIST_ITEMS]


# -- handles -----------------------------------------------------------------------------

def network_named(label: str) -> str | None:
    """The key of the registered network a file's label names ("Mastodon", "bluesky",
    "X-MASTODON" minus its prefix): its key or brand name, case and spaces aside."""
    wanted = re.sub(r"[\s_-]+", "", label).casefold()
    if not wanted:
        return None
    return next((key for key, info in registry.NETWORKS.items()
                 if wanted in (key.casefold(), re.sub(r"[\s_-]+", "", info.label).casefold())), None)


def _is_address(value: str) -> bool:
    return bool(re.match(r"https?://", value, re.IGNORECASE))


def _normalised(key: str, value: str) -> str | None:
    """The handle as the network's package stores it, from a handle or a profile's address."""
    reader = registry.profile_reader(key)
    if reader is not None:
        found = reader.normalise(value)
        return str(found) if found else None
    # A network that reads no profiles: its own handle syntax, when it has one, decides;
    # otherwise a bare user name is taken as it is.
    info = registry.get(key)
    if _is_address(value) or re.search(r"\s", value) or len(value) > HANDLE_LENGTH:
        return None
    if info.handle_re is not None:
        return value if info.owns_handle(value) else None
    return "@" + value.lstrip("@") if value.lstrip("@") else None


def resolve_handle(value: str, hint: str = "") -> tuple[str, str] | None:
    """(network key, handle) for what a card says of an account: `value` is a handle
    ("@name@server", "@name.example.social") or a profile's address, `hint` the network
    the file names for it (a vCard TYPE, a label), if any. None when no registered network
    recognises it: an address then stays a plain link.

    A hint that names no registered network (an instant messenger, a network parvis does
    not know) stops the guessing: "name@server" in an XMPP field is not a fediverse handle.
    """
    value = line(value, URL_LENGTH)
    if not value:
        return None
    if hint:
        key = network_named(hint)
        found = _normalised(key, value) if key else None
        return (key, found) if key and found else None
    if _is_address(value):
        # Only one network may claim an address: two claims mean neither is sure.
        claims = [(key, found) for key in registry.NETWORKS
                  if (found := _normalised_by_reader(key, value))]
        return claims[0] if len(claims) == 1 else None
    key = registry.network_of_handle(value)
    found = _normalised(key, value) if key else None
    return (key, found) if key and found else None


def _normalised_by_reader(key: str, value: str) -> str | None:
    reader = registry.profile_reader(key)
    found = reader.normalise(value) if reader is not None else None
    return str(found) if found else None


# -- messages ----------------------------------------------------------------------------

def too_big(size: int) -> ImportRefused:
    return ImportRefused(Text.gettext("The file is too big (%(size)s); parvis reads contact files up to "
                                      "%(limit)s.", size=FileSize(size), limit=FileSize(MAX_FILE_BYTES)))


def too_many(count: int) -> ImportRefused:
    return ImportRefused(Text.gettext("The file holds more than %(limit)s contacts; split it into smaller files.",
                                      limit=MAX_CARDS))


def unnamed(number: int, kind: str = "") -> Problem:
    return Problem(number, kind, Text.gettext("This contact has neither a name nor an e-mail address; it was "
                                              "left out."))


def bad_email(number: int, where: str, value: str) -> Problem:
    return Problem(number, where, Text.gettext("“%(value)s” is not an e-mail address; it was left out.",
                                               value=line(value, 80)))


def bad_date(number: int, where: str, value: str) -> Problem:
    return Problem(number, where, Text.gettext("“%(value)s” is not a date parvis understands; the birthday was "
                                               "left out.", value=line(value, 80)))


def parse_date(text: str, *, day_first: bool = False) -> date | None:
    """A birthday as files write it: "1985-04-12", "19850412", "1985-04-12T00:00:00Z",
    "--04-12" or "--0412" (no year: `NO_YEAR`), "4/12/1985" (Outlook in English) or, with
    `day_first`, "12/04/1985" (Outlook in French). None for an empty value (Outlook's
    "0/0/00" too); ValueError for anything else."""
    text = text.strip()
    if not text or re.fullmatch(r"0{1,2}/0{1,2}/0{2,4}", text):
        return None
    if match := re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?", text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := re.fullmatch(r"--(\d{2})-?(\d{2})", text):
        return date(NO_YEAR, int(match[1]), int(match[2]))
    if match := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text):
        first, second = int(match[1]), int(match[2])
        day, month = (first, second) if day_first else (second, first)
        return date(int(match[3]), month, day)
    raise ValueError(text)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the codec it was read with: its BOM's (UTF-8, UTF-16 little
    or big endian) if it has one, else UTF-8 if it is valid UTF-8, else Windows-1252 (what
    Outlook and French Excel write), each undefined byte of which is read as Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        return data[2:].decode(codec, "replace"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return cp1252(data), "cp1252"


def cp1252(data: bytes) -> str:
    """Windows-1252 without failing: its five undefined bytes read as Latin-1 would."""
    text = data.decode("cp1252", "surrogateescape")
    return _ESCAPED.sub(lambda match: chr(ord(match[0]) - 0xDC00), text)


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise too_big(len(data))

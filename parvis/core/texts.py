"""Sentences parvis writes now for someone to read later — audit log entries,
notifications — kept as their source text and parameters, and translated when they are
read: each reader gets them in their own language, dates in their own zone and format.

`Text.gettext(msgid, **params)` and `Text.ngettext(singular, plural, count_key, **params)`
read like the gettext calls they defer, so `makemessages` finds their messages as usual.
Parameters are data (names, a post's text, a network's error message: never translated),
other `Text`s (parvis's own words, translated), aware datetimes (shown in the reader's
zone and language), dates, or `FileSize`s ("1.0 MB", "1,0 Mo"). A `Text` is stored as JSON
(`as_json`, `from_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Union

from django.template.defaultfilters import filesizeformat
from django.utils import dateformat, timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext


class FileSize(int):
    """A number of bytes, shown as the reader reads sizes ("1.0 MB", "1,0 Mo")."""


Param = Union[str, int, float, "Text", datetime, date]


def source_of(label: str | Promise) -> str:
    """The untranslated text of a lazy label (a model choice's label, say): with no
    language active, gettext answers with the message id itself."""
    with translation.override(None):
        return str(label)


def reader_datetime(value: datetime, with_zone: bool = False) -> str:
    """A date and time as the reader reads them: in the active zone, with the active
    language's month names and order ("3 déc. 2026, 14:05" in French), and the zone's
    abbreviation if asked (a notice read far from where it was written)."""
    shown = dateformat.format(timezone.localtime(value), pgettext("date and time format", "N j, Y, H:i"))
    return f"{shown} {dateformat.format(timezone.localtime(value), 'T')}" if with_zone else shown


@dataclass(frozen=True)
class Text:
    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)
    plural: str = ""
    count: str = ""  # the parameter that chooses between singular and plural

    @classmethod
    def gettext(cls, msgid: str, /, **params: Param) -> Text:
        return cls(msgid, params)

    @classmethod
    def ngettext(cls, singular: str, plural: str, count: str, /, **params: Param) -> Text:
        if not isinstance(params.get(count), int):
            raise ValueError(f"{count!r} must be an integer parameter")
        return cls(singular, params, plural, count)

    @classmethod
    def label(cls, lazy: str | Promise) -> Text:
        """A lazy label (`State.FAILED.label`) kept by its source text."""
        return cls(source_of(lazy))

    def render(self) -> str:
        """In the active language and time zone."""
        values = {key: _render(value) for key, value in self.params.items()}
        if self.plural:
            template = ngettext(self.msgid, self.plural, int(self.params[self.count]))  # type: ignore[arg-type]
        else:
            template = gettext(self.msgid)
        return template % values if values else template

    def render_in(self, language: str) -> str:
        if not language:
            return self.render()
        with translation.override(language):
            return self.render()

    def __str__(self) -> str:
        return self.render()

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"msgid": self.msgid, "params": {k: _dump(v) for k, v in self.params.items()}}
        if self.plural:
            data.update(plural=self.plural, count=self.count)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        params = {key: _load(value) for key, value in (data.get("params") or {}).items()}
        return cls(str(data["msgid"]), params, str(data.get("plural", "")), str(data.get("count", "")))


def _render(value: Param) -> str | int | float:
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, datetime):
        return reader_datetime(value, with_zone=True)
    if isinstance(value, date):
        return date_format(value)  # the reader's language's own date format
    if isinstance(value, FileSize):
        return str(filesizeformat(int(value)))
    return value


def _dump(value: Param) -> Any:
    if isinstance(value, Text):
        return {"text": value.as_json()}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, FileSize):
        return {"filesize": int(value)}
    if isinstance(value, str | int | float):
        return value
    return str(value)  # anything else is shown as it is now


def _load(value: Any) -> Param:
    if isinstance(value, dict) and "text" in value:
        return Text.from_json(value["text"])
    if isinstance(value, dict) and "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict) and "filesize" in value:
        return FileSize(value["filesize"])
    return value


def render(value: str | Text, language: str | None = None) -> str:
    """A stored sentence for a reader: a `Text` in `language` (else the active one), a
    plain string (written before texts were kept, or data) as it is."""
    if isinstance(value, Text):
        return value.render_in(language) if language else value.render()
    return value


def for_storage(value: str | Text) -> tuple[str, dict[str, Any] | None]:
    """A sentence to store now and read later: its plain text in the active language
    (the fallback, and what logs and old code read) and, for a `Text`, its JSON."""
    return (value.render(), value.as_json()) if isinstance(value, Text) else (value, None)


def shown(text: Mapping[str, Any] | None, fallback: str) -> str:
    """What a row stored: its `Text` (JSON) in the active language, else its plain text
    (a row written before texts were kept, or one whose text no longer renders: a page
    never fails over a stored sentence)."""
    if not text:
        return fallback
    try:
        return Text.from_json(text).render()
    except (KeyError, TypeError, ValueError):
        return fallback


class WordedError(Exception):
    """An error whose reason is parvis's own words (a `Text`, kept untranslated so that
    each reader gets it in their own language) or someone else's (a network's message,
    a system error: plain data, passed on as it came)."""

    def __init__(self, message: str | Text) -> None:
        super().__init__(message)
        self.text: Text | None = message if isinstance(message, Text) else None
        self.data = "" if isinstance(message, Text) else message

    @property
    def reason(self) -> str | Text:
        """What to store or pass on."""
        return self.text if self.text is not None else self.data

    @property
    def message(self) -> str:
        """In the active language (the request's, in a view)."""
        return self.text.render() if self.text is not None else self.data

    def __str__(self) -> str:
        # Forms and flash messages show str() too: the active language, like `message`.
        return self.message

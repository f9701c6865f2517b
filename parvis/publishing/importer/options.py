"""Post options in an import file (a blog article's title, a first comment): one column
per option, named `<network>.<option>`, the network a key of the registry and the option
a field of that network's options form (`NetworkInfo.options_form`). Nothing here knows
one network: the columns are whatever the forms declare.

- The file's header is matched against these columns in `read.map_headers` (case, accents,
  spaces, `_` and `-` aside, like the other columns); a column of that shape that names no
  network with options, or no option of its network, refuses the file, naming it.
- A cell goes to the network's form as typed, through `check_post` (`network_checks`),
  so that it is cleaned and checked exactly like the composer's and the API's options,
  and its errors land on its column. An option whose field takes a list (it cleans to
  one) is split like the accounts, media and labels cells: at `|` or line breaks, else at
  commas (`row_options` in `check`).
- A choice may be written as its value or its label, in any case (`public`, `Anyone`);
  a cell that is neither is refused by the form, and the message lists the values
  (a spreadsheet shows no list to pick from).
- An empty cell is no option: the form's default, or its "required" on that column.
- A row's options count only for the networks it posts to, as in the composer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from parvis.networks import registry
from parvis.publishing.network_checks import options_form
from parvis.publishing.types import FieldError

SEPARATOR = "."
ERROR_PREFIX = "options."  # `check_post` names an option's errors `options.<network>.<name>`


@dataclass(frozen=True)
class OptionColumn:
    network: str
    name: str
    field: forms.Field

    @property
    def column(self) -> str:
        return f"{self.network}{SEPARATOR}{self.name}"

    @property
    def network_label(self) -> str:
        return registry.get(self.network).label

    @property
    def label(self) -> str:
        return str(self.field.label or self.name)

    @property
    def required(self) -> bool:
        return bool(self.field.required)

    @property
    def takes_list(self) -> bool:
        return takes_list(self.network, self.name)

    @property
    def values(self) -> list[str]:
        """The values a choice takes (none for a free option)."""
        return [value for value, _label in _choices(self.field) if value]


@cache
def option_fields(network: str) -> dict[str, forms.Field]:
    """The fields of the network's options form, by name (none when it has no options)."""
    form_class = options_form(network)
    return dict(form_class().fields) if form_class is not None else {}


@cache
def takes_list(network: str, name: str) -> bool:
    """Whether this option holds several values: its field is a multiple choice, or cleans
    a list to a list (names typed separated by commas). A cell for it is split."""
    field = option_fields(network).get(name)
    if field is None:
        return False
    if isinstance(field, forms.MultipleChoiceField):
        return True
    try:
        return isinstance(field.clean(["a", "b"]), list)
    except (forms.ValidationError, TypeError, ValueError):
        return False


def option_columns(networks: Iterable[str] | None = None) -> list[OptionColumn]:
    """Every option column of these networks (default: all), in the registry's order."""
    wanted = set(registry.NETWORKS if networks is None else networks)
    return [OptionColumn(network, name, field) for network in registry.NETWORKS if network in wanted
            for name, field in option_fields(network).items()]


def example(option: OptionColumn, text: str) -> str:
    """A value for the template's row with this text: only for a required option (any
    other made-up value could be wrong for the account, a category its site lacks)."""
    field = option.field
    if not field.required:
        return ""
    if isinstance(field, forms.ChoiceField):
        choices = cast("Iterable[tuple[Any, Any]]", field.choices)
        return next((str(value) for value, _label in choices if value), "")
    if isinstance(field, forms.CharField):
        return text.split("#", 1)[0].strip()[:field.max_length]
    return ""


def _choices(field: forms.Field) -> list[tuple[str, str]]:
    """(value, label) of a choice field's choices (groups flattened); none for another field."""
    if not isinstance(field, forms.ChoiceField):
        return []
    flat: list[tuple[str, str]] = []
    for value, label in cast("Iterable[tuple[Any, Any]]", field.choices):
        if isinstance(label, list | tuple):
            flat += [(str(v), str(lbl)) for v, lbl in label]
        else:
            flat.append((str(value), str(label)))
    return flat


@cache
def _choice_spellings(network: str, name: str) -> dict[str, str]:
    """A choice's value by its value and its label in every language parvis speaks, in
    any case: a file checked in one language is imported in its uploader's, which an
    API client's request may not have used."""
    spellings: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in _choices(option_fields(network)[name]):
                spellings.setdefault(label.casefold(), value)
    for value, _label in _choices(option_fields(network)[name]):
        spellings[value.casefold()] = value  # a value wins over a label spelt the same
    return spellings


def cell_value(network: str, name: str, cell: str) -> Any:
    """What the option's form is given for this cell (or one item of a list): the value of
    a choice written as its value or its label, in any case; else the cell as typed."""
    return _choice_spellings(network, name).get(cell.casefold(), cell)


def choices_hint(error: FieldError) -> str:
    """For a choice the form refused, the values it takes (" Write one of: a, b."); "" else."""
    column = error_column(error.field)
    if column is None or error.code != "invalid_choice":
        return ""
    network, name = column.split(SEPARATOR, 1)
    values = OptionColumn(network, name, option_fields(network)[name]).values
    return " " + _("Write one of: %(values)s.") % {"values": ", ".join(values)} if values else ""


def split_column(column: str) -> tuple[str, str] | None:
    """(network, option) of a known option column, else None."""
    network, sep, name = column.partition(SEPARATOR)
    if not sep or name not in option_fields(network):
        return None
    return network, name


def error_column(field: str) -> str | None:
    """The column of an error on `options.<network>.<name>`; None for another field."""
    if not field.startswith(ERROR_PREFIX):
        return None
    found = split_column(field.removeprefix(ERROR_PREFIX))
    return f"{found[0]}{SEPARATOR}{found[1]}" if found else None


def columns_in(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The option columns a checked file's rows hold, in the file's order, then those only
    an error names (a required option the file has no column for)."""
    seen: dict[str, None] = {}
    for row in rows:
        for column in [*row["values"], *row["errors"]]:
            if SEPARATOR in column:
                seen.setdefault(column)
    return list(seen)

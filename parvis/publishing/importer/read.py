"""Reading an import file: its bytes as text (UTF-8, UTF-16 with its BOM, else
Windows-1252, what Excel in French saves), its separator, its columns (named in English or
French, in any order), its rows; and the template a person fills in."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.models import Workspace
from parvis.networks import registry
from parvis.publishing.importer import options as import_options
from parvis.publishing.models import ImportBatch

MAX_BYTES = 5 * 1024 * 1024
COLUMNS = ("date", "time", "timezone", "text", "accounts", "media", "campaign", "labels")
REQUIRED = ("date", "time", "text", "accounts")
FRENCH_HEADERS = ("date", "heure", "fuseau", "texte", "comptes", "médias", "campagne", "étiquettes")
COLUMN_LABELS = {
    "date": gettext_lazy("date"), "time": gettext_lazy("time"), "timezone": gettext_lazy("time zone"),
    "text": gettext_lazy("text"), "accounts": gettext_lazy("accounts"), "media": gettext_lazy("media"),
    "campaign": gettext_lazy("campaign"), "labels": gettext_lazy("labels"), "row": gettext_lazy("row"),
}
# Header spellings, compared without case, accents, spaces or underscores.
HEADER_ALIASES = {
    "date": "date", "day": "date", "jour": "date",
    "time": "time", "hour": "time", "heure": "time",
    "timezone": "timezone", "tz": "timezone", "zone": "timezone", "fuseau": "timezone",
    "fuseauhoraire": "timezone",
    "text": "text", "texte": "text", "message": "text",
    "accounts": "accounts", "account": "accounts", "comptes": "accounts", "compte": "accounts",
    "media": "media", "medias": "media", "images": "media", "image": "media",
    "campaign": "campaign", "campagne": "campaign",
    "labels": "labels", "label": "labels", "etiquettes": "labels", "etiquette": "labels",
}
DELIMITERS = (",", ";", "\t")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportFileError(ValueError):
    """The file as a whole cannot be read: its message says why and what to do."""


# -- reading the file --------------------------------------------------------------------

def not_csv_message() -> str:
    return _("This is not a CSV text file. Save the spreadsheet as “CSV UTF-8” (or “CSV”) and upload that file.")


def decode(raw: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read as. UTF-8 (with or without BOM);
    UTF-16 only with its BOM (Excel's "Unicode text"); otherwise Windows-1252, what Excel
    in French saves as plain "CSV". Anything with NUL or control bytes is not a text file."""
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(not_csv_message()) from None
    elif b"\x00" in raw:
        raise ImportFileError(not_csv_message())
    else:
        try:
            text, encoding = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                raise ImportFileError(not_csv_message()) from None
    if CONTROL.search(text):
        raise ImportFileError(not_csv_message())
    return text, encoding


def sniff_delimiter(text: str) -> str:
    """The header line names the columns, so the separator is whichever of , ; or tab it
    holds most (French Excel writes ";")."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def normalise_header(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff")).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-]+", "", plain.lower())


def map_headers(header: list[str]) -> dict[int, str]:
    """Cell position → column name (`network.option` for a post option), or
    ImportFileError naming the unknown or missing ones."""
    positions: dict[int, str] = {}
    unknown, unknown_options, seen = [], [], set()
    for index, name in enumerate(header):
        if not name.strip():
            continue  # the empty columns spreadsheets leave at the end
        if import_options.SEPARATOR in name:
            column, problem = option_header(name.strip())
            if problem:
                unknown_options.append(problem)
                continue
        else:
            column = HEADER_ALIASES.get(normalise_header(name))
        if column is None:
            unknown.append(name.strip())
        elif column in seen:
            raise ImportFileError(_("The column “%(name)s” appears twice.") % {"name": name.strip()})
        else:
            seen.add(column)
            positions[index] = column
    expected = ", ".join(COLUMNS)
    problems = []
    if unknown:
        problems.append(_("Unknown column(s): %(names)s. The columns are: %(expected)s.")
                        % {"names": ", ".join(f"“{n}”" for n in unknown), "expected": expected})
    if unknown or unknown_options:
        raise ImportFileError(" ".join([*problems, *unknown_options, options_hint()]))
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise ImportFileError(_("Missing column(s): %(names)s. The first line must name the columns: "
                                "%(expected)s.") % {"names": ", ".join(missing), "expected": expected})
    return positions


def option_header(name: str) -> tuple[str | None, str]:
    """The option column a header names (`WordPress.Title` → `wordpress.title`), or why
    it names none."""
    network_part, _sep, option_part = name.partition(import_options.SEPARATOR)
    wanted = normalise_header(network_part)
    network = next((key for key, info in registry.NETWORKS.items()
                    if wanted in {normalise_header(key), normalise_header(info.label)}), None)
    columns = import_options.option_columns([network] if network else [])
    if not columns:
        with_options = ", ".join(sorted({c.network for c in import_options.option_columns()}))
        if network:
            return None, _("The column “%(name)s”: %(network)s posts have no options (the networks that have "
                           "some: %(networks)s).") % {"name": name, "network": registry.get(network).label,
                                                      "networks": with_options}
        return None, _("The column “%(name)s” names no network with post options (those that have some: "
                       "%(networks)s).") % {"name": name, "networks": with_options}
    found = next((c for c in columns if normalise_header(c.name) == normalise_header(option_part)), None)
    if found is None:
        return None, _("The column “%(name)s” names no option of %(network)s; its option columns are: "
                       "%(columns)s.") % {"name": name, "network": columns[0].network_label,
                                          "columns": ", ".join(c.column for c in columns)}
    return found.column, ""


def options_hint() -> str:
    columns = import_options.option_columns()
    if not columns:
        return ""
    return _("A post option is a column named network.option, like %(example)s.") % {"example": columns[0].column}


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str], bool]]:
    """(line, values by column, too many cells) for every non-blank row. `line` is the row
    number a spreadsheet shows (the header is row 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        positions = map_headers(header)
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            values = {column: "" for column in (*COLUMNS, *positions.values())}
            for index, column in positions.items():
                if index < len(cells):
                    values[column] = cells[index].strip()
            extra = any(cell.strip() for cell in cells[len(header):])
            yield line, values, extra
    except csv.Error as exc:
        raise ImportFileError(_("The CSV cannot be read near row %(line)d: %(error)s")
                              % {"line": reader.line_num, "error": exc}) from exc


def read_upload(upload: IO[bytes]) -> bytes:
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("The file is too large: %(max)d MB at most. Split it into several files.")
                              % {"max": MAX_BYTES // (1024 * 1024)})
    return raw


def encoding_notice(batch: ImportBatch) -> str:
    if batch.encoding == "windows-1252":
        return _("The file was not UTF-8: it was read as Windows-1252 (what Excel saves as “CSV”). Check that "
                 "accented letters look right below; if not, save it as “CSV UTF-8” and upload it again.")
    return ""


# -- the template ------------------------------------------------------------------------

def template_csv(workspace: Workspace, french: bool | None = None) -> str:
    """An example file to fill in: the header and three rows using the workspace's own
    accounts, dated next week, with the option columns of their networks (a required one
    filled in on the rows that post there). French workspaces get French headers and ";"
    (what Excel in French expects); both are accepted on import."""
    french = workspace.language == "fr" if french is None else french
    accounts = list(workspace.social_accounts.all()[:3])
    first = next(iter(registry.NETWORKS.values()))
    handles = [f"{a.network}:{a.handle}" for a in accounts] or [f"{first.key}:{first.handle_example}"]
    campaign = workspace.campaigns.filter(archived=False).values_list("name", flat=True).first() or ""
    day = timezone.localdate() + timedelta(days=7)
    if french:
        rows = [[day.strftime("%d/%m/%Y"), "09:30", "", "Nouvelle fournée ce matin ! #boulangerie",
                 " | ".join(handles), "", campaign, "annonce"],
                [(day + timedelta(days=1)).strftime("%d/%m/%Y"), "18h00", workspace.timezone,
                 "Dernière chance pour la galette des rois.", handles[0], "", "", "promo, galette"]]
    else:
        rows = [[day.isoformat(), "09:30", "", "Fresh bread this morning! #bakery", " | ".join(handles), "",
                 campaign, "announcement"],
                [(day + timedelta(days=1)).isoformat(), "18:00", workspace.timezone, "Last chance for the king cake.",
                 handles[0], "", "", "promo, cake"]]
    rows.append([(day + timedelta(days=2)).isoformat(), "12:15", "America/Montreal",
                 "Bonjour Montréal !" if french else "Hello Montreal!", handles[-1], "", "", ""])
    options = import_options.option_columns({a.network for a in accounts})
    posting = [{a.network for a in accounts}, {a.network for a in accounts[:1]}, {a.network for a in accounts[-1:]}]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow([*(FRENCH_HEADERS if french else COLUMNS), *(o.column for o in options)])
    for row, networks in zip(rows, posting, strict=True):
        text = row[COLUMNS.index("text")]
        writer.writerow([*row, *(import_options.example(o, text) if o.network in networks else "" for o in options)])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read the accents as UTF-8

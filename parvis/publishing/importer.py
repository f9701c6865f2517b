"""Bulk import of posts from a CSV file.

Two steps, so that nothing is created from a file nobody has looked at: `validate` reads
the file and checks every row with the composer's own rules (`check_post`), storing each
row with its errors on an `ImportBatch`; `run_import` then creates the valid rows in
chunks, in the background, checking each row again at creation.

Decisions a person meets in the messages:
- accounts are matched only within the workspace, by handle or `network:handle`;
- media are names of files in the workspace's media library, or http(s) addresses of
  images and videos. Checking only looks at an address (well formed, not a private
  network address, see `parvis.core.http.check_url`): downloading thousands of files
  belongs to the import, not to a check. The import downloads each address once per run
  (capped at the library's size limits, outside the chunk's transaction), adds the file
  to the library (the same bytes are stored once) and attaches it like a library file;
  a download that fails refuses that row only, with a message naming the address;
- an unknown campaign is an error naming it (campaigns carry UTM names and dates that a
  CSV cell cannot set); unknown labels are created at import (a label is only a name).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.networks.models import SocialAccount
from parvis.publishing import import_lease, library
from parvis.publishing.actions import save_post
from parvis.publishing.crashpoints import crashpoint
from parvis.publishing.import_media import check_media_url, download_media, is_url
from parvis.publishing.models import Campaign, ImportBatch, Label, MediaAsset, Post
from parvis.publishing.post_input import PostValues, read_post
from parvis.publishing.schedule import parse_timezone, unknown_timezone_message
from parvis.publishing.types import FieldError, MediaInfo, PostInput, PostValidationError
from parvis.publishing.validation import check_post

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
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
ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: 00:00(?::00)?)?$")
TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::(\d{2}))?$")
# Which column a `check_post` field belongs to; anything else (charter rules, …) is about the text.
FIELD_COLUMNS = {"text": "text", "accounts": "accounts", "media": "media", "timezone": "timezone",
                 "scheduled_at": "date", "campaign": "campaign", "labels": "labels"}
WHEN_COLUMNS = ("date", "time", "timezone")
# A media cell that is meant as a web address (`ftp://…` and `http:` too, to say why they fail).


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
    """Cell position → column name, or ImportFileError naming the unknown or missing ones."""
    positions: dict[int, str] = {}
    unknown, seen = [], set()
    for index, name in enumerate(header):
        if not name.strip():
            continue  # the empty columns spreadsheets leave at the end
        column = HEADER_ALIASES.get(normalise_header(name))
        if column is None:
            unknown.append(name.strip())
        elif column in seen:
            raise ImportFileError(_("The column “%(name)s” appears twice.") % {"name": name.strip()})
        else:
            seen.add(column)
            positions[index] = column
    expected = ", ".join(COLUMNS)
    if unknown:
        raise ImportFileError(_("Unknown column(s): %(names)s. The columns are: %(expected)s.")
                              % {"names": ", ".join(f"“{n}”" for n in unknown), "expected": expected})
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise ImportFileError(_("Missing column(s): %(names)s. The first line must name the columns: "
                                "%(expected)s.") % {"names": ", ".join(missing), "expected": expected})
    return positions


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
            values = {column: "" for column in COLUMNS}
            for index, column in positions.items():
                if index < len(cells):
                    values[column] = cells[index].strip()
            extra = any(cell.strip() for cell in cells[len(header):])
            yield line, values, extra
    except csv.Error as exc:
        raise ImportFileError(_("The CSV cannot be read near row %(line)d: %(error)s")
                              % {"line": reader.line_num, "error": exc}) from exc


# -- checking one row --------------------------------------------------------------------

def split_list(value: str) -> list[str]:
    """`a, b` or `a | b` (or one per line in the cell)."""
    parts = re.split(r"[|\n]", value) if re.search(r"[|\n]", value) else value.split(",")
    return [p.strip() for p in parts if p.strip()]


def handle_key(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


@dataclass
class Context:
    """What every row is checked against, loaded once per file (no query per row)."""

    workspace: Workspace
    default_timezone: str
    now: datetime
    accounts: list[SocialAccount]
    account_keys: dict[str, list[SocialAccount]]
    campaigns: dict[str, Campaign]
    labels: dict[str, Label]
    assets: dict[str, MediaAsset | None] = field(default_factory=dict)
    # Web addresses in the media column: checked at validation, downloaded at import only.
    fetch_urls: bool = False
    author: User | None = None
    url_errors: dict[str, str] = field(default_factory=dict)
    downloads: dict[str, MediaAsset | str] = field(default_factory=dict)  # the asset, or why not

    def asset(self, name: str) -> MediaAsset | None:
        if name not in self.assets:
            self.assets[name] = library.find_asset_by_name(self.workspace, name)
        return self.assets[name]

    def url_error(self, url: str) -> str:
        """Why this address cannot be used ("" if it can), without fetching it."""
        if url not in self.url_errors:
            self.url_errors[url] = check_media_url(url)
        return self.url_errors[url]

    def download(self, url: str) -> MediaAsset | str:
        """The library asset for this address, downloading it the first time in this run;
        or the message saying why it cannot be used."""
        if url not in self.downloads:
            self.downloads[url] = download_media(self.workspace, self.author, url)
        return self.downloads[url]


def load_context(workspace: Workspace, default_timezone: str = "", now: datetime | None = None) -> Context:
    accounts = list(workspace.social_accounts.all())
    keys: dict[str, list[SocialAccount]] = {}
    for account in accounts:
        handle = handle_key(account.handle)
        # "@brand" is enough for "@brand@example.social" (unless two servers have a "brand").
        handles = {handle, handle.split("@", 1)[0]} if account.network == "mastodon" else {handle}
        names = {f"{prefix}{h}" for h in handles
                 for prefix in ("", f"{account.network}:", f"{account.network_label.casefold()}:")}
        if account.profile_url:
            names.add(account.profile_url.rstrip("/").casefold())
        for name in names:
            keys.setdefault(name, []).append(account)
    return Context(
        workspace=workspace, default_timezone=default_timezone or workspace.timezone, now=now or timezone.now(),
        accounts=accounts, account_keys=keys,
        campaigns={c.name.casefold(): c for c in workspace.campaigns.all()},
        labels={label.name.casefold(): label for label in workspace.labels.all()},
    )


@dataclass
class RowCheck:
    errors: dict[str, list[str]] = field(default_factory=dict)
    post_input: PostInput | None = None
    new_labels: list[str] = field(default_factory=list)

    def add(self, column: str, message: str) -> None:
        messages = self.errors.setdefault(column, [])
        if message not in messages:
            messages.append(message)


def parse_date(raw: str) -> tuple[date | None, str]:
    if not raw:
        return None, _("Enter the date, like 2026-12-24 or 24/12/2026.")
    if match := ISO_DATE.match(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := FRENCH_DATE.match(raw):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None, _("“%(value)s” is not a date: write it like 2026-12-24 or 24/12/2026.") % {"value": raw}
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, _("“%(value)s” is not a day of the calendar: check the day and the month.") % {"value": raw}


def parse_time(raw: str) -> tuple[str, str]:
    """`18:30`, `9h30`, `18h`, `18:30:00` → "18:30"."""
    if not raw:
        return "", _("Enter the time, like 18:30.")
    match = TIME.match(raw)
    hour, minute = (int(match.group(1)), int(match.group(2) or 0)) if match else (99, 99)
    if hour > 23 or minute > 59 or (match and match.group(3) and int(match.group(3)) > 59):
        return "", _("“%(value)s” is not a time: write it like 18:30.") % {"value": raw}
    return f"{hour:02d}:{minute:02d}", ""


def resolve_accounts(ctx: Context, raw: str, check: RowCheck) -> list[SocialAccount]:
    found: dict[int, SocialAccount] = {}
    for token in split_list(raw):
        key = token.rstrip("/").casefold() if "://" in token else token
        if "://" not in token and ":" in token:
            prefix, _sep, rest = token.partition(":")
            key = f"{prefix.strip().casefold()}:{handle_key(rest)}"
        elif "://" not in token:
            key = handle_key(token)
        matches = ctx.account_keys.get(key, [])
        if len(matches) == 1:
            found[matches[0].pk] = matches[0]
        elif matches:
            check.add("accounts", _("“%(value)s” matches several accounts: write it as network:handle, for "
                                    "example mastodon:%(value)s.") % {"value": token})
        else:
            known = ", ".join(f"{a.network}:{a.handle}" for a in ctx.accounts[:6]) or _("none yet")
            check.add("accounts", _("“%(value)s” is not an account of this workspace (its accounts: %(known)s).")
                      % {"value": token, "known": known})
    return list(found.values())


def resolve_media(ctx: Context, raw: str, check: RowCheck) -> list[MediaInfo]:
    infos = []
    for name in split_list(raw):
        if is_url(name):
            if error := ctx.url_error(name):
                check.add("media", error)
            elif ctx.fetch_urls:
                found = ctx.download(name)
                if isinstance(found, str):
                    check.add("media", found)
                else:
                    infos.append(library.media_info(found))
            continue  # checking only: the file is downloaded at import
        asset = ctx.asset(name)
        if asset is None:
            check.add("media", _("No file named “%(value)s” in the media library of this workspace.")
                      % {"value": name})
            continue
        infos.append(library.media_info(asset))  # with its id: save_post attaches it, checks its rights
    return infos


def resolve_labels(ctx: Context, raw: str, check: RowCheck) -> list[Label]:
    labels = []
    for name in split_list(raw):
        if len(name) > Label._meta.get_field("name").max_length:  # type: ignore[operator]
            check.add("labels", _("“%(value)s” is too long for a label (60 characters at most).")
                      % {"value": name[:60] + "…"})
        elif name.casefold() in ctx.labels:
            labels.append(ctx.labels[name.casefold()])
        elif name not in check.new_labels:
            check.new_labels.append(name)
    return labels


def check_row(ctx: Context, values: dict[str, str]) -> RowCheck:
    """Every error of one row by column, and what to create it from if there is none. The
    cells are read here (dates and times as spreadsheets write them, accounts by handle,
    media and campaigns by name); the post is built from them by `read_post`."""
    check = RowCheck()
    day, date_error = parse_date(values.get("date", ""))
    if date_error:
        check.add("date", date_error)
    clock, time_error = parse_time(values.get("time", ""))
    if time_error:
        check.add("time", time_error)
    accounts = resolve_accounts(ctx, values.get("accounts", ""), check)
    media = resolve_media(ctx, values.get("media", ""), check)
    campaign = None
    if name := values.get("campaign", ""):
        campaign = ctx.campaigns.get(name.casefold())
        if campaign is None:
            check.add("campaign", _("No campaign named “%(value)s” in this workspace: create it first, or leave "
                                    "the cell empty.") % {"value": name})
    labels = resolve_labels(ctx, values.get("labels", ""), check)
    read = read_post(ctx.workspace, PostValues(
        text=values.get("text", ""), mode="schedule", accounts=accounts, media=media, campaign=campaign,
        labels=labels, timezone=values.get("timezone") or ctx.default_timezone,
        scheduled_at=f"{day.isoformat()}T{clock}" if day and clock else None))
    for error in read.errors:  # the zone, or a time that does not exist that day (DST)
        check.add("time" if error.field == "scheduled_at" else column_of(error), error.message)
    when_failed = any(column in check.errors for column in WHEN_COLUMNS)
    for error in check_post(read.post_input, now=ctx.now):
        column = column_of(error)
        if column in WHEN_COLUMNS and when_failed:
            continue  # the cell's own message already says what is wrong with the date
        if column == "accounts" and error.code == "required" and check.errors.get("accounts"):
            continue
        check.add(column, error.message)
    check.errors = {column: check.errors[column] for column in (*COLUMNS, "row") if column in check.errors}
    if not check.errors:
        check.post_input = read.post_input
    return check


def column_of(error: FieldError) -> str:
    return FIELD_COLUMNS.get(error.field.split(".", 1)[0], "text")


# -- step 1: validate --------------------------------------------------------------------

def read_upload(upload: IO[bytes]) -> bytes:
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("The file is too large: %(max)d MB at most. Split it into several files.")
                              % {"max": MAX_BYTES // (1024 * 1024)})
    return raw


def validate(workspace: Workspace, upload: IO[bytes], *, user: User | None = None, filename: str = "",
             default_timezone: str = "") -> ImportBatch:
    """Read and check every row; store the batch (status "checked"). Creates no post.
    Raises ImportFileError when the file as a whole cannot be used."""
    if default_timezone and parse_timezone(default_timezone) is None:
        raise ImportFileError(unknown_timezone_message(default_timezone))
    text, encoding = decode(read_upload(upload))
    ctx = load_context(workspace, default_timezone)
    rows: list[dict[str, Any]] = []
    for line, values, extra in read_rows(text):
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("Too many rows: %(max)s at most per file. Split it into several files.")
                                  % {"max": f"{MAX_ROWS:,}".replace(",", " ")})
        values["timezone"] = values["timezone"] or ctx.default_timezone
        check = check_row(ctx, values)
        if extra:
            check.add("row", _("This row has more cells than the header has columns."))
        rows.append({"line": line, "values": values, "errors": check.errors, "post": None,
                     "new_labels": check.new_labels})
    if not rows:
        raise ImportFileError(_("The file has a header but no rows to import."))
    valid = sum(1 for row in rows if not row["errors"])
    return ImportBatch.objects.create(
        workspace=workspace, created_by=user, filename=(filename or getattr(upload, "name", "") or "import.csv")[:255],
        encoding=encoding, total_rows=len(rows), valid_rows=valid, rows=rows)


def row_messages(row: dict[str, Any]) -> list[str]:
    """"Row 14, time: …" for each error of a row."""
    return [_("Row %(line)d, %(column)s: %(message)s") % {"line": row["line"], "column": COLUMN_LABELS.get(c, c),
                                                          "message": message}
            for c, messages in row["errors"].items() for message in messages]


def encoding_notice(batch: ImportBatch) -> str:
    if batch.encoding == "windows-1252":
        return _("The file was not UTF-8: it was read as Windows-1252 (what Excel saves as “CSV”). Check that "
                 "accented letters look right below; if not, save it as “CSV UTF-8” and upload it again.")
    return ""


# -- step 2: import ----------------------------------------------------------------------

def start_import(batch: ImportBatch) -> bool:
    """Queue the import of the valid rows; False if there is nothing to import or it is
    already running. A failed import, or one whose run died, can be started again: it
    resumes (the rows already created are skipped)."""
    if not batch.valid_rows:
        return False
    now = timezone.now()
    startable = Q(status__in=[ImportBatch.Status.VALIDATED, ImportBatch.Status.FAILED]) | import_lease.stale(now)
    started = ImportBatch.objects.filter(startable, pk=batch.pk).update(
        status=ImportBatch.Status.IMPORTING, error="", finished_at=None, enqueued_at=now)
    if started:
        import_lease.enqueue(batch.pk, now)
        batch.refresh_from_db()
    return bool(started)


def pending(rows: list[dict[str, Any]]) -> list[int]:
    """Indexes of valid rows not yet created nor refused at creation."""
    return [i for i, row in enumerate(rows) if not row["errors"] and not row.get("post")]


def chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_import(batch: ImportBatch, chunk_size: int | None = None) -> ImportBatch:
    """Create a post for every valid row, `chunk_size` rows per transaction, recording the
    post's id on its row in the same transaction: running it again (a retry, a second
    click, a crash half-way) skips what exists. Each row is checked again first; a row
    that became invalid (an account removed, a time now past) gets its errors instead.
    One run at a time holds the batch (`import_lease`); another returns at once.

    It runs in the language of the person who uploaded the file (else the workspace's),
    not the worker's: what it writes on the rows (a file that could not be downloaded, a
    row now invalid) reads like the checks they saw when uploading."""
    with translation.override(_uploader_language(batch)):
        return _run_import(batch, chunk_size)


def _uploader_language(batch: ImportBatch) -> str:
    uploader = batch.created_by
    return (uploader.language if uploader else "") or batch.workspace.language or settings.LANGUAGE_CODE


def _run_import(batch: ImportBatch, chunk_size: int | None) -> ImportBatch:
    lease = import_lease.claim(batch.pk)
    if lease is None:
        batch.refresh_from_db()
        return batch  # done, or a live run has it
    batch.refresh_from_db()
    try:
        ctx = load_context(batch.workspace)
        ctx.fetch_urls, ctx.author = True, batch.created_by
        _create_labels(ctx, batch.rows)
        for indexes in chunks(pending(batch.rows), chunk_size or settings.PARVIS_IMPORT_CHUNK_ROWS):
            for index in indexes:  # downloads are slow: say we are alive between rows
                lease.renew_if_half_gone()
                _download_media(ctx, batch.rows, [index])
            _run_chunk(batch.pk, ctx, indexes, lease)
            crashpoint("import_chunk")
    except import_lease.LeaseLost:
        log.warning("import %s: taken over by another run after ours was taken for dead", batch.pk)
        batch.refresh_from_db()
        return batch
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the batch; done chunks stay
        log.exception("import %s failed", batch.pk)
        import_lease.release(
            lease, status=ImportBatch.Status.FAILED, finished_at=timezone.now(),
            error=_("The import stopped: %(error)s. The posts created before remain; start it again to "
                    "import the rest.") % {"error": exc})
        batch.refresh_from_db()
        return batch
    _finish(batch, lease)
    return batch


def _create_labels(ctx: Context, rows: list[dict[str, Any]]) -> None:
    names = {n.casefold(): n for i in pending(rows) for n in rows[i].get("new_labels", [])}
    missing = [name for key, name in names.items() if key not in ctx.labels]
    if missing:
        with transaction.atomic():
            for name in missing:
                label, _created = Label.objects.get_or_create(workspace=ctx.workspace, name=name)
                ctx.labels[name.casefold()] = label


def _download_media(ctx: Context, rows: list[dict[str, Any]], indexes: list[int]) -> None:
    """Download the chunk's web addresses before its transaction takes the batch's lock
    (a slow server must not hold it); each address once per run (`Context.download`)."""
    for index in indexes:
        for value in split_list(rows[index]["values"].get("media", "")):
            if is_url(value) and not ctx.url_error(value):
                ctx.download(value)


def _run_chunk(batch_id: int, ctx: Context, indexes: list[int], lease: import_lease.Lease) -> None:
    with transaction.atomic():
        # The lock (SQLite: the IMMEDIATE transaction) makes the lease check and the
        # chunk one step: a run taken for dead records nothing once another has the batch.
        locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
        lease.check_and_extend(locked)
        rows = locked.rows
        author = locked.created_by
        for index in indexes:
            row = rows[index]
            if not row["errors"] and not row.get("post"):
                _create_row(ctx, author, row)
                crashpoint("import_row")
        locked.processed_rows = sum(1 for row in rows if row.get("post") or row.get("import_failed"))
        locked.created_posts = sum(1 for row in rows if row.get("post"))
        locked.save(update_fields=["rows", "processed_rows", "created_posts", "lease_expires_at"])


def _create_row(ctx: Context, author: User | None, row: dict[str, Any]) -> None:
    check = check_row(ctx, row["values"])
    if check.post_input is None:
        row["errors"], row["import_failed"] = check.errors, True
        return
    try:
        post = save_post(ctx.workspace, author, check.post_input)  # type: ignore[arg-type]  # None: author left
    except PostValidationError as exc:
        errors = RowCheck()
        for error in exc.errors:
            errors.add(column_of(error), error.message)
        row["errors"], row["import_failed"] = errors.errors, True
        return
    row["post"] = post.pk


def _finish(batch: ImportBatch, lease: import_lease.Lease) -> None:
    with transaction.atomic():
        done = import_lease.release(lease, status=ImportBatch.Status.DONE, finished_at=timezone.now())
        batch.refresh_from_db()
        if not done:
            return
        failed = batch.processed_rows - batch.created_posts
        summary = Text.ngettext("%(count)d post imported from %(file)s", "%(count)d posts imported from %(file)s",
                                "count", count=batch.created_posts, file=batch.filename)
        if failed:
            summary = Text.gettext("%(imported)s; %(refused)s", imported=summary, refused=Text.ngettext(
                "%(count)d row refused at creation", "%(count)d rows refused at creation", "count", count=failed))
        record(batch.workspace, "posts.imported", actor=batch.created_by, target=batch, summary=summary)
        if batch.created_by is not None:
            from parvis.accounts.actions import notify

            notify([batch.created_by], batch.workspace, "import_done", summary, summary,
                   reverse("web:import_detail", args=[batch.workspace_id, batch.pk]))


def created_posts(batch: ImportBatch) -> list[Post]:
    ids = [row["post"] for row in batch.rows if row.get("post")]
    return list(Post.objects.filter(pk__in=ids, workspace=batch.workspace))


# -- the template ------------------------------------------------------------------------

def template_csv(workspace: Workspace, french: bool | None = None) -> str:
    """An example file to fill in: the header and three rows using the workspace's own
    accounts, dated next week. French workspaces get French headers and ";" (what Excel
    in French expects); both are accepted on import."""
    french = workspace.language == "fr" if french is None else french
    accounts = list(workspace.social_accounts.all()[:3])
    handles = [f"{a.network}:{a.handle}" for a in accounts] or ["mastodon:@brand@example.social"]
    campaign = workspace.campaigns.filter(archived=False).values_list("name", flat=True).first() or ""
    day = timezone.localdate() + timedelta(days=7)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(FRENCH_HEADERS if french else COLUMNS)
    if french:
        writer.writerow([day.strftime("%d/%m/%Y"), "09:30", "", "Nouvelle fournée ce matin ! #boulangerie",
                         " | ".join(handles), "", campaign, "annonce"])
        writer.writerow([(day + timedelta(days=1)).strftime("%d/%m/%Y"), "18h00", workspace.timezone,
                         "Dernière chance pour la galette des rois.", handles[0], "", "", "promo, galette"])
    else:
        writer.writerow([day.isoformat(), "09:30", "", "Fresh bread this morning! #bakery", " | ".join(handles),
                         "", campaign, "announcement"])
        writer.writerow([(day + timedelta(days=1)).isoformat(), "18:00", workspace.timezone,
                         "Last chance for the king cake.", handles[0], "", "", "promo, cake"])
    writer.writerow([(day + timedelta(days=2)).isoformat(), "12:15", "America/Montreal",
                     "Bonjour Montréal !" if french else "Hello Montreal!", handles[-1], "", "", ""])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read the accents as UTF-8


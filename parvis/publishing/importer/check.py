"""Checking the rows of an import file (step 1, `validate`): each cell read the way
spreadsheets write it (dates, times, accounts by handle, media and campaigns by name, post
options as their network's form reads them, see `options`), the post built from them by
`read_post` and checked by `check_post`, every problem kept by column. Nothing is
created: the rows and their errors are stored on an `ImportBatch`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.networks import registry
from parvis.networks.models import SocialAccount
from parvis.publishing import library
from parvis.publishing.importer import options as import_options
from parvis.publishing.importer.media import check_media_url, download_media, is_url
from parvis.publishing.importer.read import COLUMN_LABELS, COLUMNS, ImportFileError, decode, read_rows, read_upload
from parvis.publishing.models import Campaign, ImportBatch, Label, MediaAsset
from parvis.publishing.post_input import PostValues, read_post
from parvis.publishing.schedule import parse_timezone, unknown_timezone_message
from parvis.publishing.types import FieldError, MediaInfo, PostInput
from parvis.publishing.validation import check_post

MAX_ROWS = 20_000
ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: 00:00(?::00)?)?$")
TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::(\d{2}))?$")
# Which column a `check_post` field belongs to; anything else (charter rules, …) is about the text.
FIELD_COLUMNS = {"text": "text", "accounts": "accounts", "media": "media", "timezone": "timezone",
                 "scheduled_at": "date", "campaign": "campaign", "labels": "labels"}
WHEN_COLUMNS = ("date", "time", "timezone")


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
        handles = registry.get(account.network).handle_aliases(handle)
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
                                    "example %(network)s:%(value)s.") % {"value": token, "network": matches[0].network})
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


def row_options(values: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The post options of a row's option cells, by network: each non-empty cell as typed,
    split like the other lists when its option holds several values."""
    options: dict[str, dict[str, Any]] = {}
    for column, cell in values.items():
        found = import_options.split_column(column) if cell else None
        if found is None:
            continue
        network, name = found
        options.setdefault(network, {})[name] = (
            [import_options.cell_value(network, name, item) for item in split_list(cell)]
            if import_options.takes_list(network, name) else import_options.cell_value(network, name, cell))
    return options


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
        labels=labels, timezone=values.get("timezone") or ctx.default_timezone, options=row_options(values),
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
        check.add(column, error.message + import_options.choices_hint(error))
    option_columns = [c for c in dict.fromkeys([*values, *check.errors]) if c not in (*COLUMNS, "row")]
    order = [*COLUMNS, *option_columns, "row"]  # the file's order
    check.errors = {column: check.errors[column] for column in order if column in check.errors}
    if not check.errors:
        check.post_input = read.post_input
    return check


def column_of(error: FieldError) -> str:
    return import_options.error_column(error.field) or FIELD_COLUMNS.get(error.field.split(".", 1)[0], "text")


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

"""Conversions (sign-ups, sales, quote requests) recorded for a workspace: sent by the
client's site to a webhook, imported from a CSV file, or read from Matomo or Plausible
(`analytics.sources`).

What this module keeps:

* a conversion carrying an id (`external_id`: the webhook's "id", the file's "id"
  column, a synced day and goal) is stored once per workspace and origin: sent again,
  it updates its row instead of adding one;
* bad input is refused with an error naming the field (`ConversionError`), and an
  import with one bad line saves nothing, every bad line being reported with its number;
* a webhook body is read only once its signature (HMAC-SHA256 of the raw body with the
  source's secret, `X-Parvis-Signature: sha256=<hex>`) checks out, compared in
  constant time.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.accounts.models import Workspace
from parvis.analytics.dashboard import Period
from parvis.analytics.models import Conversion, ConversionKind, ConversionSource
from parvis.core.texts import WordedError

MAX_BODY = 64 * 1024  # a webhook call: one conversion, a few hundred bytes
MAX_FILE = 5 * 1024 * 1024
MAX_COUNT = 1_000_000
MAX_VALUE = Decimal("999999999999.99")  # what the column holds (14 digits, 2 decimals)
SIGNATURE_HEADER = "X-Parvis-Signature"
CENT = Decimal("0.01")
# A file's columns, and the French names a spreadsheet exported in French gives them.
COLUMNS = {"day": "day", "jour": "day", "date": "day", "goal": "goal", "objectif": "goal", "count": "count",
           "nombre": "count", "value": "value", "valeur": "value", "campaign": "campaign", "campagne": "campaign",
           "network": "network", "utm_source": "network", "réseau": "network", "id": "id"}
REQUIRED = ("day", "goal", "count")


class ConversionError(WordedError, ValueError):
    """Bad input, naming the field (and the file's line, for an import)."""

    def __init__(self, message: str, field: str, line: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.line = line


class ImportRefused(WordedError, ValueError):
    """A file with bad lines: nothing of it was saved. `errors` has one per bad value."""

    def __init__(self, errors: list[ConversionError]) -> None:
        lines = len({e.line for e in errors})
        super().__init__(ngettext("Nothing was imported: %(count)d line to correct.",
                                  "Nothing was imported: %(count)d lines to correct.", lines) % {"count": lines})
        self.errors = errors


class HookError(WordedError):
    """A webhook call refused: `status` is the HTTP answer (400, 403, 404, 413)."""

    def __init__(self, message: str, status: int, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


# -- reading values -----------------------------------------------------------------------


def parse_day(raw: Any, name: str = "day") -> date:
    if isinstance(raw, datetime):
        raise ConversionError(_("Give a date as YYYY-MM-DD."), name)
    if isinstance(raw, date):
        day = raw
    else:
        text = str(raw or "").strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = _french_day(text, name)
    if not 2000 <= day.year <= 2100:
        raise ConversionError(_("This date is out of range."), name)
    return day


def _french_day(text: str, name: str) -> date:
    """31/12/2026, as a French spreadsheet writes dates."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        try:
            return date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    raise ConversionError(_("Give a date as YYYY-MM-DD."), name)


def parse_count(raw: Any, name: str = "count") -> int:
    if isinstance(raw, bool):
        raise ConversionError(_("Give a whole number."), name)
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, float) and raw.is_integer():
        number = int(raw)
    else:
        text = str(raw if raw is not None else "").strip().replace("\u00a0", "").replace(" ", "")
        if not re.fullmatch(r"-?\d+", text):
            raise ConversionError(_("Give a whole number."), name)
        number = int(text)
    if number < 0:
        raise ConversionError(_("A count cannot be negative."), name)
    if number > MAX_COUNT:
        raise ConversionError(_("A count is at most %(max)s.") % {"max": MAX_COUNT}, name)
    return number


def parse_value(raw: Any, name: str = "value") -> Decimal | None:
    """An amount: 12.50, 12,50 or 1 234,50 (a French spreadsheet's); empty is no value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ConversionError(_("Give an amount, such as 12.50."), name)
    if isinstance(raw, int | float | Decimal):
        text = str(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if "," in text and "." in text:  # the last one separates the decimals
            thousands = "," if text.rfind(".") > text.rfind(",") else "."
            text = text.replace(thousands, "")
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?(E[+-]?\d+)?", text, flags=re.IGNORECASE):
        raise ConversionError(_("Give an amount, such as 12.50."), name)
    try:
        amount = Decimal(text).quantize(CENT)
    except InvalidOperation:
        raise ConversionError(_("Give an amount, such as 12.50."), name) from None
    if abs(amount) > MAX_VALUE:
        raise ConversionError(_("This amount is too large."), name)
    return amount


def _text(raw: Any, name: str, limit: int, *, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int):
        raise ConversionError(_("Give this as text."), name)
    text = " ".join(str(raw).split())
    # NUL and lone surrogates: PostgreSQL refuses them, and a sender would retry forever.
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ConversionError(_("This text holds characters that are not text."), name)
    if required and not text:
        raise ConversionError(_("This field is required."), name)
    if len(text) > limit:
        raise ConversionError(_("At most %(max)d characters.") % {"max": limit}, name)
    return text


# -- recording ----------------------------------------------------------------------------


def record(workspace: Workspace, *, day: date | str, goal: str, count: int | str = 1,
           value: Decimal | str | float | None = None, source: str = ConversionKind.IMPORT, campaign: str = "",
           network: str = "", external_id: str = "", origin: ConversionSource | None = None,
           now: datetime | None = None) -> tuple[Conversion, bool]:
    """Store a conversion (validated: ConversionError names the bad field); with an
    `external_id`, the same one recorded again updates its row. Whether it was new."""
    values = _checked(day=day, goal=goal, count=count, value=value, campaign=campaign, network=network,
                      external_id=external_id)
    if source not in ConversionKind.values:
        raise ConversionError(_("Unknown source."), "source")
    return _store(workspace, source, origin, values, now or timezone.now())


def _checked(**raw: Any) -> dict[str, Any]:
    return {"day": parse_day(raw["day"]), "goal": _text(raw["goal"], "goal", 200, required=True),
            "count": parse_count(raw["count"]), "value": parse_value(raw["value"]),
            "campaign": _text(raw["campaign"], "campaign", 200), "network": _text(raw["network"], "network", 64),
            "external_id": _text(raw["external_id"], "id", 200)}


def _store(workspace: Workspace, source: str, origin: ConversionSource | None, values: dict[str, Any],
           now: datetime) -> tuple[Conversion, bool]:
    external_id = values.pop("external_id")
    if not external_id:
        return Conversion.objects.create(workspace=workspace, source=source, origin=origin, created_at=now,
                                         **values), True
    key = {"workspace": workspace, "source": source, "external_id": external_id}
    for _attempt in range(2):  # two deliveries at once: one inserts, the other updates
        try:
            with transaction.atomic():
                conversion, created = Conversion.objects.update_or_create(
                    **key, defaults={**values, "origin": origin}, create_defaults={**values, "origin": origin,
                                                                                   "created_at": now})
            return conversion, created
        except IntegrityError:
            continue
    raise ConversionError(_("This conversion is being recorded by another request."), "id")


# -- importing a file ---------------------------------------------------------------------


@dataclass
class Imported:
    created: int = 0
    updated: int = 0
    conversions: list[Conversion] = field(default_factory=list)


def import_csv(workspace: Workspace, file: IO[bytes] | IO[str] | bytes | str, *,
               now: datetime | None = None) -> Imported:
    """Import a CSV file with the columns day;goal;count, and value, campaign,
    network, id if wanted (in any order; ";" or "," between them; UTF-8 with or without
    BOM; amounts with a decimal comma or point). Lines with an id are idempotent.

    All or nothing: any bad line raises ImportRefused listing every bad value with
    its line number and field, and nothing is saved."""
    rows = _rows(file)
    now = now or timezone.now()
    errors: list[ConversionError] = []
    checked: list[dict[str, Any]] = []
    for line, row in rows:
        try:
            checked.append(_row(row, line))
        except _LineErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise ImportRefused(errors)
    result = Imported()
    with transaction.atomic():
        for values in checked:
            conversion, created = _store(workspace, ConversionKind.IMPORT, None, values, now)
            result.conversions.append(conversion)
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result


class _LineErrors(Exception):
    def __init__(self, errors: list[ConversionError]) -> None:
        self.errors = errors


def _row(row: Mapping[str, str], line: int) -> dict[str, Any]:
    errors: list[ConversionError] = []
    values: dict[str, Any] = {}
    readers: list[tuple[str, str, Any]] = [
        ("day", "day", parse_day), ("goal", "goal", lambda raw: _text(raw, "goal", 200, required=True)),
        ("count", "count", parse_count), ("value", "value", parse_value),
        ("campaign", "campaign", lambda raw: _text(raw, "campaign", 200)),
        ("network", "network", lambda raw: _text(raw, "network", 64)),
        ("id", "external_id", lambda raw: _text(raw, "id", 200)),
    ]
    for column, key, read in readers:
        try:
            values[key] = read(row.get(column) or "")
        except ConversionError as exc:
            exc.line = line
            errors.append(exc)
    if errors:
        raise _LineErrors(errors)
    return values


def _rows(file: IO[bytes] | IO[str] | bytes | str) -> list[tuple[int, dict[str, str]]]:
    raw = file if isinstance(file, bytes | str) else file.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        raise ConversionError(_("The file is larger than %(size)s MB.") % {"size": MAX_FILE // (1024 * 1024)},
                              "file")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConversionError(_("The file is not UTF-8 text: save it as “CSV UTF-8”."), "file") from None
    else:
        text = raw.removeprefix("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ConversionError(_("The file is empty."), "file")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [COLUMNS.get(name.strip().lower(), name.strip().lower()) for name in next(reader)]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise ConversionError(_("The first line must name the columns day, goal and count (missing: "
                                    "%(missing)s).") % {"missing": ", ".join(missing)}, "file", 1)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise ConversionError(_("This line has more cells than the first line has columns."), "file",
                                      reader.line_num)
            rows.append((reader.line_num, dict(zip(header, cells, strict=False))))
    except csv.Error as exc:
        raise ConversionError(_("The file is not readable as CSV: %(error)s") % {"error": exc}, "file",
                              reader.line_num) from None
    if not rows:
        raise ConversionError(_("The file has no conversions under its first line."), "file")
    return rows


# -- the webhook --------------------------------------------------------------------------


def new_webhook_source(workspace: Workspace, name: str = "") -> ConversionSource:
    """A webhook for the client's site, with its own random secret."""
    return ConversionSource.objects.create(workspace=workspace, kind=ConversionKind.WEBHOOK, name=name[:120],
                                           secrets={"webhook_secret": secrets.token_urlsafe(32)})


def hook_url(source: ConversionSource) -> str:
    """The address to give the client's site (under the instance's public address)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.PARVIS_BASE_URL.rstrip("/") + reverse("conversion_hook", args=[source.pk])


def signature(secret: str, body: bytes) -> str:
    """The header value a sender puts in X-Parvis-Signature."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def receive(source_id: int, body: bytes, signed: str, *, now: datetime | None = None) -> tuple[Conversion, bool]:
    """A webhook call: {"goal": "signup", "count": 1, "value": 12.5, "day": "2026-12-07"
    (or "at": an ISO date and time; today when neither), "campaign": "…", "network":
    "…" (or "utm_source"), "id": "…"}. HookError says what to answer."""
    now = now or timezone.now()
    source = (ConversionSource.objects.filter(pk=source_id, kind=ConversionKind.WEBHOOK, enabled=True)
              .select_related("workspace").first())
    if source is None:
        raise HookError(_("No such webhook."), 404)
    if len(body) > MAX_BODY:
        raise HookError(_("The body is larger than %(size)s kB.") % {"size": MAX_BODY // 1024}, 413, "body")
    secret = str(source.secrets.get("webhook_secret") or "")
    if not secret or not signed or not hmac.compare_digest(signature(secret, body).encode(),
                                                           signed.strip().encode("utf-8", "replace")):
        raise HookError(_("The signature is missing or wrong."), 403, SIGNATURE_HEADER)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HookError(_("The body is not JSON."), 400, "body") from None
    if not isinstance(data, dict):
        raise HookError(_("The body must be a JSON object."), 400, "body")
    try:
        day = _day_of(data, source.workspace, now)
        values = _checked(day=day, goal=data.get("goal"), count=data.get("count", 1), value=data.get("value"),
                          campaign=data.get("campaign") or data.get("utm_campaign"),
                          network=data.get("network") or data.get("utm_source"), external_id=data.get("id"))
        return _store(source.workspace, ConversionKind.WEBHOOK, source, values, now)
    except ConversionError as exc:
        raise HookError(exc.message, 400, exc.field) from None


def _day_of(data: Mapping[str, Any], workspace: Workspace, now: datetime) -> date:
    """The workspace's local day of the conversion."""
    if data.get("day") not in (None, ""):
        return parse_day(data["day"])
    at = data.get("at")
    if at in (None, ""):
        return timezone.localtime(now, workspace.tz).date()
    try:
        moment = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except ValueError:
        raise ConversionError(_("Give a date and time as YYYY-MM-DDTHH:MM:SS+01:00."), "at") from None
    if moment.tzinfo is None:
        raise ConversionError(_("Give the time zone too (Z or +01:00)."), "at")
    return parse_day(timezone.localtime(moment, workspace.tz).date(), "at")


# -- totals -------------------------------------------------------------------------------


@dataclass
class GoalTotal:
    goal: str
    count: int
    value: Decimal | None


@dataclass
class ConversionTotals:
    count: int = 0
    value: Decimal | None = None  # None: no conversion of the period carried a value
    goals: list[GoalTotal] = field(default_factory=list)  # most conversions first


def totals(workspace_ids: Iterable[int], period: Period) -> ConversionTotals:
    """The conversions of the period's days (the workspaces' local days), per goal."""
    rows = (Conversion.objects.filter(workspace_id__in=list(workspace_ids), day__gte=period.start,
                                      day__lte=period.end)
            .values("goal").annotate(n=Sum("count"), value=Sum("value")).order_by("-n", "goal"))
    result = ConversionTotals()
    for row in rows:
        result.goals.append(GoalTotal(row["goal"], row["n"] or 0, row["value"]))
        result.count += row["n"] or 0
        if row["value"] is not None:
            result.value = (result.value or Decimal(0)) + row["value"]
    return result

"""Reading the audit log: filter it, show each entry in the reader's language, export it
as CSV. The web page and the API call these, so both say the same thing the same way.

"The reader's language" is the active one: the web's middleware activates the person's,
the API's authentication the one the client asks for (or the token owner's).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.models import AuditEntry, Workspace


@dataclass
class Row:
    """One entry as its reader reads it."""

    entry: AuditEntry
    action: str
    target: str
    summary: str
    before: str
    after: str


def rows(entries: Iterable[AuditEntry]) -> Iterator[Row]:
    for entry in entries:
        target = f"{audit.target_label(entry.target_type)} {entry.target_id}".strip()
        yield Row(entry, audit.action_label(entry.action), target, *(
            audit.shown_field(entry, name) for name in ("summary", "before", "after")))


def actions_in(workspace: Workspace) -> list[tuple[str, str]]:
    """The action codes the workspace's log holds, with their labels, sorted by label."""
    codes = set(workspace.audit_entries.values_list("action", flat=True))
    return sorted(((code, audit.action_label(code)) for code in codes), key=lambda pair: pair[1].casefold())


@dataclass(frozen=True)
class AuditFilters:
    """Empty means any. `since` and `until` are days in `zone`, both included."""

    action: str = ""
    person: int | None = None
    since: date | None = None
    until: date | None = None
    zone: ZoneInfo = ZoneInfo("UTC")


def entries(workspace: Workspace, filters: AuditFilters) -> QuerySet[AuditEntry]:
    found = workspace.audit_entries.all()
    if filters.action:
        found = found.filter(action=filters.action)
    if filters.person is not None:
        found = found.filter(actor_id=filters.person)
    if filters.since is not None:
        found = found.filter(created_at__gte=datetime.combine(filters.since, time(0), tzinfo=filters.zone))
    if filters.until is not None:
        found = found.filter(created_at__lt=datetime.combine(filters.until + timedelta(days=1), time(0),
                                                              tzinfo=filters.zone))
    return found


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def _cell(value: str) -> str:
    # Excel runs a cell starting with = + - @ as a formula: the log holds other people's text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_name(workspace: Workspace, tz: ZoneInfo) -> str:
    stamp = datetime.now(tz).strftime("%Y-%m-%d")
    return f"audit-{slugify(workspace.name) or workspace.pk}-{stamp}.csv"


def write_csv(out: Writable, found: QuerySet[AuditEntry], tz: ZoneInfo) -> None:
    """The entries as CSV, the words in the reader's language, times in `tz`."""
    out.write("\ufeff")  # the BOM: Excel then reads the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([_("When"), _("Who"), _("Action"), _("Code"), _("Target"), _("Summary"), _("Before"),
                     _("After")])
    for row in rows(found.iterator()):
        # The time as a spreadsheet sorts it, in the reader's zone.
        when = row.entry.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
        writer.writerow([when, *(_cell(v) for v in (row.entry.actor_label, row.action, row.entry.action, row.target,
                                                   row.summary, row.before, row.after))])

"""Reading the composer's form into a `PostInput` (shared by the page and its live check)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import Upload
from parvis.publishing.validation import FieldError, PostInput, parse_timezone

MAX_UPLOADS = 10


def parse_local_time(raw: str, tz_name: str) -> tuple[datetime | None, list[FieldError]]:
    """`2026-03-29T02:30` in `Europe/Paris` → an aware datetime, refusing times that do
    not exist on that day (the hour skipped when clocks go forward)."""
    if not raw:
        return None, []
    tz = parse_timezone(tz_name)
    if tz is None:
        return None, []  # reported by the time zone check
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        return None, [FieldError("scheduled_at", _("Enter a date and time like 2026-12-24 18:30."), "invalid")]
    if naive.tzinfo is not None:
        naive = naive.replace(tzinfo=None)
    local = naive.replace(tzinfo=tz)
    round_trip = local.astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        return None, [FieldError("scheduled_at", _("%(time)s does not exist in %(tz)s: the clocks "
                                                   "change that night. Choose another time.")
                                 % {"time": naive.strftime("%H:%M"), "tz": tz_name}, "nonexistent")]
    return local, []


def read_composer(
    request: HttpRequest, workspace: Workspace
) -> tuple[PostInput, list[Upload], list[FieldError]]:
    data: Any = request.POST
    errors: list[FieldError] = []
    ids = [value for value in data.getlist("accounts") if value.isdigit()]
    accounts = list(SocialAccount.objects.filter(workspace=workspace, pk__in=ids))
    if len(accounts) != len(set(ids)):
        message = _("One of the chosen accounts does not exist in this workspace.")
        errors.append(FieldError("accounts", message, "invalid"))
    tz_name = (data.get("timezone") or workspace.timezone).strip()
    mode = data.get("mode", "schedule")
    when, time_errors = (None, [])
    if mode == "schedule":
        when, time_errors = parse_local_time(data.get("scheduled_at", "").strip(), tz_name)
    errors += time_errors
    variants = {
        key.removeprefix("variant_"): value.strip()
        for key, value in data.items() if key.startswith("variant_") and value.strip()
    }
    files = request.FILES.getlist("media")[:MAX_UPLOADS]
    uploads = [Upload(f.name or "image", f, f.size or 0, data.get(f"alt_{i}", "").strip())
               for i, f in enumerate(files)]
    post_input = PostInput(
        text=data.get("text", "").replace("\r\n", "\n").strip(), accounts=accounts, mode=mode,
        scheduled_at=when, timezone_name=tz_name, variants=variants, language=data.get("language", ""),
    )
    return post_input, uploads, errors

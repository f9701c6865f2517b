"""Reading the composer's form into a `PostInput` (shared by the page and its live check)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import MAX_UPLOADS, Upload
from parvis.publishing.schedule import parse_local_time
from parvis.publishing.validation import FieldError, PostInput


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
    when: datetime | None = None
    time_errors: list[FieldError] = []
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

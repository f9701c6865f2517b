"""Reading the composer's form into a `PostInput` (shared by the page and its live check)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.core.ids import parse_id, parse_ids, parse_int
from parvis.networks import registry
from parvis.publishing import library
from parvis.publishing.actions import MAX_UPLOADS
from parvis.publishing.network_checks import options_form
from parvis.publishing.post_input import PostValues, read_post
from parvis.publishing.recurrence import parse_rule, preset_rule
from parvis.publishing.schedule import parse_timezone
from parvis.publishing.types import FieldError, PostInput, PostValidationError, Upload

# The builder's field names that the form spells otherwise.
FORM_FIELDS = {"media_ids": "library_media"}


def read_composer(
    request: HttpRequest, workspace: Workspace
) -> tuple[PostInput, list[Upload], list[FieldError]]:
    """The form as a `PostInput` (read by `read_post`), its new files, and what could not be
    read, on the form's own fields."""
    data: Any = request.POST
    mode = data.get("mode", "schedule")
    # Picked media that no row can be are left out, like any unreadable value of the picker.
    media_ids = parse_ids(data.getlist("library_media"))[:MAX_UPLOADS]
    read = read_post(workspace, PostValues(
        text=data.get("text", ""), mode=mode, accounts=data.getlist("accounts"),
        variants={key.removeprefix("variant_"): value for key, value in data.items() if key.startswith("variant_")},
        timezone=data.get("timezone", ""),
        # The date field is always sent; it means something only when scheduling.
        scheduled_at=data.get("scheduled_at", "") if mode == "schedule" else None,
        media_ids=media_ids, alt_texts={pk: data.get(f"library_alt_{pk}", "") for pk in media_ids},
        campaign=data.get("campaign", ""), labels=data.getlist("labels"), language=data.get("language", ""),
        options=read_options(data),
    ))
    errors = [FieldError(FORM_FIELDS.get(e.field, e.field), e.message, e.code) for e in read.errors]
    files = request.FILES.getlist("media")[:MAX_UPLOADS]
    uploads = [Upload(f.name or "image", f, f.size or 0, data.get(f"alt_{i}", "").strip())
               for i, f in enumerate(files)]
    return read.post_input, uploads, errors


def options_prefix(network: str) -> str:
    return f"opt_{network}"


def read_options(data: QueryDict) -> dict[str, dict[str, Any]]:
    """Each network's post options as its form's fields sent them (`opt_<network>-<name>`),
    for the networks whose fields are on the page."""
    options: dict[str, dict[str, Any]] = {}
    for network in registry.NETWORKS:
        form_class = options_form(network)
        prefix = options_prefix(network)
        if form_class is None or not any(key.startswith(f"{prefix}-") for key in data):
            continue
        form = form_class(prefix=prefix)
        options[network] = {name: field.widget.value_from_datadict(data, {}, form.add_prefix(name))
                            for name, field in form.fields.items()}
    return options


@dataclass
class OptionsFieldset:
    network: str
    label: str
    rows: list[tuple[forms.BoundField, list[str]]]  # each field with its errors (from `check_post`)
    open: bool  # shown unfolded: it holds values, or an error


def option_fieldsets(networks: list[tuple[str, str]], saved: dict[str, Any], data: QueryDict | None,
                     errors: dict[str, list[str]]) -> list[OptionsFieldset]:
    """One fieldset per network of the workspace that has post options: bound to what was
    sent when the form comes back with errors, else showing the post's saved options."""
    fieldsets = []
    for network, label in networks:
        form_class = options_form(network)
        if form_class is None:
            continue
        prefix = options_prefix(network)
        sent = data is not None and any(key.startswith(f"{prefix}-") for key in data)
        form = form_class(data=data, prefix=prefix) if sent else form_class(initial=saved.get(network) or {},
                                                                           prefix=prefix)
        # The errors shown are `check_post`'s (a draft may lack a required option), not the form's.
        rows = [(form[name], errors.get(f"options.{network}.{name}", [])) for name in form.fields]
        fieldsets.append(OptionsFieldset(network, label, rows,
                                         open=any(messages for _f, messages in rows) or bool(saved.get(network))))
    return fieldsets


def uploads_into_library(request: AuthedRequest, workspace: Workspace, post_input: PostInput,
                         uploads: list[Upload]) -> tuple[QueryDict, list[FieldError]]:
    """Files sent with the form (the composer without JavaScript; with it they were
    uploaded on pick) join the library now, each on its own, whatever becomes of the post:
    a post refused for another reason keeps them, shown as chosen with their alt text, and
    one bad file does not stop the others. Gives the form's data as if they had been
    picked from the library, and the errors of the files refused (on `media`)."""
    data = request.POST.copy()
    errors: list[FieldError] = []
    picked = data.getlist("library_media")
    for upload in uploads:
        try:
            asset = library.add_asset(workspace, request.user, upload, upload.alt_text).asset
        except PostValidationError as exc:
            errors += exc.errors
            continue
        if str(asset.pk) not in picked:
            picked.append(str(asset.pk))
            post_input.media.append(library.media_info(asset, upload.alt_text))
        data[f"library_alt_{asset.pk}"] = data.get(f"library_alt_{asset.pk}") or upload.alt_text
    data.setlist("library_media", picked)
    return data, errors


# -- "Repeat" (recurring posts) ------------------------------------------------------------

@dataclass(frozen=True)
class Repeat:
    rule: str
    until: date | None
    count: int | None


def read_end(data: Any) -> tuple[date | None, int | None, list[FieldError]]:
    """The end of a series: `repeat_end` never / until (`repeat_until`) / count (`repeat_count`)."""
    end = data.get("repeat_end", "never")
    if end == "until":
        try:
            return date.fromisoformat(data.get("repeat_until", "").strip()), None, []
        except ValueError:
            return None, None, [FieldError("until", _("Enter the last day, like 2026-12-31."), "invalid")]
    if end == "count":
        count = parse_id(data.get("repeat_count", ""))  # a whole number, 1 or more
        if count is None:
            return None, None, [FieldError("count", _("Enter how many times, 1 or more."), "invalid")]
        return None, count, []
    return None, None, []


def read_repeat(data: Any, post_input: PostInput) -> tuple[Repeat | None, list[FieldError]]:
    """The composer's Repeat section, checked against the post's date and time (the first
    occurrence, in the post's zone). None when the post does not repeat."""
    preset = data.get("repeat", "")
    if not preset:
        return None, []
    if post_input.mode == "schedule" and parse_timezone(post_input.timezone_name) is None:
        return None, []  # the unknown zone is the error, named on its own field
    if post_input.mode != "schedule" or post_input.scheduled_at is None:
        return None, [FieldError("repeat", _("A repeating post starts at its date and time: choose "
                                             "“Schedule” and enter them."), "required")]
    start = post_input.scheduled_at
    tz = parse_timezone(post_input.timezone_name)
    local = (start.astimezone(tz) if tz else start).replace(tzinfo=None)
    until, count, errors = read_end(data)
    if errors:
        return None, errors
    days = [day for day in (parse_int(v, 6) for v in data.getlist("repeat_days")) if day is not None]
    try:
        rule = (data.get("rrule", "") if preset == "custom" else
                preset_rule(preset, weekdays=days, monthday=local.day, weekday=local.weekday()))
        checked = parse_rule(rule, local, until, count)
    except PostValidationError as exc:
        return None, exc.errors
    return Repeat(checked.text, checked.until, checked.count), []

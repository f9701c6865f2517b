"""One way to read a post from plain values into a `PostInput`: the web composer, the API,
the CSV import (and any other caller: an MCP tool) hand over what they were given, and
get back the same post and the same errors, each naming its field.

What is read here, with its messages:
- `text` (line endings normalised, trimmed) and `variants` (a text per network key; an
  unknown key is an error on `variants`, a blank text is no variant);
- `mode` ("draft", "now", "schedule", "queue"; None: "schedule" if a time is given, else
  "draft") — an unknown mode is left to `check_post`, which names it;
- `timezone` (IANA; blank: the workspace's) and `scheduled_at`: an aware datetime is that
  instant; a naive one, or an ISO 8601 text without offset, is wall-clock time in
  `timezone` (a time skipped by a DST change is refused); a text with an offset is that
  instant. A time with mode "now" is an error;
- `accounts`, `campaign`, `labels`, `media_ids`: ids of this workspace's objects (ints, or
  digit strings as forms send them), or the objects themselves when the caller already
  loaded them (the CSV import resolves names once per file); anything of another
  workspace, or an id no row can have, is "does not exist in this workspace";
- `media`: media already read (`MediaInfo`), then the library assets of `media_ids`, each
  with the alt text of `alt_texts` for this post (its own when blank).

Reading does not check the post against the publishing rules: `check_post` does (and
`save_post` runs it). `build_post_input` reads, and when something could not be read
raises every problem at once: the reading errors and the rules' errors on the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.core.ids import parse_id
from parvis.networks import registry
from parvis.networks.models import SocialAccount
from parvis.publishing import library
from parvis.publishing.campaigns import campaign_in, labels_in
from parvis.publishing.models import Campaign, Label, Post, State
from parvis.publishing.schedule import parse_local_time, parse_timezone, unknown_timezone
from parvis.publishing.types import FieldError, MediaInfo, PostInput, PostValidationError
from parvis.publishing.validation import check_post

MODES = ("draft", "now", "schedule", "queue")


@dataclass
class PostValues:
    """A post as plain values. Every field is optional; see the module's docstring."""

    text: str = ""
    mode: str | None = None
    accounts: Sequence[int | str | SocialAccount] = ()
    variants: Mapping[str, str] = field(default_factory=dict)
    timezone: str = ""
    scheduled_at: datetime | str | None = None
    media: Sequence[MediaInfo] = ()
    media_ids: Sequence[int | str] = ()
    alt_texts: Mapping[int, str] = field(default_factory=dict)
    campaign: int | str | Campaign | None = None
    labels: Sequence[int | str | Label] = ()
    language: str = ""
    # Per-network post options, each checked by its network's form.
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass
class ReadPost:
    post_input: PostInput
    errors: list[FieldError]  # what could not be read; empty when everything could


def read_post(workspace: Workspace, values: PostValues) -> ReadPost:
    """The post these values describe, in `workspace`, and what could not be read. The
    `PostInput` is complete either way (what could not be read is left out), so that a
    form can be shown again with it and its remaining problems checked."""
    errors: list[FieldError] = []
    tz_name = values.timezone.strip() or workspace.timezone
    if parse_timezone(tz_name) is None:
        errors.append(unknown_timezone(tz_name))
    mode = values.mode or ("schedule" if values.scheduled_at else "draft")
    when: datetime | None = None
    if values.scheduled_at and mode == "now":
        errors.append(FieldError("scheduled_at", _("Leave scheduled_at empty to publish now, or use the mode "
                                                   "“schedule”."), "invalid"))
    elif values.scheduled_at:
        when, time_errors = resolve_time(values.scheduled_at, tz_name)
        errors += time_errors
    post_input = PostInput(
        text=values.text.replace("\r\n", "\n").strip(), accounts=_accounts(workspace, values.accounts, errors),
        mode=mode, scheduled_at=when, timezone_name=tz_name, variants=_variants(values.variants, errors),
        media=list(values.media) + _library_media(workspace, values.media_ids, values.alt_texts, errors),
        language=values.language, workspace=workspace, options=_options(values.options, errors),
        campaign=_campaign(workspace, values.campaign, errors), labels=_labels(workspace, values.labels, errors),
    )
    return ReadPost(post_input, errors)


def build_post_input(workspace: Workspace, values: PostValues, now: datetime | None = None) -> PostInput:
    """The post these values describe, ready for `save_post` (which checks it against the
    publishing rules); PostValidationError listing every problem if something could not
    be read."""
    read = read_post(workspace, values)
    if read.errors:
        raise PostValidationError(read.errors + other_errors(read, now))
    return read.post_input


def other_errors(read: ReadPost, now: datetime | None = None) -> list[FieldError]:
    """The publishing rules' errors on what could be read, so that one answer lists every
    problem: minus the fields already reported, and minus the "no time" that an unreadable
    zone or time causes."""
    fields = {e.field for e in read.errors}
    return [e for e in check_post(read.post_input, now) if e.field not in fields
            and not (e.field == "scheduled_at" and e.code == "required" and "timezone" in fields)]


def post_values(post: Post) -> PostValues:
    """A saved post as values: what an update starts from, before the fields it changes
    (`updated(post_values(post), text=…)`). Its media are not in it: an update keeps
    them unless told otherwise (`save_post`'s `keep_media`)."""
    queued = post.publications.filter(in_queue=True).exists()
    # Cancelled targets stay cancelled: an edit must not revive them unasked.
    accounts = list(post.publications.exclude(state=State.CANCELLED).values_list("account_id", flat=True))
    return PostValues(
        text=post.text, mode="draft" if post.is_draft else "queue" if queued else "schedule", accounts=accounts,
        variants=dict(post.variants or {}), timezone=post.schedule_timezone, scheduled_at=post.scheduled_at,
        campaign=post.campaign_id, labels=list(post.labels.values_list("pk", flat=True)), language=post.language,
        options=dict(post.options or {}),
    )


def updated(values: PostValues, **changes: object) -> PostValues:
    """`values` with `changes`; a new mode "now" drops the time the values had."""
    if changes.get("mode") == "now" and "scheduled_at" not in changes:
        changes["scheduled_at"] = None
    return dataclasses.replace(values, **changes)  # type: ignore[arg-type]


# -- time ----------------------------------------------------------------------------------

def resolve_time(raw: datetime | str, tz_name: str) -> tuple[datetime | None, list[FieldError]]:
    """An instant if `raw` is aware or has an offset; else wall-clock time in `tz_name`
    (nothing, and no error, when that zone is unknown: the zone is the error)."""
    if isinstance(raw, datetime):
        if raw.tzinfo is not None:
            return raw, []
        raw = raw.replace(second=0, microsecond=0).isoformat()
    raw = raw.strip()
    invalid = FieldError("scheduled_at", _("Enter a date and time in ISO 8601: 2026-12-24T18:30 for a local time "
                                           "in the post's time zone, or 2026-12-24T18:30:00+01:00."), "invalid")
    # A bare date would silently mean midnight: ask for the time instead.
    if "T" not in raw.upper() and " " not in raw:
        return None, [invalid]
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None, [invalid]
    if parsed.tzinfo is not None:
        return parsed, []
    if parse_timezone(tz_name) is None:
        return None, []
    return parse_local_time(raw, tz_name)


# -- what the post refers to ---------------------------------------------------------------

def _accounts(workspace: Workspace, given: Sequence[int | str | SocialAccount],
              errors: list[FieldError]) -> list[SocialAccount]:
    wanted = [a if isinstance(a, SocialAccount) else parse_id(a) for a in given
              if isinstance(a, SocialAccount) or str(a).strip()]
    ids = [a for a in wanted if isinstance(a, int)]
    # An id no row can have (past a 64-bit column) is not looked up: it is a missing account.
    found = {a.pk: a for a in SocialAccount.objects.filter(workspace=workspace, pk__in=ids)} if ids else {}
    chosen: dict[int, SocialAccount] = {}
    for item in wanted:
        account = found.get(item) if isinstance(item, int) else item
        if account is None or account.workspace_id != workspace.pk:
            message = _("One of the chosen accounts does not exist in this workspace.")
            if not any(e.field == "accounts" for e in errors):
                errors.append(FieldError("accounts", message, "invalid"))
            continue
        chosen.setdefault(account.pk, account)
    return list(chosen.values())


def _variants(given: Mapping[str, str], errors: list[FieldError]) -> dict[str, str]:
    unknown = sorted(set(given) - set(registry.NETWORKS))
    if unknown:
        errors.append(FieldError("variants", _("Unknown network “%(key)s”; use one of: %(keys)s.")
                                 % {"key": unknown[0], "keys": ", ".join(sorted(registry.NETWORKS))}, "invalid"))
    return {key: text.replace("\r\n", "\n").strip() for key, text in given.items()
            if key in registry.NETWORKS and text.strip()}


def _options(given: Mapping[str, Any], errors: list[FieldError]) -> dict[str, dict[str, Any]]:
    unknown = sorted(set(given) - set(registry.NETWORKS))
    if unknown:
        errors.append(FieldError("options", _("Unknown network “%(key)s”; use one of: %(keys)s.")
                                 % {"key": unknown[0], "keys": ", ".join(sorted(registry.NETWORKS))}, "invalid"))
    not_objects = sorted(key for key, value in given.items() if not isinstance(value, Mapping))
    if not_objects:
        errors.append(FieldError(f"options.{not_objects[0]}", _("The options of a network are an object of "
                                                                "named values."), "invalid"))
    return {key: dict(value) for key, value in given.items()
            if key in registry.NETWORKS and isinstance(value, Mapping)}


def _library_media(workspace: Workspace, ids: Sequence[int | str], alt_texts: Mapping[int, str],
                   errors: list[FieldError]) -> list[MediaInfo]:
    wanted = [parse_id(i) for i in ids if str(i).strip()]
    if any(i is None for i in wanted):
        errors.append(FieldError("media_ids", _("One of the chosen media is not in this workspace's library."),
                                 "invalid"))
    readable = [i for i in wanted if i is not None]
    if not readable:
        return []  # no query: a CSV import reads thousands of rows without library ids
    try:
        assets = library.assets_in(workspace, readable, "media_ids")
    except PostValidationError as exc:
        errors += exc.errors
        return []
    return [library.media_info(a, alt_texts.get(a.pk, "").strip()) for a in assets]


def _not_a_choice(name: str) -> FieldError:
    return FieldError(name, _("Choose from the list."), "invalid")


def _campaign(workspace: Workspace, given: int | str | Campaign | None, errors: list[FieldError]
              ) -> Campaign | None:
    if isinstance(given, Campaign):
        if given.workspace_id == workspace.pk:
            return given
        given = given.pk
    if given is None or not str(given).strip():
        return None
    campaign_id = parse_id(given)
    if campaign_id is None:
        errors.append(_not_a_choice("campaign"))
        return None
    return campaign_in(workspace, campaign_id, errors)


def _labels(workspace: Workspace, given: Sequence[int | str | Label], errors: list[FieldError]) -> list[Label]:
    raw = [label for label in given if isinstance(label, Label) or str(label).strip()]
    loaded = [label for label in raw if isinstance(label, Label) and label.workspace_id == workspace.pk]
    ids = [parse_id(label.pk if isinstance(label, Label) else label) for label in raw if label not in loaded]
    if any(i is None for i in ids):
        errors.append(_not_a_choice("labels"))
        return loaded
    found = labels_in(workspace, [i for i in ids if i is not None], errors) if ids else []
    return list({label.pk: label for label in [*loaded, *found]}.values())

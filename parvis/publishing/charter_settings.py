"""Changing a workspace's charter: the same reading and checking of input for the settings
page (lists typed one per line or comma-separated) and the API (JSON lists), and one
audited save."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import idna
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.publishing.charter import RULES
from parvis.publishing.languages import ISO_639_1, language_name
from parvis.publishing.models import Charter
from parvis.publishing.validation import FieldError

LIST_FIELDS = ("banned_terms", "required_hashtags", "required_mentions", "allowed_languages",
               "allowed_domains", "blocked_domains")
NUMBER_FIELDS = ("max_hashtags", "max_emojis")
FLAG_FIELDS = ("require_alt_text", "utm_enabled", "short_links")
FIELDS = (*LIST_FIELDS, *NUMBER_FIELDS, *FLAG_FIELDS, "link_policy", "blocking")
MAX_ITEMS = 200  # a charter is read by people: hundreds of entries are a mistake
MAX_ITEM_LENGTH = 200

HASHTAG_RE = re.compile(r"^#?[^\s#.,;:!?()\[\]{}\"'«»…@/]+$")
MENTION_RE = re.compile(r"^@?[\w][\w.-]*(@[\w-]+(\.[\w-]+)+)?$")
LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
TRUE_WORDS = {"1", "true", "on", "yes"}


def label(field: str) -> str:
    return str(getattr(Charter._meta.get_field(field), "verbose_name", field)).capitalize()


def split_list(value: Any) -> list[str]:
    """A JSON list, or text with one entry per line or comma-separated; blanks and
    repeats dropped, order kept."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[\n,]", str(value))
    return list(dict.fromkeys(" ".join(str(item).split()) for item in items if str(item).strip()))


def clean_domain(value: str) -> str | None:
    """A host name as typed (a pasted URL is accepted: its host is kept), lower case;
    None if it is not a valid domain name. International names are checked in punycode."""
    host = value.strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/")[0].rstrip(".")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253 or labels[-1].isdigit():
        return None
    return host if all(LABEL_RE.match(part) for part in labels) else None


def _clean_items(field: str, items: list[str], errors: list[FieldError]) -> list[str]:
    name = label(field)
    if len(items) > MAX_ITEMS:
        errors.append(FieldError(field, _("%(field)s: %(max)d entries at most.") % {"field": name, "max": MAX_ITEMS},
                                 "too_many"))
        return []
    out = []
    for item in items:
        if len(item) > MAX_ITEM_LENGTH:
            cleaned, message = None, _("“%(value)s…” is too long (%(max)d characters at most).") % {
                "value": item[:30], "max": MAX_ITEM_LENGTH}
        else:
            cleaned, message = _clean_item(field, item)
        if cleaned is None:
            errors.append(FieldError(field, f"{name}: {message}", "invalid"))
        else:
            out.append(cleaned)
    return list(dict.fromkeys(out))


def _clean_item(field: str, item: str) -> tuple[str | None, str]:
    if field == "required_hashtags":
        ok = HASHTAG_RE.match(item)
        return ("#" + item.lstrip("#") if ok else None,
                _("“%(value)s” is not a hashtag (one word, no spaces or punctuation).") % {"value": item})
    if field == "required_mentions":
        ok = MENTION_RE.match(item)
        return ("@" + item.lstrip("@") if ok else None,
                _("“%(value)s” is not a mention (@name, @name@server or @name.bsky.social).") % {"value": item})
    if field == "allowed_languages":
        code = item.lower()
        return (code if code in ISO_639_1 else None,
                _("“%(value)s” is not an ISO 639-1 language code (for example fr, en, de).") % {"value": item})
    if field in ("allowed_domains", "blocked_domains"):
        return (clean_domain(item),
                _("“%(value)s” is not a valid domain name (for example example.com).") % {"value": item})
    return item, ""


def _clean_number(field: str, value: Any, errors: list[FieldError]) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if isinstance(value, bool) or number < 0 or number > 10_000:
        errors.append(FieldError(field, _("%(field)s: enter a whole number, 0 or more, or leave it "
                                          "empty for no limit.") % {"field": label(field)}, "invalid"))
        return None
    return number


def _clean_flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in TRUE_WORDS


def clean_charter(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed values for every field present in `raw`, and the errors, each naming its
    field. Fields absent from `raw` are left out (they keep their current value)."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for field in LIST_FIELDS:
        if field in raw:
            values[field] = _clean_items(field, split_list(raw[field]), errors)
    for field in NUMBER_FIELDS:
        if field in raw:
            values[field] = _clean_number(field, raw[field], errors)
    for field in FLAG_FIELDS:
        if field in raw:
            values[field] = _clean_flag(raw[field])
    if values.get("short_links") and not settings.PARVIS_BASE_URL:
        errors.append(FieldError("short_links", _("%(field)s: parvis must know the address people reach it at "
                                                  "(PARVIS_BASE_URL) first.") % {"field": label("short_links")}))
    if "link_policy" in raw:
        policy = str(raw["link_policy"] or "").strip()
        if policy not in Charter.LinkPolicy.values:
            errors.append(FieldError("link_policy", _("%(field)s: choose one of %(choices)s.") % {
                "field": label("link_policy"), "choices": ", ".join(Charter.LinkPolicy.values)}, "invalid"))
        values["link_policy"] = policy
    if "blocking" in raw:
        rules = split_list(raw["blocking"])
        unknown = [rule for rule in rules if rule not in RULES]
        if unknown:
            errors.append(FieldError("blocking", _("%(field)s: unknown rule “%(rule)s”; the rules are %(rules)s.") % {
                "field": label("blocking"), "rule": unknown[0], "rules": ", ".join(RULES)}, "invalid"))
        values["blocking"] = [rule for rule in RULES if rule in rules]
    return values, errors


def cross_check(charter: Charter) -> list[FieldError]:
    if charter.link_policy == Charter.LinkPolicy.ALLOWED_DOMAINS and not charter.allowed_domains:
        return [FieldError("allowed_domains", _("%(field)s: list at least one domain, or allow any link.")
                           % {"field": label("allowed_domains")}, "required")]
    return []


def describe(charter: Charter) -> str:
    """The charter as a person reads it, one rule per line: the audit log's before/after."""
    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(value) or "—"
        return "—" if value in (None, "") else str(value)

    lines = [f"{label(field)}: {shown(getattr(charter, field))}" for field in (
        "banned_terms", "required_hashtags", "required_mentions", "max_hashtags", "max_emojis",
        "require_alt_text")]
    lines.append(f"{label('allowed_languages')}: "
                 f"{', '.join(language_name(c) for c in charter.allowed_languages) or '—'}")
    lines.append(f"{label('link_policy')}: {charter.get_link_policy_display()}")
    lines += [f"{label(field)}: {shown(getattr(charter, field))}" for field in ("allowed_domains", "blocked_domains")]
    lines.append(f"{label('blocking')}: {', '.join(str(RULES[r]) for r in charter.blocking if r in RULES) or '—'}")
    lines.append(f"{label('utm_enabled')}: {shown(charter.utm_enabled)}")
    lines.append(f"{label('short_links')}: {shown(charter.short_links)}")
    return "\n".join(lines)


class CharterError(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out


@transaction.atomic
def update_charter(workspace: Workspace, actor: User, raw: Mapping[str, Any]) -> Charter:
    """Apply the fields given in `raw` (checked; CharterError names each bad field),
    save, and write the change to the audit log with the charter before and after."""
    values, errors = clean_charter(raw)
    charter, _created = Charter.objects.select_for_update().get_or_create(workspace=workspace)
    before = describe(charter)
    for field, value in values.items():
        setattr(charter, field, value)
    errors += cross_check(charter) if not errors else []
    if errors:
        raise CharterError(errors)
    charter.save()
    workspace.charter = charter  # later checks on this object see the new rules
    after = describe(charter)
    if after != before:
        audit.record(workspace, "charter_changed", actor=actor, target=charter,
                     summary=Text.gettext("Editorial charter changed"), before=before, after=after)
    return charter

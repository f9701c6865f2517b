"""The editorial charter: its settings page (managers), and the charter part of the
composer's live check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.core.ids import parse_ids, parse_int
from parvis.networks import registry
from parvis.publishing import library
from parvis.publishing.actions import MAX_UPLOADS
from parvis.publishing.charter import RULES, Finding, charter_for, check_charter
from parvis.publishing.charter_settings import FLAG_FIELDS, LIST_FIELDS, CharterError, update_charter
from parvis.publishing.languages import ISO_639_1
from parvis.publishing.models import Charter, PostMedia
from parvis.publishing.validation import MediaInfo, PostInput

# The page, rule by rule: (rule key, its input fields).
SECTIONS = [
    ("banned_terms", ["banned_terms"]),
    ("required_hashtags", ["required_hashtags"]),
    ("required_mentions", ["required_mentions"]),
    ("max_hashtags", ["max_hashtags"]),
    ("max_emojis", ["max_emojis"]),
    ("require_alt_text", ["require_alt_text"]),
    ("allowed_languages", ["allowed_languages"]),
    ("links", ["link_policy", "allowed_domains", "blocked_domains"]),
]


def _values(charter: Charter) -> dict[str, Any]:
    values: dict[str, Any] = {field: "\n".join(getattr(charter, field)) for field in LIST_FIELDS}
    values["allowed_languages"] = ", ".join(charter.allowed_languages)
    values.update({field: getattr(charter, field) for field in (*FLAG_FIELDS, "max_hashtags", "max_emojis",
                                                                "link_policy", "blocking")})
    return values


def _posted(request: HttpRequest) -> dict[str, Any]:
    """The form as `update_charter` reads it: every field, an unticked box is a no."""
    data: Any = request.POST
    raw: dict[str, Any] = {field: data.get(field, "") for field in (*LIST_FIELDS, "max_hashtags", "max_emojis",
                                                                    "link_policy")}
    raw.update({field: field in data for field in FLAG_FIELDS})
    raw["blocking"] = data.getlist("blocking")
    return raw


@workspace_view(Role.MANAGER)
def charter_settings(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    charter = charter_for(workspace) or Charter(workspace=workspace)
    values, errors = _values(charter), {}
    if request.method == "POST":
        raw = _posted(request)
        try:
            update_charter(workspace, request.user, raw)
        except CharterError as exc:
            errors = exc.by_field()
            values = {**raw, "blocking": [r for r in raw["blocking"] if r in RULES]}
        else:
            messages.success(request, _("Editorial charter saved."))
            return redirect("web:charter", workspace_id=workspace.pk)
    sections = [{"rule": rule, "label": RULES[rule], "fields": fields, "blocking": rule in values["blocking"]}
                for rule, fields in SECTIONS]
    return render(request, "parvis/charter.html", {
        "workspace": workspace, "values": values, "errors": errors, "sections": sections,
        "labels": {f.name: f.verbose_name for f in Charter._meta.get_fields() if hasattr(f, "verbose_name")},
        "link_policies": Charter.LinkPolicy.choices, "languages": sorted(ISO_639_1.items()),
        "handle_syntaxes": handle_syntaxes(),
    }, status=400 if errors else 200)


def handle_syntaxes() -> str:
    """"@name@server (Mastodon) or @name.bsky.social (Bluesky)": each network's own."""
    named = [f"{_(info.handle_syntax)} ({info.label})" for info in registry.NETWORKS.values() if info.handle_re]
    if len(named) < 2:
        return "".join(named)
    return _("%(items)s or %(last)s") % {"items": ", ".join(named[:-1]), "last": named[-1]}


def composer_media(request: HttpRequest, workspace: Workspace, post_input: PostInput) -> list[MediaInfo]:
    """The composer's media with their alt text, as far as the live check can know them:
    kept media from the database, library picks as read from the form, new uploads from
    their alt fields (the files themselves are only sent on save)."""
    data: Any = request.POST
    keep = parse_ids(data.getlist("keep_media"))
    kept = [library.media_info(m.asset, m.alt_text)
            for m in PostMedia.objects.filter(pk__in=keep, post__workspace=workspace).select_related("asset")]
    picked = [m for m in post_input.media if m.asset_id is not None]
    numbered = ((parse_int(key[4:], MAX_UPLOADS), value) for key, value in data.items() if key.startswith("alt_"))
    alts = sorted((index, value.strip()) for index, value in numbered if index is not None)
    new = [MediaInfo(_("image %(number)d") % {"number": len(kept) + len(picked) + n + 1}, "image/jpeg", 0,
                     alt_text=alt) for n, (_index, alt) in enumerate(alts)]
    return kept + picked + new


def composer_findings(request: HttpRequest, workspace: Workspace, post_input: PostInput) -> list[Finding]:
    """Every charter finding for the post being written, whatever its mode: the live
    check shows warnings on drafts too, so that nothing is a surprise at scheduling."""
    charter = charter_for(workspace)
    if charter is None:
        return []
    checked = PostInput(text=post_input.text, accounts=post_input.accounts, mode=post_input.mode,
                        variants=post_input.variants, language=post_input.language,
                        media=composer_media(request, workspace, post_input), workspace=workspace,
                        campaign=post_input.campaign)
    return check_charter(charter, checked)

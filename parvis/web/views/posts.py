"""The composer: write once, check against every chosen network as you type, then
publish now, schedule or keep as a draft."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import FileResponse, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.core.ids import MAX_ID, parse_ids, parse_int
from parvis.core.timezones import known_timezones
from parvis.listening.competitors import shared_by_competitors
from parvis.listening.curation import already_shared, post_text, variants
from parvis.listening.reading import followed_entry
from parvis.networks import registry
from parvis.publishing import library
from parvis.publishing.actions import Upload, cancel_post, client_key_of, post_of_client_key, save_post
from parvis.publishing.approval import submit_after_save, unapproved_warning
from parvis.publishing.models import Campaign, EditorialSettings, Label, Post, PostMedia
from parvis.publishing.queue import missing_slots
from parvis.publishing.recurrence import PRESETS, create_series
from parvis.publishing.types import PostInput
from parvis.publishing.utm import final_input_text
from parvis.publishing.validation import FieldError, MediaInfo, PostValidationError, check_post
from parvis.web.composer import option_fieldsets, read_composer, read_repeat, uploads_into_library
from parvis.web.forms import timezone_choices
from parvis.web.previews import input_previews
from parvis.web.views.charter import composer_findings
from parvis.web.views.library import picker_context


def _account_checks(workspace: Workspace, post_input: PostInput) -> list[dict[str, object]]:
    rows = []
    for account in post_input.accounts:
        connector = registry.connector_for(account)
        text = final_input_text(post_input, account.network)
        limits = connector.limits()
        count = connector.count(text)
        rows.append({"account": account, "count": count, "max": limits.max_chars,
                     "over": count > limits.max_chars, "max_media": limits.max_media})
    return rows


def _initial(post: Post | None, workspace: Workspace) -> dict[str, object]:
    if post is None:
        return {"mode": "schedule", "timezone": workspace.timezone, "accounts": [], "variants": {},
                "client_key": str(uuid.uuid4())}
    tz = ZoneInfo(post.schedule_timezone or workspace.timezone)
    local = post.scheduled_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if post.scheduled_at else ""
    queued = post.publications.filter(in_queue=True).exists()
    return {"mode": "draft" if post.is_draft else "queue" if queued else "schedule", "timezone": tz.key,
            "scheduled_at": local,
            "text": post.text, "variants": post.variants, "language": post.language,
            "accounts": list(post.publications.values_list("account_id", flat=True)),
            "campaign": str(post.campaign_id or ""), "labels": list(post.labels.values_list("pk", flat=True))}


def _slot_chosen(request: AuthedRequest) -> dict[str, object]:
    """The time (`at`, local, to the minute) and zone (`tz`) a calendar slot hands the
    composer; anything malformed is ignored (the composer then starts empty)."""
    chosen: dict[str, object] = {}
    try:
        # A wall-clock time in the chosen zone, echoed into the form (which reads it with the zone).
        at = datetime.strptime(request.GET.get("at", ""), "%Y-%m-%dT%H:%M")  # noqa: DTZ007
    except ValueError:
        return chosen
    chosen["scheduled_at"] = at.strftime("%Y-%m-%dT%H:%M")
    zone = request.GET.get("tz", "")
    if zone in known_timezones():
        chosen["timezone"] = zone
    return chosen


def _from_entry(request: AuthedRequest, workspace: Workspace) -> dict[str, object]:
    """A new post about an entry of the workspace's veille (`entry`): its text drafted
    from the article; anything else is ignored (the composer then starts empty)."""
    if "entry" not in request.GET:
        return {}
    entry = followed_entry(workspace, request.GET.get("entry"))
    if entry is None:
        return {}
    return {"text": post_text(entry), "variants": variants(entry), "from_entry": entry,
            "already_shared": already_shared(workspace, entry),
            "competitors_shared": shared_by_competitors(workspace, entry)}


@workspace_view(Role.EDITOR)
def compose(request: AuthedRequest, workspace: Workspace, post_id: int | None = None) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, workspace=workspace) if post_id else None
    errors: dict[str, list[str]] = {}
    values = _initial(post, workspace)
    if post is None:
        values.update(_slot_chosen(request))  # "+" in the calendar: a new post at that time
        values.update(_from_entry(request, workspace))  # "write a post" in la veille
    data: QueryDict = request.POST
    wants_json = "application/json" in request.headers.get("Accept", "")
    key = client_key_of(request.POST.get("client_key")) if post is None else ""
    if request.method == "POST" and (made := post_of_client_key(workspace, key)):
        return _saved(request, made, wants_json, again=True)  # this form was already saved once
    if request.method == "POST":
        post_input, uploads, parse_errors = read_composer(request, workspace)
        data, upload_errors = uploads_into_library(request, workspace, post_input, uploads)
        keep = parse_ids(request.POST.getlist("keep_media"))
        repeat, repeat_errors = read_repeat(request.POST, post_input) if post is None else (None, [])
        try:
            if parse_errors or repeat_errors or upload_errors:
                raise PostValidationError(upload_errors + parse_errors + repeat_errors)
            with transaction.atomic():  # a repeat that fails leaves no post behind
                saved = save_post(workspace, request.user, post_input, post=post, keep_media=keep, client_key=key)
                series = create_series(workspace, request.user, saved, repeat.rule, post_input.scheduled_at,  # type: ignore[arg-type]
                                       post_input.timezone_name, repeat.until, repeat.count) if repeat else None
                library.adopt_alt_texts(workspace, {m.asset_id: m.alt_text for m in post_input.media if m.asset_id})
        except IntegrityError:
            # The same form, sent twice at the same moment: the other request made the post.
            if (made := post_of_client_key(workspace, key)) is None:
                raise
            return _saved(request, made, wants_json, again=True)
        except PostValidationError as exc:
            errors = exc.by_field()
            values = {**request.POST.dict(), "accounts": [a.pk for a in post_input.accounts],
                      "variants": post_input.variants, "labels": [label.pk for label in post_input.labels]}
            if wants_json:
                return JsonResponse({"errors": errors}, status=400)
        else:
            if wants_json:
                return _saved(request, saved, wants_json, again=False)
            done = {"now": _("Publishing now."), "draft": _("Draft saved."),
                    "schedule": _("Post scheduled."), "queue": _("Added to the queue.")}[post_input.mode]
            if EditorialSettings.of(workspace).is_paused and post_input.mode == "now":
                # Crisis pause: the engine holds it; say so rather than "Publishing now".
                done = _("Publishing is paused in this workspace: this post is held and will be listed "
                         "when publishing resumes.")
            elif EditorialSettings.of(workspace).is_paused and post_input.mode == "schedule":
                done += " " + _("Publishing is paused in this workspace: if it still is at that time, the "
                                "post is held until publishing resumes.")
            if request.POST.get("submit_for_review") and EditorialSettings.of(workspace).requires_approval:
                done += " " + submit_after_save(saved, request.user)
            messages.success(request, done)
            if held := unapproved_warning(saved, post_input.mode):
                messages.warning(request, held)
            if series is not None:
                messages.success(request, _("It repeats: its next occurrences are listed below."))
                return redirect("web:series", workspace_id=workspace.pk, series_id=series.pk)
            return redirect(f"{_list_url(workspace.pk)}?post={saved.pk}")
    accounts = list(workspace.social_accounts.all())
    media = list(post.media.select_related("asset")) if post else []
    picker = picker_context(request, workspace, data)
    networks = sorted({(a.network, a.network_label) for a in accounts})
    fieldsets = option_fieldsets(networks, dict(post.options or {}) if post else {},
                                 request.POST if errors else None, errors)
    return render(request, "parvis/compose.html", {
        "workspace": workspace, "post": post, "accounts": accounts, "errors": errors, "values": values,
        "networks": networks, "option_fieldsets": fieldsets, "timezones": timezone_choices(),
        "media": media, "media_count": len(media) + len(picker["chosen_items"]), **picker,
        **_campaign_choices(workspace, post), "repeat_presets": PRESETS,
        "weekday_choices": sorted(WEEKDAYS.items()),
    }, status=400 if errors else 200)


def _saved(request: AuthedRequest, post: Post, wants_json: bool, again: bool) -> HttpResponse:
    """The answer to a composer form that made `post`: the list (a page), or its id (a
    draft kept offline, sent by the page's script when the network returned)."""
    if wants_json:
        return JsonResponse({"id": post.pk, "url": reverse("web:post_edit", args=[post.workspace_id, post.pk]),
                             "again": again}, status=200 if again else 201)
    if again:
        messages.info(request, _("This post was already saved: it is not saved twice."))
    return redirect(f"{_list_url(post.workspace_id)}?post={post.pk}")


def _campaign_choices(workspace: Workspace, post: Post | None) -> dict[str, object]:
    """Active campaigns, plus the post's own if it was archived since."""
    campaigns = Campaign.objects.filter(workspace=workspace).filter(
        Q(archived=False) | Q(pk=post.campaign_id if post else None))
    return {"campaigns": campaigns, "labels": Label.objects.filter(workspace=workspace)}


def _list_url(workspace_id: int) -> str:
    return reverse("web:publications", args=[workspace_id])


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def compose_check(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """The live panel under the composer: counts per account and every problem so far."""
    post_input, _uploads, parse_errors = read_composer(request, workspace)
    media_count = min(parse_int(request.POST.get("media_count", ""), MAX_ID) or 0, 20)  # the page's count
    # Library media are known (rights included); uploads are only counted before saving.
    chosen = [m for m in post_input.media if m.asset_id is not None]
    post_input.media = chosen + [MediaInfo(f"#{i + 1}", "image/jpeg", 0)
                                 for i in range(max(media_count - len(chosen), 0))]
    problems = parse_errors + [e for e in check_post(post_input) if (e.code != "required" or e.field != "text")
                               and not e.code.startswith("charter_")  # shown below, with their severity
                               and e not in parse_errors]  # an unknown zone: read, and checked again
    problems += missing_slots(post_input.accounts) if post_input.mode == "queue" else []
    return render(request, "parvis/_compose_checks.html", {
        "rows": _account_checks(workspace, post_input), "problems": problems,
        "findings": composer_findings(request, workspace, post_input),
        "previews": input_previews(workspace, replace(post_input, media=chosen)),
    })


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def compose_upload(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """Upload on pick: the file joins the library at once and the answer is its item,
    chosen for the post being written (201, or 200 when the same file was already there);
    400 with the reasons, on `media`, when it is refused."""
    file = request.FILES.get("file")
    try:
        if file is None:
            raise PostValidationError([FieldError("media", _("Choose a file to upload."), "required")])
        added = library.add_asset(workspace, request.user, Upload(file.name or "media", file, file.size or 0))
    except PostValidationError as exc:
        return render(request, "parvis/_media_upload_error.html", {"errors": exc.errors}, status=400)
    asset = added.asset
    item = {"asset": asset, "checked": True, "alt": asset.alt_text,
            "rights": library.rights_status(asset, library.workspace_today(workspace))}
    return render(request, "parvis/_picker_item.html", {"workspace": workspace, "item": item},
                  status=201 if added.created else 200)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def post_cancel(request: AuthedRequest, workspace: Workspace, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, workspace=workspace)
    count = cancel_post(post)
    messages.success(request, ngettext("%(count)d publication cancelled.", "%(count)d publications cancelled.",
                                       count) % {"count": count})
    return redirect(_list_url(workspace.pk))


@workspace_view()
def media_file(request: AuthedRequest, workspace: Workspace, media_id: int) -> FileResponse:
    media = get_object_or_404(PostMedia.objects.select_related("asset"), pk=media_id, post__workspace=workspace)
    return FileResponse(media.asset.file.open("rb"), content_type=media.asset.mime_type)

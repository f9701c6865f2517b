"""The composer: write once, check against every chosen network as you type, then
publish now, schedule or keep as a draft."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role
from parvis.accounts.scoping import workspace_for
from parvis.networks import registry
from parvis.publishing.actions import cancel_post, save_post
from parvis.publishing.models import Post, PostMedia
from parvis.publishing.validation import MediaInfo, PostValidationError, check_post
from parvis.web.composer import read_composer
from parvis.web.forms import timezone_choices


def _account_checks(workspace: object, post_input: object) -> list[dict[str, object]]:
    rows = []
    for account in post_input.accounts:  # type: ignore[attr-defined]
        connector = registry.connector_for(account)
        text = post_input.variants.get(account.network) or post_input.text  # type: ignore[attr-defined]
        limits = connector.limits()
        count = connector.count(text)
        rows.append({"account": account, "count": count, "max": limits.max_chars,
                     "over": count > limits.max_chars, "max_media": limits.max_media})
    return rows


def _initial(post: Post | None, workspace: object) -> dict[str, object]:
    if post is None:
        return {"mode": "schedule", "timezone": workspace.timezone, "accounts": [], "variants": {}}  # type: ignore[attr-defined]
    tz = ZoneInfo(post.schedule_timezone or workspace.timezone)  # type: ignore[attr-defined]
    local = post.scheduled_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if post.scheduled_at else ""
    return {"mode": "draft" if post.is_draft else "schedule", "timezone": tz.key, "scheduled_at": local,
            "text": post.text, "variants": post.variants, "language": post.language,
            "accounts": list(post.publications.values_list("account_id", flat=True))}


@login_required
def compose(request: HttpRequest, workspace_id: int, post_id: int | None = None) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.EDITOR)  # type: ignore[arg-type]
    post = get_object_or_404(Post, pk=post_id, workspace=workspace) if post_id else None
    errors: dict[str, list[str]] = {}
    values = _initial(post, workspace)
    if request.method == "POST":
        post_input, uploads, parse_errors = read_composer(request, workspace)
        keep = [int(v) for v in request.POST.getlist("keep_media") if v.isdigit()]
        try:
            if parse_errors:
                raise PostValidationError(parse_errors)
            saved = save_post(workspace, request.user, post_input, uploads, post=post, keep_media=keep)  # type: ignore[arg-type]
        except PostValidationError as exc:
            errors = exc.by_field()
            values = {**request.POST.dict(), "accounts": [a.pk for a in post_input.accounts],
                      "variants": post_input.variants}
        else:
            done = {"now": _("Publishing now."), "draft": _("Draft saved."),
                    "schedule": _("Post scheduled.")}[post_input.mode]
            messages.success(request, done)
            return redirect(f"{_list_url(workspace.pk)}?post={saved.pk}")
    accounts = list(workspace.social_accounts.all())
    return render(request, "parvis/compose.html", {
        "workspace": workspace, "post": post, "accounts": accounts, "errors": errors, "values": values,
        "networks": sorted({(a.network, a.network_label) for a in accounts}), "timezones": timezone_choices(),
        "media": list(post.media.all()) if post else [],
    }, status=400 if errors else 200)


def _list_url(workspace_id: int) -> str:
    return reverse("web:publications", args=[workspace_id])


@login_required
@require_POST
def compose_check(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """The live panel under the composer: counts per account and every problem so far."""
    workspace = workspace_for(request.user, workspace_id, Role.EDITOR)  # type: ignore[arg-type]
    post_input, _uploads, parse_errors = read_composer(request, workspace)
    media_count = min(int(request.POST.get("media_count", "0") or 0), 20)
    post_input.media = [MediaInfo(f"#{i + 1}", "image/jpeg", 0) for i in range(media_count)]
    problems = parse_errors + [e for e in check_post(post_input) if e.code != "required" or e.field != "text"]
    return render(request, "parvis/_compose_checks.html", {
        "rows": _account_checks(workspace, post_input), "problems": problems,
    })


@login_required
@require_POST
def post_cancel(request: HttpRequest, workspace_id: int, post_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.EDITOR)  # type: ignore[arg-type]
    post = get_object_or_404(Post, pk=post_id, workspace=workspace)
    count = cancel_post(post)
    messages.success(request, ngettext("%(count)d publication cancelled.", "%(count)d publications cancelled.",
                                       count) % {"count": count})
    return redirect(_list_url(workspace.pk))


@login_required
def media_file(request: HttpRequest, workspace_id: int, media_id: int) -> FileResponse:
    workspace = workspace_for(request.user, workspace_id)  # type: ignore[arg-type]
    media = get_object_or_404(PostMedia, pk=media_id, post__workspace=workspace)
    return FileResponse(media.file.open("rb"), content_type=media.mime_type)

"""The media library pages: the grid, uploads, one asset's facts and rights, where it is
used; the files and thumbnails (always through the workspace: never another one's file);
and the picker the composer shows."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_in, workspace_for, workspace_view
from parvis.core.ids import parse_ids
from parvis.publishing import library
from parvis.publishing.actions import MAX_UPLOADS, Upload
from parvis.publishing.models import MediaAsset, Post
from parvis.publishing.validation import PostValidationError
from parvis.web.library_forms import AssetForm, LibraryFilterForm

MAX_FILES_AT_ONCE = 20
PAGE_SIZE = 48
PICKER_SIZE = 24


def _can_edit(request: AuthedRequest, workspace: Workspace) -> bool:
    return membership_in(request.user, workspace.pk).at_least(Role.EDITOR)


def _cards(assets: Any, today: date) -> list[dict[str, Any]]:
    return [{"asset": a, "rights": library.rights_status(a, today)} for a in assets]


@workspace_view(min_role_post=Role.EDITOR)
def library_index(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form, problems = AssetForm(), []
    if request.method == "POST":
        form = AssetForm(request.POST)
        files = request.FILES.getlist("files")
        problems = _upload(request, workspace, files, form)
        if not problems:
            return redirect(reverse("web:library", args=[workspace.pk]))
    filters = LibraryFilterForm(request.GET)
    today = library.workspace_today(workspace)
    assets = library.search_assets(workspace, **filters.filters(), today=today).annotate(
        post_count=Count("uses__post", distinct=True))
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "parvis/library.html", {
        "workspace": workspace, "page": page, "cards": _cards(page.object_list, today), "filters": filters,
        "form": form, "problems": problems, "can_edit": _can_edit(request, workspace),
        "tags": library.workspace_tags(workspace), "max_files": MAX_FILES_AT_ONCE,
    }, status=400 if problems else 200)


def _upload(request: AuthedRequest, workspace: Workspace, files: list[UploadedFile], form: AssetForm) -> list[str]:
    """Add each file on its own: one bad file does not stop the good ones."""
    if not files:
        return [_("Choose at least one file to upload.")]
    if len(files) > MAX_FILES_AT_ONCE:
        return [_("%(max)d files at most at once.") % {"max": MAX_FILES_AT_ONCE}]
    if not form.is_valid():
        return [f"{form.fields[name].label}: {error}" for name, errors in form.errors.items() for error in errors]
    data = form.cleaned_data
    problems: list[str] = []
    added = known = 0
    for file in files:
        upload = Upload(file.name or "media", file, file.size or 0, data["alt_text"])
        try:
            result = library.add_asset(workspace, request.user, upload, data["alt_text"],
                                       data["tags"], data["source"], data["licence"], data["rights_expire_on"])
        except PostValidationError as exc:
            problems += [error.message for error in exc.errors]
            continue
        added, known = added + result.created, known + (not result.created)
    if added:
        messages.success(request, ngettext("%(count)d file added to the library.",
                                           "%(count)d files added to the library.", added) % {"count": added})
    if known:
        messages.info(request, ngettext("%(count)d file was already in the library: it was not stored twice.",
                                        "%(count)d files were already in the library: they were not stored twice.",
                                        known) % {"count": known})
    return problems


def _asset(workspace: Workspace, asset_id: int) -> MediaAsset:
    return get_object_or_404(MediaAsset, pk=asset_id, workspace=workspace)


@workspace_view()
def library_asset(request: AuthedRequest, workspace: Workspace, asset_id: int) -> HttpResponse:
    asset = _asset(workspace, asset_id)
    form = AssetForm.for_asset(asset)
    if request.method == "POST":
        workspace_for(request.user, workspace.pk, Role.EDITOR)  # after the asset: a missing one is a 404
        form = AssetForm(request.POST)
        if form.is_valid() and _save_metadata(request, asset, form):
            messages.success(request, _("Saved."))
            return redirect(reverse("web:library_asset", args=[workspace.pk, asset.pk]))
    uses = (Post.objects.filter(media__asset=asset).distinct().order_by("-scheduled_at", "-pk")
            .prefetch_related("publications__account"))
    return render(request, "parvis/library_asset.html", {
        "workspace": workspace, "asset": asset, "form": form, "uses": uses,
        "rights": library.rights_status(asset, library.workspace_today(workspace)),
        "can_edit": _can_edit(request, workspace), "in_use": library.pending_posts(asset).exists(),
    }, status=400 if form.errors else 200)


def _save_metadata(request: AuthedRequest, asset: MediaAsset, form: AssetForm) -> bool:
    data = form.cleaned_data
    try:
        library.update_asset(asset, request.user, alt_text=data["alt_text"], tags=data["tags"],
                             source=data["source"], licence=data["licence"],
                             rights_expire_on=data["rights_expire_on"])
    except PostValidationError as exc:
        for error in exc.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def library_delete(request: AuthedRequest, workspace: Workspace, asset_id: int) -> HttpResponse:
    asset = _asset(workspace, asset_id)
    name = asset.original_name
    try:
        library.delete_asset(asset, request.user)
    except library.AssetInUse as exc:
        messages.error(request, exc.errors[0].message)
        return redirect(reverse("web:library_asset", args=[workspace.pk, asset_id]))
    messages.success(request, _("“%(name)s” was deleted from the library.") % {"name": name})
    return redirect(reverse("web:library", args=[workspace.pk]))


@login_required
@require_GET
@workspace_view()
def library_file(request: AuthedRequest, workspace: Workspace, asset_id: int) -> FileResponse:
    asset = _asset(workspace, asset_id)
    return FileResponse(asset.file.open("rb"), content_type=asset.mime_type)


@login_required
@require_GET
@workspace_view()
def library_thumb(request: AuthedRequest, workspace: Workspace, asset_id: int) -> FileResponse:
    asset = _asset(workspace, asset_id)
    thumb = library.thumbnail(asset)
    if thumb is None:
        raise Http404
    response = FileResponse(thumb, content_type="image/webp")
    response["Cache-Control"] = "private, max-age=86400"  # keyed by the file's digest: never stale
    return response


# -- the composer's picker -----------------------------------------------------------------

def picker_context(request: HttpRequest, workspace: Workspace, data: QueryDict | None = None) -> dict[str, Any]:
    """The composer's media: those chosen for the post (`library_media` ticked, with the
    alt text typed for this post), and the library items matching the picker's search,
    other than those."""
    data = data if data is not None else request.POST
    ids = parse_ids(data.getlist("library_media"))[:MAX_UPLOADS]
    by_id = MediaAsset.objects.filter(workspace=workspace).in_bulk(ids)
    selected = [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]
    query, tag = data.get("library_q", "").strip(), data.get("library_tag", "").strip()
    today = library.workspace_today(workspace)
    matches = library.search_assets(workspace, text=query, tag=tag, today=today).exclude(
        pk__in=[a.pk for a in selected])[:PICKER_SIZE]
    chosen = [{"asset": a, "checked": True, "alt": data.get(f"library_alt_{a.pk}", a.alt_text),
               "rights": library.rights_status(a, today)} for a in selected]
    items = [{"asset": a, "checked": False, "alt": a.alt_text, "rights": library.rights_status(a, today)}
             for a in matches]
    return {"chosen_items": chosen, "picker_items": items, "picker_query": query,
            "picker_tag": tag, "picker_tags": library.workspace_tags(workspace),
            "picker_empty": not MediaAsset.objects.filter(workspace=workspace).exists()}


@login_required
@require_GET
@workspace_view(Role.EDITOR)
def library_picker(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return render(request, "parvis/_library_picker.html",
                  {"workspace": workspace, **picker_context(request, workspace, request.GET)})

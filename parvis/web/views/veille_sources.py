"""La veille's sources: follow a site, a feed, a YouTube channel or a Mastodon or Bluesky
account; import and export OPML; folders; why a source is paused, and resuming it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.core.ids import parse_id
from parvis.listening import actions, fetching, watching
from parvis.listening.feeds.discovery import DiscoveryError, Found, discover, kind_of
from parvis.listening.feeds.opml import OPMLError
from parvis.listening.models import Folder, Subscription
from parvis.networks import registry

MAX_OPML_BYTES = 2 * 1024 * 1024


def _account_examples() -> str:
    """How the accounts whose feeds can be followed are written, network by network."""
    examples = [f"{info.label} ({_(info.handle_syntax)})" for info in registry.NETWORKS.values()
                if info.public_feed(info.handle_example.lstrip("@")) or info.public_feed(info.handle_example)]
    return ", ".join(examples)


def _subscription(workspace: Workspace, raw: object) -> Subscription:
    pk = parse_id(raw)
    if pk is None:
        raise Http404
    return get_object_or_404(Subscription.objects.select_related("source"), pk=pk, workspace=workspace)


@workspace_view(Role.VIEWER, min_role_post=Role.EDITOR)
def veille_sources(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    context: dict[str, object] = {"workspace": workspace, "address": "", "folder": "", "errors": {}}
    if request.method == "POST":
        address, folder = request.POST.get("address", "").strip(), request.POST.get("folder", "").strip()
        context.update(address=address, folder=folder)
        chosen = request.POST.get("feed", "")
        try:
            found = [Found(chosen, kind_of(chosen))] if chosen else discover(address)
        except DiscoveryError as exc:
            context["errors"] = {"address": [str(exc)]}
        else:
            if len(found) > 1:
                context["choices"] = found  # a site with several feeds: the person picks
            else:
                subscription, created = actions.follow(workspace, found[0], request.user, folder=folder)
                messages.success(request, (_("Now following “%(title)s”.") if created
                                           else _("“%(title)s” was followed already."))
                                 % {"title": subscription.shown_title})
                return redirect("web:veille_sources", workspace_id=workspace.pk)
    subscriptions = (Subscription.objects.filter(workspace=workspace).select_related("source", "folder")
                     .order_by("folder__position", "folder__name", "title", "source__title"))
    context.update(subscriptions=subscriptions, folders=Folder.objects.filter(workspace=workspace),
                   now=timezone.now(), account_examples=_account_examples(),
                   watch_networks=watching.networks_for(*_watch_kinds()), watch_kinds=_watch_kinds().items(),
                   search_accounts=watching.searching_accounts(workspace),
                   search_networks=" / ".join(label for _key, label in watching.networks_for(watching.SEARCH)))
    return render(request, "parvis/veille/sources.html", context, status=400 if context["errors"] else 200)


@require_POST
@workspace_view(Role.EDITOR)
def veille_source_edit(request: AuthedRequest, workspace: Workspace, subscription_id: int) -> HttpResponseBase:
    subscription = _subscription(workspace, subscription_id)
    action = request.POST.get("action", "")
    if action == "unfollow":
        actions.unfollow(subscription)
        messages.success(request, _("You no longer follow “%(title)s”.") % {"title": subscription.shown_title})
    elif action == "resume":
        fetching.resume(subscription.source)
        messages.success(request, _("“%(title)s” will be fetched again in a moment.")
                         % {"title": subscription.shown_title})
    elif action == "save":
        subscription.title = " ".join(request.POST.get("title", "").split())[:300]
        subscription.folder = actions.folder_named(workspace, request.POST.get("folder", ""))
        subscription.full_text = request.POST.get("full_text") == "on"
        subscription.save(update_fields=["title", "folder", "full_text"])
        actions.set_tags(subscription, request.POST.get("tags", "").split(","))
        messages.success(request, _("“%(title)s” saved.") % {"title": subscription.shown_title})
    else:
        raise Http404
    return redirect("web:veille_sources", workspace_id=workspace.pk)


@require_POST
@workspace_view(Role.EDITOR)
def veille_import(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    upload = request.FILES.get("opml")
    if upload is None:
        messages.error(request, _("OPML file: choose a file to import."))
    elif upload.size and upload.size > MAX_OPML_BYTES:
        messages.error(request, _("OPML file: larger than 2 MB, it is not a feed reader's export."))
    else:
        try:
            report = actions.import_opml(workspace, upload.read(), request.user)
        except OPMLError as exc:
            messages.error(request, _("OPML file: %(reason)s") % {"reason": exc})
        else:
            messages.success(request, ngettext(
                "%(added)d feed added (%(already)d followed already); they are fetched in the next minutes.",
                "%(added)d feeds added (%(already)d followed already); they are fetched in the next minutes.",
                report.added) % {"added": report.added, "already": report.already})
            for address, reason in report.refused[:10]:
                messages.warning(request, f"{address}: {reason}")
    return redirect("web:veille_sources", workspace_id=workspace.pk)


@require_GET
@workspace_view()
def veille_export(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    response = HttpResponse(actions.export_opml(workspace), content_type="text/x-opml; charset=utf-8")
    name = slugify(workspace.name) or "parvis"
    response["Content-Disposition"] = f'attachment; filename="{name}-feeds.opml"'
    return response


def _watch_kinds() -> dict[str, str]:
    kinds = {watching.HASHTAG: str(watching.KIND_LABELS[watching.HASHTAG]),
             watching.SEARCH: str(watching.KIND_LABELS[watching.SEARCH])}
    if watching.stream_on():
        kinds[watching.STREAM] = str(watching.KIND_LABELS[watching.STREAM])
    return kinds


@require_POST
@workspace_view(Role.EDITOR)
def veille_watch(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    """Follow a network's public posts: a hashtag on an instance the CM chooses, a search
    through one of the workspace's connected accounts, or words in Bluesky's stream."""
    kind = request.POST.get("kind", "") or watching.HASHTAG
    term = request.POST.get("term", "") or request.POST.get("hashtag", "")
    try:
        subscription, created = watching.watch(workspace, request.user, request.POST.get("network", ""), kind,
                                               request.POST.get("instance", ""), term)
    except watching.WatchError as exc:
        labels = {"network": _("Network"), "instance": _("Instance"), "kind": _("Watch"),
                  "term": _("Hashtag") if kind == watching.HASHTAG else _("Words")}
        messages.error(request, f"{labels[exc.field]}: {exc}")
    else:
        messages.success(request, (_("Now following “%(title)s”.") if created
                                   else _("“%(title)s” was followed already.")) % {"title": subscription.shown_title})
    return redirect("web:veille_sources", workspace_id=workspace.pk)

"""La veille's stories in the browser: what the sources followed said today, in 48 hours
or in 7 days, the same news from several feeds and networks shown once with its count
of sources, and the whole story marked read at once."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.core.ids import parse_id, parse_ids
from parvis.listening import actions, clusters
from parvis.listening.models import Folder


def _stories_url(workspace: Workspace, window: str, folder: int | None) -> str:
    query = {"window": window, **({"folder": str(folder)} if folder else {})}
    return reverse("web:veille_stories", args=[workspace.pk]) + "?" + urlencode(query)


@workspace_view()
def veille_stories(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    window = request.GET.get("window", clusters.DEFAULT_WINDOW)
    window = window if window in clusters.WINDOWS else clusters.DEFAULT_WINDOW
    folders = list(Folder.objects.filter(workspace=workspace))
    folder = parse_id(request.GET.get("folder", ""))
    folder = folder if any(f.pk == folder for f in folders) else None
    since = clusters.window_start(window, request.user, timezone.now())
    labels = {"today": _("Today"), "48h": _("48 hours"), "7d": _("7 days")}
    return render(request, "parvis/veille/stories.html", {
        "workspace": workspace, "window": window, "folder": folder, "folders": folders,
        "stories": clusters.workspace_stories(workspace, request.user, since=since, folder=folder),
        "windows": [(w, labels[w], _stories_url(workspace, w, folder)) for w in clusters.WINDOWS],
        "here": _stories_url(workspace, window, folder),
    })


@require_POST
@workspace_view()
def veille_stories_read(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    """Mark read, for this person, every entry of one story (the ids the page listed)."""
    found = clusters.followed_entry_ids(workspace, parse_ids(request.POST.getlist("entry")))
    if not found:
        raise Http404
    count = actions.mark_read(request.user, workspace, found)
    messages.success(request, ngettext("%(count)d entry marked read.", "%(count)d entries marked read.", count)
                     % {"count": count})
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//")
                    else reverse("web:veille_stories", args=[workspace.pk]))

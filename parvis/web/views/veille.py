"""La veille in the browser: the reading list (unread first, by keyboard) and what is done
to entries there (read, saved, read up to here, write a post)."""

from __future__ import annotations

from urllib.parse import urlencode

from csp.decorators import csp_update
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.listening import actions, reading
from parvis.listening.models import Folder

# Articles carry their own pictures: the reading page may show images from the web
# (loaded lazily, without a referrer; everything else of the page stays parvis's own).
_article_images = csp_update({"img-src": ["https:"]})


def _reading_url(workspace: Workspace, filters: reading.ReadingFilters, **changes: object) -> str:
    query = urlencode(filters.as_query(**changes))
    base = reverse("web:veille", args=[workspace.pk])
    return f"{base}?{query}" if query else base


def _sources(request: AuthedRequest, workspace: Workspace, filters: reading.ReadingFilters,
             counted: bool) -> dict[str, object]:
    """The sidebar: the workspace's sources by folder, with their unread counts when
    `counted` (loaded after the list, so that the list never waits for them)."""
    subscriptions = list(workspace.feed_subscriptions.select_related("source", "folder")
                         .order_by("folder__position", "folder__name", "title", "source__title"))
    counts = reading.unread_counts(request.user, workspace) if counted else {}
    for subscription in subscriptions:
        subscription.unread = counts.get(subscription.pk, 0)  # type: ignore[attr-defined]
    return {"workspace": workspace, "filters": filters, "subscriptions": subscriptions, "counted": counted,
            "total_unread": sum(counts.values())}


@_article_images
@workspace_view()
def veille(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    filters = reading.ReadingFilters.from_query(request.GET)
    found = reading.page(request.user, workspace, filters)
    context = {
        **_sources(request, workspace, filters, counted=False), "rows": found.rows,
        "folders": Folder.objects.filter(workspace=workspace),
        "paused": reading.paused_sources(workspace).count(),
        "next_url": _reading_url(workspace, filters, before=found.next_before) if found.next_before else "",
        "tabs": [(show, label, _reading_url(workspace, filters, show=show, before=None))
                 for show, label in (("unread", _("Unread")), ("all", _("All")), ("saved", _("Saved")))],
    }
    template = "parvis/veille/_entries.html" if request.headers.get("HX-Request") else "parvis/veille/reading.html"
    return render(request, template, context)


@workspace_view()
def veille_counts(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """The sidebar again, with each source's unread count."""
    filters = reading.ReadingFilters.from_query(request.GET)
    return render(request, "parvis/veille/_sources_counted.html", _sources(request, workspace, filters, counted=True))


def _entry_ids(request: AuthedRequest, workspace: Workspace) -> list[int]:
    entry = reading.followed_entry(workspace, request.POST.get("entry"))
    if entry is None:
        raise Http404
    return reading.same_stories(workspace, [entry.pk])


def back(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    """After an entry's action: nothing to swap for htmx, else back where the person was
    (a `next` on this site only), else the reading list."""
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else reverse("web:veille",
                                                                                         args=[workspace.pk]))


@require_POST
@workspace_view()
def veille_mark(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    """Read or unread, saved or not: one entry (and the same article in other sources)."""
    ids = _entry_ids(request, workspace)
    what = request.POST.get("mark", "")
    if what in ("read", "unread"):
        actions.mark_read(request.user, workspace, ids, read=what == "read")
    elif what in ("save", "unsave"):
        actions.mark_saved(request.user, workspace, ids, saved=what == "save")
    else:
        raise Http404
    return back(request, workspace)


@require_POST
@workspace_view()
def veille_read_up_to(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    """"Mark read up to here": every entry of the list, as filtered, down to this one."""
    entry = reading.followed_entry(workspace, request.POST.get("entry"))
    if entry is None:
        raise Http404
    filters = reading.ReadingFilters.from_query(request.POST)
    listed = reading.entries(request.user, workspace, filters)
    count = actions.mark_read_up_to(request.user, workspace, listed, entry)
    messages.success(request, ngettext("%(count)d entry marked read.", "%(count)d entries marked read.", count)
                     % {"count": count})
    return redirect(_reading_url(workspace, filters, before=None))


@workspace_view(Role.EDITOR)
def veille_write(request: AuthedRequest, workspace: Workspace, entry_id: int) -> HttpResponseBase:
    """"Write a post" from an entry: the composer, filled from the article."""
    entry = reading.followed_entry(workspace, entry_id)
    if entry is None:
        raise Http404
    actions.mark_read(request.user, workspace, reading.same_stories(workspace, [entry.pk]))
    return redirect(reverse("web:compose", args=[workspace.pk]) + "?" + urlencode({"entry": entry.pk}))

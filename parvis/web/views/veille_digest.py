"""La veille's digest in the app: the latest (or one of the earlier ones), the person's
own schedule for it, and sharing an article with the team."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.listening import actions, digests, reading
from parvis.listening.models import Digest, DigestSchedule
from parvis.web.views.veille import back


@workspace_view()
def veille_digest(request: AuthedRequest, workspace: Workspace, digest_id: int | None = None) -> HttpResponse:
    mine = Digest.objects.filter(person=request.user, workspace=workspace)
    digest = get_object_or_404(mine, pk=digest_id) if digest_id else mine.first()
    schedule = DigestSchedule.objects.filter(person=request.user, workspace=workspace).first()
    return render(request, "parvis/veille/digest.html", {
        "workspace": workspace, "shown": digests.resolve(digest) if digest else None,
        "earlier": mine.exclude(pk=digest.pk)[:10] if digest else [], "schedule": schedule,
        "times": ", ".join(schedule.times) if schedule else "07:30, 13:00",
        "by_email": schedule.by_email if schedule else True, "tz": request.user.timezone,
    })


@require_POST
@workspace_view()
def veille_digest_schedule(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    """A person's own digest times for this workspace (empty: no digest)."""
    raw = request.POST.get("times", "")
    try:
        schedule = digests.save_schedule(request.user, workspace, raw, request.POST.get("by_email") == "on",
                                         active=bool(raw.strip()))
    except digests.DigestError as exc:
        messages.error(request, str(exc))
    else:
        if schedule.times:
            messages.success(request, _("Your digest comes at %(times)s (%(tz)s).")
                             % {"times": ", ".join(schedule.times), "tz": request.user.timezone})
        else:
            messages.success(request, _("No more digest for this workspace."))
    return redirect("web:veille_digest_latest", workspace_id=workspace.pk)


@require_POST
@workspace_view()
def veille_share(request: AuthedRequest, workspace: Workspace) -> HttpResponseBase:
    entry = reading.followed_entry(workspace, request.POST.get("entry"))
    if entry is None:
        raise Http404
    told = actions.share(request.user, workspace, entry, request.POST.get("note", ""))
    messages.success(request, ngettext("Shared with %(count)d person.", "Shared with %(count)d people.", told)
                     % {"count": told} if told else _("Nobody else works on this workspace yet."))
    return back(request, workspace)

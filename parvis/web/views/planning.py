"""What is planned and what happened: the list and one publication (the calendar is in
calendar.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.core.ids import parse_id
from parvis.publishing.actions import cancel_publication, confirm_published, retry_publication, send_again
from parvis.publishing.models import PostKind, Publication, State
from parvis.publishing.utm import final_text
from parvis.web.templatetags.parvis_tags import web_link
from parvis.web.zones import viewer_tz


def _filtered(request: HttpRequest, workspace: Workspace) -> tuple[QuerySet[Publication], dict[str, str]]:
    qs = (Publication.objects.filter(post__workspace=workspace, post__kind=PostKind.POST)
          .select_related("post", "account", "post__author").prefetch_related("post__media__asset"))
    filters = {k: request.GET.get(k, "") for k in ("account", "state", "post")}
    account, post = parse_id(filters["account"]), parse_id(filters["post"])
    if account is not None:
        qs = qs.filter(account_id=account)
    if filters["state"] in State.values:
        qs = qs.filter(state=filters["state"])
    if post is not None:
        qs = qs.filter(post_id=post)
    return qs, filters


@workspace_view()
def publication_list(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    qs, filters = _filtered(request, workspace)
    order = "-due_at" if filters["state"] in (State.PUBLISHED, State.FAILED, State.CANCELLED) else "due_at"
    page = Paginator(qs.order_by(order, "pk"), 50).get_page(request.GET.get("page"))
    context = {"workspace": workspace, "page": page, "filters": filters, "states": State.choices,
               "accounts": workspace.social_accounts.all(), "tz": viewer_tz(request, workspace.timezone)}
    template = "parvis/_publication_rows.html" if request.headers.get("HX-Request") else "parvis/publications.html"
    return render(request, template, context)


@workspace_view()
def publication_detail(request: AuthedRequest, workspace: Workspace, publication_id: int) -> HttpResponse:
    publication = get_object_or_404(
        Publication.objects.select_related("post", "account").prefetch_related("post__media__asset"),
        pk=publication_id, post__workspace=workspace)
    return render(request, "parvis/publication.html", {
        "workspace": workspace, "publication": publication, "attempts": publication.attempt_log.all(),
        "text": final_text(publication.post, publication.account.network),
        "siblings": publication.post.publications.select_related("account").exclude(pk=publication.pk),
        "tz": viewer_tz(request, workspace.timezone),
    })


def _act(request: HttpRequest, workspace: Workspace, publication_id: int, action: Callable[[Publication], bool],
         done: str, refused: str) -> HttpResponse:
    publication = get_object_or_404(Publication, pk=publication_id, post__workspace=workspace)
    if action(publication):
        messages.success(request, done)
    else:
        messages.error(request, refused)
    return redirect("web:publication", workspace_id=workspace.pk, publication_id=publication.pk)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def publication_retry(request: AuthedRequest, workspace: Workspace, publication_id: int) -> HttpResponse:
    return _act(request, workspace, publication_id, retry_publication,
                _("Publishing again now."), _("Only a failed publication can be retried."))


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def publication_confirm(request: AuthedRequest, workspace: Workspace, publication_id: int) -> HttpResponse:
    """"It is there", with the post's address if the person pasted it."""
    url = request.POST.get("url", "").strip()
    if url and not web_link(url):
        messages.error(request, _("The post's address must be a web address (https://…), or left empty."))
        return redirect("web:publication", workspace_id=workspace.pk, publication_id=publication_id)
    return _act(request, workspace, publication_id, lambda p: confirm_published(p, request.user, url[:500]),
                _("Marked as published."), _("Only a publication waiting to be checked can be confirmed."))


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def publication_send_again(request: AuthedRequest, workspace: Workspace, publication_id: int) -> HttpResponse:
    return _act(request, workspace, publication_id, lambda p: send_again(p, request.user),
                _("Sending it again now."), _("Only a publication waiting to be checked can be sent again."))


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def publication_cancel(request: AuthedRequest, workspace: Workspace, publication_id: int) -> HttpResponse:
    return _act(request, workspace, publication_id, cancel_publication, _("Publication cancelled."),
                _("This publication is being published or was published: it cannot be cancelled."))

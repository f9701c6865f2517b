"""The client portal: what a client approver reaches through their personal link.

No login: the token in the URL is the key, checked on every request (expired, revoked
link or revoked person: the same "no longer valid" page, status 404). Everything shown
comes from `approval.portal_posts(client)`: that workspace's posts in review, and the
ones this person decided whose content has not changed since. Never internal comments.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.models import ClientApprover, PortalLink
from parvis.analytics.models import ReportFile, ReportRun
from parvis.publishing import approval
from parvis.publishing.approvers import language_of
from parvis.publishing.models import ApprovalState, Post, PostMedia
from parvis.web.previews import previews

PortalView = Callable[..., HttpResponse | StreamingHttpResponse]


def _private(response: HttpResponse | StreamingHttpResponse) -> HttpResponse | StreamingHttpResponse:
    # The token is in the URL: keep it out of caches, search engines and other sites' Referer
    # headers ("same-origin", not "no-referrer": Chromium would then send "Origin: null" with
    # the forms, which the CSRF check rightly refuses).
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def portal_view(view: PortalView) -> PortalView:
    """Resolve the token to its client approver (or answer 404), note the link's use, and
    speak the approver's language (else the workspace's)."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        link = PortalLink.objects.by_token(token)
        if link is None:
            return _private(render(request, "parvis/portal/invalid.html", status=404))
        PortalLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
        with translation.override(language_of(link.approver)):
            return _private(view(request, link.approver, token, *args, **kwargs))

    return wrapper


def _decorate(post: Post, client: ClientApprover, token: str) -> Post:
    def media_url(media: PostMedia) -> str:
        return reverse("web:portal_media", args=[token, media.pk])

    post.previews = previews(post, media_url)  # type: ignore[attr-defined]
    post.thread = post.comments.filter(internal=False)  # type: ignore[attr-defined]
    post.mine = post.approvals.filter(client=client, revision=post.revision).last()  # type: ignore[attr-defined]
    return post


def _page(request: HttpRequest, client: ClientApprover, token: str, errors: dict[int, str] | None = None,
          status: int = 200) -> HttpResponse:
    visible = approval.portal_posts(client)
    in_review = visible.filter(approval_state=ApprovalState.IN_REVIEW).order_by("scheduled_at", "pk")
    decided = visible.exclude(approval_state=ApprovalState.IN_REVIEW).order_by("-updated_at")[:20]
    return render(request, "parvis/portal/home.html", {
        "client": client, "brand": client.workspace, "token": token, "tz": client.workspace.tz,
        "posts": [_decorate(p, client, token) for p in in_review],
        "decided": [_decorate(p, client, token) for p in decided],
        "errors": errors or {}, "posted": request.POST,
        "reports": ReportRun.objects.filter(workspace=client.workspace, status=ReportRun.Status.SENT)
        .prefetch_related("files")[:12],
    }, status=status)


@portal_view
def portal(request: HttpRequest, client: ClientApprover, token: str) -> HttpResponse:
    return _page(request, client, token)


DONE = {"approve": lambda: _("Thank you: you approved this post."),
        "changes": lambda: _("Thank you: your request for changes was sent to the team."),
        "comment": lambda: _("Your comment was sent to the team.")}


@require_POST
@portal_view
def portal_action(request: HttpRequest, client: ClientApprover, token: str, post_id: int) -> HttpResponse:
    post = get_object_or_404(approval.portal_posts(client), pk=post_id, approval_state=ApprovalState.IN_REVIEW)
    action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
    try:
        if action == "approve":
            approval.approve(post, client=client, comment=comment)
        elif action == "changes":
            approval.request_changes(post, comment, client=client)
        elif action == "comment":
            approval.add_review_comment(post, comment, client=client)
        else:
            raise approval.ApprovalError("action", _("Choose approve, request changes or comment."), "invalid")
    except approval.ApprovalError as exc:
        if exc.code == "forbidden":
            raise Http404 from exc
        return _page(request, client, token, errors={post.pk: exc.message},
                     status=409 if exc.code == "state" else 400)
    messages.success(request, DONE[action]())
    return redirect(reverse("web:portal", args=[token]) + f"#post-{post.pk}")


@portal_view
def portal_media(request: HttpRequest, client: ClientApprover, token: str, media_id: int) -> FileResponse:
    media = get_object_or_404(PostMedia.objects.select_related("asset"), pk=media_id,
                              post__in=approval.portal_posts(client))
    return FileResponse(media.asset.file.open("rb"), content_type=media.asset.mime_type)


@portal_view
def portal_report(request: HttpRequest, client: ClientApprover, token: str, run_id: int, format_: str) -> HttpResponse:
    """A report sent to the client's company: the client approvers of its workspace open
    it in their portal (only sent ones: a draft the CM is still editing stays inside)."""
    from django.utils.http import content_disposition_header

    found = get_object_or_404(ReportFile.objects.select_related("run__workspace"), format=format_, run_id=run_id,
                              run__workspace=client.workspace, run__status=ReportRun.Status.SENT)
    from parvis.analytics.report import MEDIA_TYPES

    run = found.run
    response = HttpResponse(bytes(found.data), content_type=MEDIA_TYPES.get(format_, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(
        True, f"{run.workspace.name} {run.start:%Y-%m-%d} {run.end:%Y-%m-%d}.{format_}")
    return response

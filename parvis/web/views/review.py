"""The team's side of approval: the posts waiting for review, and one post's review page
(previews, approval state and history, the comment thread)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, User
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view
from parvis.publishing import approval
from parvis.publishing.models import ApprovalState, EditorialSettings, Post, PostMedia
from parvis.web.previews import previews


def _media_url(workspace_id: int) -> Callable[[PostMedia], str]:
    def url(media: PostMedia) -> str:
        return reverse("web:media", args=[workspace_id, media.pk])
    return url


@membership_view()
def review_list(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    posts = list(workspace.posts.filter(approval_state=ApprovalState.IN_REVIEW)
                 .select_related("author").order_by("scheduled_at", "pk"))
    for post in posts:
        post.previews = previews(post, _media_url(workspace.pk))  # type: ignore[attr-defined]
        post.waiting = approval.waiting_for(post)  # type: ignore[attr-defined]
        post.thread = post.comments.filter(internal=False)  # type: ignore[attr-defined]
    return render(request, "parvis/review_list.html", {
        "workspace": workspace, "posts": posts, "can_decide": membership.at_least(Role.MANAGER),
        "can_comment": membership.at_least(Role.EDITOR),
    })


@membership_view()
def post_review(request: AuthedRequest, membership: Membership, post_id: int) -> HttpResponse:
    workspace = membership.workspace
    post = get_object_or_404(Post.objects.select_related("author"), pk=post_id, workspace=workspace)
    return render(request, "parvis/post_review.html", {
        "workspace": workspace, "post": post, "previews": previews(post, _media_url(workspace.pk)),
        # Members see the whole thread; internal notes are marked (and never reach the portal).
        "thread": post.comments.select_related("author", "client"),
        "history": post.approvals.select_related("user", "client"),
        "waiting": approval.waiting_for(post),
        "publications": post.publications.select_related("account"),
        "can_decide": membership.at_least(Role.MANAGER), "can_comment": membership.at_least(Role.EDITOR),
        "can_submit": (membership.at_least(Role.EDITOR) and EditorialSettings.of(workspace).requires_approval
                       and post.approval_state in (ApprovalState.NONE, ApprovalState.CHANGES_REQUESTED)),
    })


def _back(request: HttpRequest, post: Post) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:post_review", args=[post.workspace_id, post.pk])
    return redirect(target)


DONE = {
    "submit": lambda: _("Sent for review."),
    "approve": lambda: _("Approved."),
    "changes": lambda: _("Changes requested."),
    "comment": lambda: _("Comment added."),
}


@login_required
@require_POST
@membership_view()
def post_review_action(request: AuthedRequest, membership: Membership, post_id: int) -> HttpResponse:
    """submit (editors), approve and request changes (managers), comment (editors)."""
    post = get_object_or_404(Post, pk=post_id, workspace=membership.workspace)
    user: User = request.user
    action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
    if action not in DONE:
        messages.error(request, _("Unknown action."))
        return _back(request, post)
    if not membership.at_least(Role.EDITOR):
        return HttpResponse(status=403)
    try:
        if action == "submit":
            approval.submit_for_review(post, user, note=comment)
        elif action == "approve":
            approval.approve(post, user=user, comment=comment)
        elif action == "changes":
            approval.request_changes(post, comment, user=user)
        else:
            approval.add_review_comment(post, comment, author=user)
    except approval.ApprovalError as exc:
        if exc.code == "forbidden":
            return HttpResponse(exc.message, status=403)
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[action]())
    return _back(request, post)

"""Internal comments on a post (the section of the publication page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.publishing.comments import add_internal_comment, post_path
from parvis.publishing.models import Post
from parvis.publishing.validation import PostValidationError


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def post_comment(request: AuthedRequest, workspace: Workspace, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, workspace=workspace)
    body = request.POST.get("body", "")
    error = ""
    try:
        add_internal_comment(post, request.user, body)
    except PostValidationError as exc:
        error = exc.errors[0].message
    if request.headers.get("HX-Request"):
        # 200 even when refused: htmx swaps only successful answers, and the section
        # carries the message next to the kept text.
        return render(request, "parvis/_internal_comments_swap.html",
                      {"post": post, "error": error, "draft": body if error else ""})
    if error:
        messages.error(request, error)
    return redirect(post_path(post) + "#internal-comments")

"""Publishing a post without waiting for approval (managers and owners): a confirmation
page with the reason to give, then the override (`approval.publish_without_approval`),
which is audited. A form post, no script."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.publishing import approval
from parvis.publishing.models import Post


@workspace_view(Role.MANAGER)
def publish_without_approval(request: AuthedRequest, workspace: Workspace, post_id: int) -> HttpResponse:
    user = request.user
    post = get_object_or_404(Post.objects.select_related("workspace", "author"), pk=post_id, workspace=workspace)
    errors: dict[str, str] = {}
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            queued = approval.publish_without_approval(post, user, reason)
        except approval.ApprovalError as exc:
            errors[exc.field] = exc.message
        else:
            messages.success(request, ngettext(
                "Published without approval: %(n)d publication goes out now.",
                "Published without approval: %(n)d publications go out now.", len(queued)) % {"n": len(queued)})
            return redirect(f"{reverse('web:publications', args=[workspace.pk])}?post={post.pk}")
    return render(request, "parvis/approval_override.html", {
        "workspace": workspace, "post": post, "errors": errors, "reason": reason,
        "publications": post.publications.select_related("account"),
    }, status=400 if errors else 200)

"""Publishing a post without waiting for approval (managers and owners): a confirmation
page with the reason to give, then the override (`approval.publish_without_approval`),
which is audited. A form post, no script."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext

from parvis.accounts.models import Role, User
from parvis.accounts.scoping import workspace_for
from parvis.publishing import approval
from parvis.publishing.models import Post


@login_required
def publish_without_approval(request: HttpRequest, workspace_id: int, post_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    workspace = workspace_for(user, workspace_id, Role.MANAGER)
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

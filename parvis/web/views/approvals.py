"""Managers set up approval: whether posts need it, by whom, and the client approvers
with their personal portal links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.models import ClientApprover, PortalLink, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.publishing import approvers
from parvis.publishing.models import EditorialSettings
from parvis.publishing.validation import PostValidationError
from parvis.web.approval_forms import ApprovalSettingsForm, ClientApproverForm


@workspace_view(Role.MANAGER)
def approval_settings(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    settings_form = ApprovalSettingsForm(request.POST if action == "settings" else None,
                                         instance=EditorialSettings.of(workspace))
    client_form = ClientApproverForm(request.POST if action == "add" else None)
    if action == "settings" and settings_form.is_valid():
        data = settings_form.cleaned_data
        approvers.update_settings(workspace, request.user, requires_approval=data["requires_approval"],
                                  approval_mode=data["approval_mode"],
                                  approval_notice_hours=data["approval_notice_hours"], named=data["named"])
        messages.success(request, _("Approval settings saved."))
        return redirect("web:approval_settings", workspace_id=workspace.pk)
    if action == "add" and client_form.is_valid():
        data = client_form.cleaned_data
        try:
            client = approvers.add_client_approver(workspace, request.user, data["name"], data["email"],
                                                   data["language"])
        except PostValidationError as exc:
            for error in exc.errors:
                client_form.add_error(error.field if error.field in client_form.fields else None, error.message)
        else:
            messages.success(request, _("%(name)s was added and emailed a link to the review page.")
                             % {"name": client.name})
            return redirect("web:approval_settings", workspace_id=workspace.pk)
    workspace.refresh_from_db()  # and its settings, which an invalid form changed in memory
    return render(request, "parvis/approvals.html", {
        "workspace": workspace, "settings_form": settings_form, "client_form": client_form,
        "clients": approvers.clients_with_links(workspace),
    }, status=400 if (settings_form.errors or client_form.errors) else 200)


def _client(workspace: Workspace, client_id: int) -> ClientApprover:
    return get_object_or_404(ClientApprover, pk=client_id, workspace=workspace)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def client_send_link(request: AuthedRequest, workspace: Workspace, client_id: int) -> HttpResponse:
    client = _client(workspace, client_id)
    if not client.is_active:
        messages.error(request, _("%(name)s was revoked: add them again to send a link.") % {"name": client.name})
    else:
        approvers.send_link(client, request.user)
        messages.success(request, _("A new link was emailed to %(email)s.") % {"email": client.email})
    return redirect("web:approval_settings", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def client_revoke(request: AuthedRequest, workspace: Workspace, client_id: int) -> HttpResponse:
    client = _client(workspace, client_id)
    if approvers.revoke_client(client, request.user):
        messages.success(request, _("%(name)s can no longer review posts; their links stopped working.")
                         % {"name": client.name})
    return redirect("web:approval_settings", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def link_revoke(request: AuthedRequest, workspace: Workspace, link_id: int) -> HttpResponse:
    link = get_object_or_404(PortalLink.objects.select_related("approver__workspace"), pk=link_id,
                             approver__workspace=workspace)
    user: User = request.user
    if approvers.revoke_link(link, user):
        messages.success(request, _("The link was revoked."))
    return redirect("web:approval_settings", workspace_id=workspace.pk)

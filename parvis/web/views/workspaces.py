"""The dashboard, workspaces, their accounts and their people."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.actions import create_own_workspace, invite_member, revoke_invitation
from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view, workspaces_for
from parvis.accounts.switcher import set_favourite
from parvis.core.ids import parse_id
from parvis.core.texts import render as render_text
from parvis.networks import registry
from parvis.networks.actions import disconnect as do_disconnect
from parvis.networks.models import SocialAccount
from parvis.publishing.missions import progress_for_workspaces
from parvis.publishing.models import PostKind, Publication, State
from parvis.web.forms import InviteForm, WorkspaceForm
from parvis.web.views.missions import strip


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    now = timezone.now()
    workspaces = workspaces_for(request.user).select_related("editorial").annotate(
        n_accounts=Count("social_accounts", distinct=True),
        n_scheduled=Count("posts__publications", filter=Q(posts__publications__state=State.SCHEDULED), distinct=True),
        n_failed=Count("posts__publications", filter=Q(posts__publications__state=State.FAILED), distinct=True),
    )
    upcoming = (Publication.objects.filter(post__workspace__in=workspaces_for(request.user),
                                           post__kind=PostKind.POST, state=State.SCHEDULED, due_at__gte=now)
                .select_related("post", "account", "post__workspace").prefetch_related("post__media__asset")
                .order_by("due_at")[:10])
    failed = (Publication.objects.filter(post__workspace__in=workspaces_for(request.user),
                                         state=State.FAILED)
              .select_related("post", "account", "post__workspace").prefetch_related("post__media__asset")
              .order_by("-updated_at")[:10])
    listed = list(workspaces)
    progress = progress_for_workspaces(listed, now=now)  # each in its own current month, one count
    for workspace in listed:
        workspace.mission = strip(progress[workspace.pk])  # type: ignore[attr-defined]
        workspace.mission_short = sum(  # type: ignore[attr-defined]
            row.short_by for row in progress[workspace.pk] if row.at_risk)
    return render(request, "parvis/home.html", {"workspaces": listed, "upcoming": upcoming, "failed": failed})


@login_required
def workspace_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = WorkspaceForm(request.POST or None, initial={"timezone": user.timezone, "language": user.language or "fr"})
    if request.method == "POST" and form.is_valid():
        workspace = create_own_workspace(user, form.cleaned_data["name"],
                                         form.cleaned_data["timezone"], form.cleaned_data["language"])
        messages.success(request, _("Workspace %(name)s created. Connect its accounts.") % {"name": workspace.name})
        return redirect("web:accounts", workspace_id=workspace.pk)
    return render(request, "parvis/workspace_form.html", {"form": form})


@login_required
@require_POST
def workspace_favourite(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    """Pin a workspace in the switcher, or unpin it (`favourite=0`); back to the page the
    person was on."""
    set_favourite(request.user, workspace_id, request.POST.get("favourite") != "0")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("web:calendar", args=[workspace_id])
    return redirect(target)


@workspace_view(Role.MANAGER)
def workspace_settings(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form = WorkspaceForm(request.POST or None, instance=workspace)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Workspace saved."))
        return redirect("web:workspace_settings", workspace_id=workspace.pk)
    return render(request, "parvis/workspace_form.html", {"form": form, "workspace": workspace})


@membership_view()
def accounts(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    accounts = list(workspace.social_accounts.all())
    for account in accounts:
        account.warnings = account_warnings(account)  # type: ignore[attr-defined]
    return render(request, "parvis/accounts.html", {
        "workspace": workspace, "accounts": accounts,
        "networks": registry.NETWORKS.values(), "can_manage": membership.at_least(Role.MANAGER),
    })


EXPIRY_SHOWN = timedelta(days=14)


def account_warnings(account: SocialAccount) -> list[str]:
    """The network's own warnings, and credentials that stop working within two weeks (the
    token sweep renews those it can; these are worth a look either way)."""
    warnings = [render_text(w) for w in account.checking_connector.warnings()]
    expires = account.credentials_expire_at
    if expires is not None and expires - timezone.now() < EXPIRY_SHOWN:
        warnings.append(_("Access ends on %(date)s unless it is renewed or reconnected before.")
                        % {"date": date_format(timezone.localtime(expires), "DATE_FORMAT")})
    return warnings


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def disconnect(request: AuthedRequest, workspace: Workspace, account_id: int) -> HttpResponse:
    account = get_object_or_404(workspace.social_accounts, pk=account_id)
    do_disconnect(account)
    messages.success(request, _("%(account)s disconnected.") % {"account": account})
    return redirect("web:accounts", workspace_id=workspace.pk)


@membership_view()
def members(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    can_invite = membership.at_least(Role.MANAGER)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and not can_invite:
        return HttpResponse(status=403)
    if request.method == "POST" and "revoke" in request.POST:
        revoke = parse_id(request.POST["revoke"])
        if revoke is not None:
            revoke_invitation(workspace, revoke)
        return redirect("web:members", workspace_id=workspace.pk)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invite_member(membership, form.cleaned_data["email"], form.cleaned_data["role"])
        except ValidationError as exc:
            form.add_error(None, exc)  # a dict of errors: each goes to its field
        else:
            # The link itself only goes into the email (flash messages live in a cookie).
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("web:members", workspace_id=workspace.pk)
    return render(request, "parvis/members.html", {
        "workspace": workspace, "form": form, "can_invite": can_invite,
        "memberships": workspace.memberships.select_related("user").order_by("user__email"),
        "invitations": workspace.invitations.pending(),
    })

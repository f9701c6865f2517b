"""Campaigns and labels of a workspace: what posts are grouped and filtered by."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.publishing.campaigns import (
    delete_label,
    save_campaign,
    save_label,
    set_campaign_archived,
)
from parvis.publishing.models import Campaign, Label
from parvis.web.campaign_forms import CampaignForm, LabelForm, save_form


def _actor(request: AuthedRequest) -> User:
    return request.user


def _page(request: HttpRequest, workspace: Workspace, campaign_form: CampaignForm, label_form: LabelForm,
          status: int = 200, can_edit: bool = True) -> HttpResponse:
    campaigns = Campaign.objects.filter(workspace=workspace).annotate(n_posts=Count("posts"))
    return render(request, "parvis/campaigns.html", {
        "workspace": workspace, "campaign_form": campaign_form, "label_form": label_form, "can_edit": can_edit,
        "campaigns": campaigns.filter(archived=False), "archived": campaigns.filter(archived=True),
        "labels": Label.objects.filter(workspace=workspace).annotate(n_posts=Count("posts")),
    }, status=status)


@membership_view()
def campaign_list(request: AuthedRequest, membership: Membership) -> HttpResponse:
    """Both lists, with a form to add a campaign and one to add a label (viewers read)."""
    if request.method != "POST" and not membership.at_least(Role.EDITOR):
        return _page(request, membership.workspace, CampaignForm(), LabelForm(), can_edit=False)
    if not membership.at_least(Role.EDITOR):
        raise PermissionDenied
    workspace = membership.workspace
    campaign_form, label_form = CampaignForm(), LabelForm()
    if request.method == "POST" and "label-name" in request.POST:
        label_form = LabelForm(request.POST)
        if save_form(label_form, lambda data: save_label(workspace, _actor(request), data)):
            messages.success(request, _("Label created."))
            return redirect("web:campaigns", workspace_id=workspace.pk)
        return _page(request, workspace, campaign_form, label_form, status=400)
    if request.method == "POST":
        campaign_form = CampaignForm(request.POST)
        if save_form(campaign_form, lambda data: save_campaign(workspace, _actor(request), data)):
            messages.success(request, _("Campaign created."))
            return redirect("web:campaigns", workspace_id=workspace.pk)
        return _page(request, workspace, campaign_form, label_form, status=400)
    return _page(request, workspace, campaign_form, label_form)


@workspace_view(Role.EDITOR)
def campaign_edit(request: AuthedRequest, workspace: Workspace, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id, workspace=workspace)
    form = CampaignForm.for_campaign(campaign)
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if save_form(form, lambda data: save_campaign(workspace, _actor(request), data, campaign)):
            messages.success(request, _("Campaign saved."))
            return redirect("web:campaigns", workspace_id=workspace.pk)
    return render(request, "parvis/campaign_form.html", {
        "workspace": workspace, "form": form, "object": campaign, "kind": "campaign",
    }, status=400 if form.errors else 200)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def campaign_archive(request: AuthedRequest, workspace: Workspace, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id, workspace=workspace)
    archive = request.POST.get("archived", "1") == "1"
    set_campaign_archived(campaign, _actor(request), archive)
    messages.success(request, _("Campaign archived.") if archive else _("Campaign restored."))
    return redirect("web:campaigns", workspace_id=workspace.pk)


@workspace_view(Role.EDITOR)
def label_edit(request: AuthedRequest, workspace: Workspace, label_id: int) -> HttpResponse:
    label = get_object_or_404(Label, pk=label_id, workspace=workspace)
    form = LabelForm.for_label(label)
    if request.method == "POST":
        form = LabelForm(request.POST)
        if save_form(form, lambda data: save_label(workspace, _actor(request), data, label)):
            messages.success(request, _("Label saved."))
            return redirect("web:campaigns", workspace_id=workspace.pk)
    return render(request, "parvis/campaign_form.html", {
        "workspace": workspace, "form": form, "object": label, "kind": "label",
    }, status=400 if form.errors else 200)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def label_delete(request: AuthedRequest, workspace: Workspace, label_id: int) -> HttpResponse:
    label = get_object_or_404(Label, pk=label_id, workspace=workspace)
    delete_label(label, _actor(request))
    messages.success(request, _("Label deleted."))
    return redirect("web:campaigns", workspace_id=workspace.pk)

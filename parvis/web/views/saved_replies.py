"""Saved replies (a workspace's FAQ): the page that lists, searches and edits them, and
the picker shown next to the reply box of an inbox item.

Roles as on the other editing pages: every member reads the FAQ, editors and above write
it and insert from it (they are the ones who can reply). Outsiders get 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.inbox import saved_replies
from parvis.inbox.models import SavedReply
from parvis.web.campaign_forms import save_form
from parvis.web.views.inbox import item_for as inbox_item_for


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=saved_replies.MAX_TITLE_CHARS)
    body = forms.CharField(label=gettext_lazy("Text"), max_length=saved_replies.MAX_BODY_CHARS,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=gettext_lazy("Variables are filled in when the reply is inserted."))
    crisis = forms.BooleanField(label=gettext_lazy("Crisis FAQ"), required=False,
                                help_text=gettext_lazy("Shown first while publishing is paused for a crisis."))

    @classmethod
    def for_saved(cls, saved: SavedReply) -> SavedReplyForm:
        return cls(initial={"title": saved.title, "body": saved.body, "crisis": saved.crisis})

    def to_input(self) -> saved_replies.SavedReplyInput:
        data = self.cleaned_data
        return saved_replies.SavedReplyInput(title=data["title"], body=data["body"], crisis=data["crisis"])


def _actor(request: AuthedRequest) -> User:
    return request.user


def _variables() -> list[tuple[str, str]]:
    return [("{" + name + "}", str(label)) for name, (label, _fill) in saved_replies.VARIABLES.items()]


def _list_page(request: HttpRequest, workspace: Workspace, form: SavedReplyForm, can_edit: bool,
               status: int = 200) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    return render(request, "parvis/inbox/saved_replies.html", {
        "workspace": workspace, "form": form, "can_edit": can_edit, "q": q,
        "replies": saved_replies.search(workspace, q), "variables": _variables(),
    }, status=status)


@membership_view()
def saved_reply_list(request: AuthedRequest, membership: Membership) -> HttpResponse:
    """The FAQ, searchable (`?q=`), with a form to add one (editors)."""
    can_edit = membership.at_least(Role.EDITOR)
    if request.method != "POST":
        return _list_page(request, membership.workspace, SavedReplyForm(), can_edit)
    if not membership.at_least(Role.EDITOR):
        raise PermissionDenied
    workspace = membership.workspace
    form = SavedReplyForm(request.POST)
    if save_form(form, lambda data: saved_replies.create_saved_reply(workspace, _actor(request), data)):
        messages.success(request, _("Saved reply created."))
        return redirect("web:saved_replies", workspace_id=workspace.pk)
    return _list_page(request, workspace, form, can_edit, status=400)


@workspace_view(Role.EDITOR)
def saved_reply_edit(request: AuthedRequest, workspace: Workspace, saved_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedReply, pk=saved_id, workspace=workspace)
    form = SavedReplyForm.for_saved(saved)
    if request.method == "POST":
        form = SavedReplyForm(request.POST)
        if save_form(form, lambda data: saved_replies.update_saved_reply(saved, _actor(request), data)):
            messages.success(request, _("Saved reply saved."))
            return redirect("web:saved_replies", workspace_id=workspace.pk)
    return render(request, "parvis/inbox/saved_replies_form.html", {
        "workspace": workspace, "form": form, "saved": saved, "variables": _variables(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def saved_reply_delete(request: AuthedRequest, workspace: Workspace, saved_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedReply, pk=saved_id, workspace=workspace)
    saved_replies.delete_saved_reply(saved, _actor(request))
    messages.success(request, _("Saved reply deleted."))
    return redirect("web:saved_replies", workspace_id=workspace.pk)


@login_required
@require_GET
def saved_reply_picker(request: AuthedRequest, workspace_id: int, item_id: int) -> HttpResponse:
    """The picker's results (htmx): the matching saved replies, each already filled in
    for this item and this person, ready to be inserted into the reply box."""
    user = _actor(request)
    item, membership = inbox_item_for(user, workspace_id, item_id, Role.EDITOR)  # the inbox's own access rule
    workspace = membership.workspace
    q = request.GET.get("q", "")[:200]
    found = [(saved, saved_replies.render(saved, item, user)) for saved in saved_replies.search(workspace, q)]
    return render(request, "parvis/inbox/saved_replies_picker.html", {
        "workspace": workspace, "item": item, "found": found, "q": q,
    })


@login_required
@require_POST
@workspace_view(Role.EDITOR)
def saved_reply_use(request: AuthedRequest, workspace: Workspace, saved_id: int) -> HttpResponse:
    """Sent by the picker when a saved reply is inserted: counts one use."""
    saved = get_object_or_404(SavedReply, pk=saved_id, workspace=workspace)
    saved_replies.count_use(saved)
    return HttpResponse(status=204)

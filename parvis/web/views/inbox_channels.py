"""The inbox's notification channels (outgoing webhooks to Slack, Mattermost, Matrix and
ntfy): list, create, edit, delete, and "send a test" which shows what the server answered.

Tokens are write-only: the page shows that one is saved and its last characters, never
the token itself; an empty token field keeps the saved one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from parvis.accounts import channels as channel_topics
from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.inbox import crisis, webhooks
from parvis.inbox.models import Webhook, default_webhook_topics


class WebhookForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=Webhook.Format.choices)
    url = forms.CharField(label=gettext_lazy("Address"), max_length=500, required=False,
                          help_text=gettext_lazy("Slack and Mattermost: the incoming webhook's URL. Matrix: the "
                                                 "homeserver, for example https://matrix.example.org. ntfy: the "
                                                 "topic's URL, for example https://ntfy.sh/my-brand-alerts."))
    room = forms.CharField(label=gettext_lazy("Matrix room id"), max_length=300, required=False,
                           help_text=gettext_lazy("Matrix only: the room's id, starting with ! (room settings, "
                                                  "Advanced)."))
    token = forms.CharField(label=gettext_lazy("Access token"), max_length=500, required=False,
                            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                            help_text=gettext_lazy("Matrix: required, the token of the account that posts. ntfy: "
                                                   "optional, for a protected topic. Leave empty to keep the saved "
                                                   "one."))
    forget_token = forms.BooleanField(label=gettext_lazy("Remove the saved token"), required=False)
    urgent_only = forms.BooleanField(label=gettext_lazy("Urgent items only (high priority, or a crisis)"),
                                     required=False)
    topics = forms.MultipleChoiceField(
        label=gettext_lazy("It carries"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(t.key, t.label) for t in channel_topics.TOPICS], initial=default_webhook_topics,
        help_text=gettext_lazy("What the team reads in this channel; each person chooses their own notices "
                               "in their notification choices."))
    enabled = forms.BooleanField(label=pgettext_lazy("switch", "On"), required=False, initial=True)

    @classmethod
    def of(cls, hook: Webhook) -> WebhookForm:
        return cls(initial={"name": hook.name, "format": hook.format, "url": hook.url,
                            "room": (hook.secret or {}).get("room", ""), "urgent_only": hook.urgent_only,
                            "topics": list(hook.topics or []), "enabled": hook.enabled})

    def save(self, workspace: Workspace, hook: Webhook | None = None) -> Webhook | None:
        """Saved channel, or None with the errors on the form's fields."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return webhooks.save_webhook(workspace, data["name"], data["format"], data["url"],
                                         {"room": data["room"], "token": data["token"]}, data["urgent_only"],
                                         data["enabled"], hook, forget_token=data["forget_token"],
                                         topics=data["topics"])
        except webhooks.WebhookError as exc:
            for field, message in exc.errors.items():
                self.add_error(field if field in self.fields else None, message)
            return None


def masked(secret: dict[str, Any] | None) -> str:
    """Enough of a saved token to recognise it, never enough to use it."""
    token = str((secret or {}).get("token", ""))
    if not token:
        return ""
    return "••••" + token[-4:] if len(token) >= 16 else "••••"


def _render(request: HttpRequest, workspace: Workspace, form: WebhookForm, hook: Webhook | None = None) -> HttpResponse:
    hooks = list(Webhook.objects.filter(workspace=workspace))
    return render(request, "parvis/inbox/settings_channels.html", {
        "workspace": workspace, "alert": crisis.active_alert(workspace),
        "can_pause": True, "can_acknowledge": True, "form": form, "hook": hook,
        "hooks": [{"hook": h, "token": masked(h.secret)} for h in hooks],
        "saved_token": masked(hook.secret) if hook is not None else "",
    }, status=400 if form.errors else 200)


@workspace_view(Role.MANAGER)
def channel_list(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST":
        hook = form.save(workspace)
        if hook is not None:
            messages.success(request, _("Channel “%(name)s” saved. Send a test to check it.") % {"name": hook.name})
            return redirect("web:inbox_channels", workspace_id=workspace.pk)
    return _render(request, workspace, form)


def _hook(workspace: Workspace, hook_id: int) -> Webhook:
    return get_object_or_404(Webhook, pk=hook_id, workspace=workspace)


@workspace_view(Role.MANAGER)
def channel_edit(request: AuthedRequest, workspace: Workspace, hook_id: int) -> HttpResponse:
    hook = _hook(workspace, hook_id)
    form = WebhookForm(request.POST) if request.method == "POST" else WebhookForm.of(hook)
    if request.method == "POST":
        saved = form.save(workspace, hook)
        if saved is not None:
            messages.success(request, _("Channel “%(name)s” saved.") % {"name": saved.name})
            return redirect("web:inbox_channels", workspace_id=workspace.pk)
    return _render(request, workspace, form, hook)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def channel_delete(request: AuthedRequest, workspace: Workspace, hook_id: int) -> HttpResponse:
    hook = _hook(workspace, hook_id)
    hook.delete()
    messages.success(request, _("Channel “%(name)s” deleted.") % {"name": hook.name})
    return redirect("web:inbox_channels", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def channel_test(request: AuthedRequest, workspace: Workspace, hook_id: int) -> HttpResponse:
    """Send now (not in the background): the person is waiting for the answer."""
    hook = _hook(workspace, hook_id)
    delivered = webhooks.send_test(hook, request.build_absolute_uri(reverse("web:inbox_workspace",
                                                                            args=[workspace.pk])))
    hook.refresh_from_db(fields=["last_status", "last_status_text", "last_sent_at"])
    if delivered:
        messages.success(request, _("Test sent to “%(name)s”: %(status)s.") % {"name": hook.name,
                                                                             "status": hook.shown_last_status})
    else:
        messages.error(request, _("The test to “%(name)s” failed: %(status)s.") % {"name": hook.name,
                                                                                 "status": hook.shown_last_status})
    return redirect("web:inbox_channels", workspace_id=workspace.pk)

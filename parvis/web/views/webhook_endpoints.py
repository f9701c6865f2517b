"""Outgoing webhooks in the workspace settings: endpoints (list, create, edit, delete,
rotate the secret, send a test ping) and each endpoint's deliveries with their attempts
("send again"). Owners and managers only, like the REST API.

A secret is shown once, on the page that answers its creation or rotation; parvis keeps
it encrypted and never shows it again."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.api.webhooks import actions, delivery
from parvis.api.webhooks.models import WebhookDelivery, WebhookEndpoint
from parvis.core.events import EVENT_TYPES
from parvis.publishing.types import PostValidationError
from parvis.web.views.inbox_rules import actor


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("Address"), max_length=500, required=False,
                          help_text=gettext_lazy("Where parvis POSTs the events, for example your n8n, Make or "
                                                 "Zapier webhook URL."))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), required=False, widget=forms.CheckboxSelectMultiple,
        # Lazy: an f-string here would freeze each description in the language active at import.
        choices=[(key, format_lazy("{} — {}", key, text)) for key, text in EVENT_TYPES.items()])
    active = forms.BooleanField(label=pgettext_lazy("switch", "On"), required=False, initial=True)

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointForm:
        return cls(initial={"url": endpoint.url, "description": endpoint.description,
                            "event_types": endpoint.event_types, "active": endpoint.active})

    def save(self, workspace: Workspace, request: AuthedRequest,
             endpoint: WebhookEndpoint | None = None) -> tuple[WebhookEndpoint | None, str]:
        """The saved endpoint and, for a new one, its secret; (None, "") with the errors on the form."""
        if not self.is_valid():
            return None, ""
        data = self.cleaned_data
        try:
            if endpoint is None:
                return actions.create_endpoint(workspace, actor(request), data["url"], data["description"],
                                               data["event_types"], data["active"])
            return actions.update_endpoint(endpoint, data["url"], data["description"], data["event_types"],
                                           data["active"]), ""
        except PostValidationError as exc:
            for error in exc.errors:
                self.add_error(error.field if error.field in self.fields else None, error.message)
            return None, ""


def _endpoint(workspace: Workspace, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id, workspace=workspace)


def _list(request: HttpRequest, workspace: Workspace, form: EndpointForm, secret: str = "",
          created: WebhookEndpoint | None = None) -> HttpResponse:
    return render(request, "parvis/webhooks.html", {
        "workspace": workspace, "form": form, "secret": secret, "created": created,
        "endpoints": WebhookEndpoint.objects.filter(workspace=workspace),
    }, status=400 if form.errors else 200)


@workspace_view(Role.MANAGER)
def webhook_list(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST":
        endpoint, secret = form.save(workspace, request)
        if endpoint is not None:
            return _list(request, workspace, EndpointForm(), secret, endpoint)
    return _list(request, workspace, form)


def _detail(request: HttpRequest, workspace: Workspace, endpoint: WebhookEndpoint, form: EndpointForm,
            secret: str = "") -> HttpResponse:
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")
    page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
    for item in page:
        item.pretty_body = json.dumps(json.loads(item.body), indent=2, ensure_ascii=False)  # type: ignore[attr-defined]
    return render(request, "parvis/webhook_endpoint.html", {
        "workspace": workspace, "endpoint": endpoint, "form": form, "secret": secret, "page": page,
    }, status=400 if form.errors else 200)


@workspace_view(Role.MANAGER)
def webhook_endpoint(request: AuthedRequest, workspace: Workspace, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(workspace, endpoint_id)
    form = EndpointForm(request.POST) if request.method == "POST" else EndpointForm.of(endpoint)
    if request.method == "POST":
        saved, _secret = form.save(workspace, request, endpoint)
        if saved is not None:
            messages.success(request, _("Endpoint saved."))
            return redirect("web:webhook_endpoint", workspace_id=workspace.pk, endpoint_id=endpoint.pk)
    return _detail(request, workspace, endpoint, form)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def webhook_delete(request: AuthedRequest, workspace: Workspace, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(workspace, endpoint_id)
    endpoint.delete()
    messages.success(request, _("Endpoint %(url)s deleted.") % {"url": endpoint.url})
    return redirect("web:webhooks", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def webhook_rotate(request: AuthedRequest, workspace: Workspace, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(workspace, endpoint_id)
    secret = actions.rotate_secret(endpoint)
    return _detail(request, workspace, endpoint, EndpointForm.of(endpoint), secret)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def webhook_ping(request: AuthedRequest, workspace: Workspace, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(workspace, endpoint_id)
    delivery.ping(endpoint)
    messages.success(request, _("Test ping queued: it is sent within seconds. Reload to see the answer."))
    return redirect("web:webhook_endpoint", workspace_id=workspace.pk, endpoint_id=endpoint.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def webhook_send_again(
    request: AuthedRequest, workspace: Workspace, endpoint_id: int, delivery_id: int,
) -> HttpResponse:
    endpoint = _endpoint(workspace, endpoint_id)
    original = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint)
    delivery.send_again(original)
    messages.success(request, _("The message is sent again within seconds."))
    return redirect("web:webhook_endpoint", workspace_id=workspace.pk, endpoint_id=endpoint.pk)

"""Connecting a Mastodon account: OAuth on the instance, or a pasted token."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.networks.actions import save_account
from parvis.networks.authorise import go_to_authorisation
from parvis.networks.base import NetworkError
from parvis.networks.guarded import probe, probe_seconds
from parvis.networks.mastodon import oauth
from parvis.networks.mastodon.client import SERVER, call, make_client
from parvis.networks.mastodon.connector import fetch_instance_limits, identity_from
from parvis.networks.mastodon.forms import ConnectForm

SESSION_KEY = "mastodon_oauth"


def _finish(request: HttpRequest, workspace_id: int, base_url: str, token: str) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)  # type: ignore[arg-type]
    client = make_client(base_url, token)
    me = call(client, client.account_verify_credentials)
    try:
        limits = fetch_instance_limits(client)
    except NetworkError:
        limits = None
    account = save_account(
        workspace, "mastodon", base_url, identity_from(me, base_url), {"access_token": token},
        request.user,  # type: ignore[arg-type]
        config={"limits": limits, "limits_checked_at": timezone.now().isoformat()} if limits else None,
    )
    messages.success(request, _("Connected %(handle)s.") % {"handle": account.handle})
    return redirect("web:accounts", workspace_id=workspace.pk)


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        base_url = form.cleaned_data["instance"]
        token = form.cleaned_data["access_token"].strip()
        field = "instance"
        try:
            probe(base_url, SERVER)  # there, and a Mastodon server, before anything is sent
            field = "access_token" if token else "instance"
            if token:
                return _finish(request, workspace.pk, base_url, token)
            redirect_uri = request.build_absolute_uri(reverse("mastodon:callback"))
            app = oauth.server_app(base_url, redirect_uri)
            state = secrets.token_urlsafe(24)
            request.session[SESSION_KEY] = {
                "state": state, "workspace": workspace.pk, "app": app.pk, "base_url": base_url,
            }
            return go_to_authorisation(request, oauth.authorize_url(app, state, get_language()), "Mastodon")
        except NetworkError as exc:
            form.add_error(field, _("%(instance)s: %(error)s") % {"instance": base_url, "error": exc.message})
    return render(request, "networks/connect.html", {
        "workspace": workspace, "form": form, "network_label": "Mastodon", "wait_seconds": probe_seconds(),
    })


@login_required
def callback(request: AuthedRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(pending["state"], state):
        messages.error(request, _("This Mastodon login has expired or was not started here. Try again."))
        return redirect("web:home")
    if "error" in request.GET or "code" not in request.GET:
        messages.error(request, _("The instance did not authorise parvis: %(error)s") % {
            "error": request.GET.get("error_description") or request.GET.get("error") or "?"})
        return redirect("mastodon:connect", workspace_id=pending["workspace"])
    app = oauth.ServerApp.objects.get(pk=pending["app"])
    try:
        token = oauth.exchange_code(app, request.GET["code"])
        return _finish(request, pending["workspace"], pending["base_url"], token)
    except NetworkError as exc:
        messages.error(request, exc.message)
        return redirect("mastodon:connect", workspace_id=pending["workspace"])

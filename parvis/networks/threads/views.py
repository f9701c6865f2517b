"""Connecting a Threads account: the OAuth login on threads.net with this installation's
Meta app, whose id and secret come from the environment."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.networks.actions import save_account
from parvis.networks.authorise import go_to_authorisation
from parvis.networks.base import NetworkError
from parvis.networks.threads import oauth
from parvis.networks.threads.client import ThreadsClient, app_credentials
from parvis.networks.threads.connector import PROFILE, read_identity
from parvis.networks.threads.info import INFO
from parvis.networks.tokens import save_credentials

SESSION_KEY = "threads_oauth"
SETTINGS = ("PARVIS_THREADS_CLIENT_ID", "PARVIS_THREADS_CLIENT_SECRET")


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    redirect_uri = request.build_absolute_uri(reverse("threads:callback"))
    configured = app_credentials()
    if request.method == "POST" and configured is not None:
        state = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {"state": state, "workspace": workspace.pk, "redirect_uri": redirect_uri}
        return go_to_authorisation(request, oauth.login_url(configured[0], redirect_uri, state), INFO.label)
    return render(request, "threads/connect.html", {
        "workspace": workspace, "network_label": INFO.label, "configured": configured is not None,
        "settings": SETTINGS, "redirect_uri": redirect_uri,
    })


@login_required
def callback(request: AuthedRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(str(pending["state"]), state):
        messages.error(request, _("This Threads login has expired or was not started here. Try again."))
        return redirect("web:home")
    workspace = workspace_for(request.user, pending["workspace"], Role.MANAGER)
    if "code" not in request.GET or app_credentials() is None:
        messages.error(request, _("Threads did not authorise parvis: %(error)s") % {
            "error": request.GET.get("error_description") or request.GET.get("error") or "?"})
        return redirect("threads:connect", workspace_id=workspace.pk)
    try:
        credentials = oauth.exchange_code(request.GET["code"], pending["redirect_uri"])
        identity = read_identity(ThreadsClient(credentials.values["access_token"]))
    except NetworkError as exc:
        messages.error(request, exc.message)
        return redirect("threads:connect", workspace_id=workspace.pk)
    account = save_account(workspace, INFO.key, PROFILE, identity,
                           {**credentials.values, "user_id": identity.remote_id}, request.user)
    save_credentials(account, credentials)  # with its expiry, which the token sweep watches
    messages.success(request, _("Connected %(handle)s.") % {"handle": account.handle})
    return redirect("web:accounts", workspace_id=workspace.pk)

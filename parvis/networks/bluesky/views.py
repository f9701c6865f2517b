"""Connecting a Bluesky account with a handle and an app password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.networks.actions import save_account
from parvis.networks.base import Identity, NetworkError
from parvis.networks.bluesky.connector import SERVER
from parvis.networks.bluesky.forms import ConnectForm
from parvis.networks.guarded import probe, probe_seconds
from parvis.networks.models import SocialAccount


def verify(server: str, handle: str, app_password: str) -> tuple[SocialAccount, Identity]:
    """Log in once to check the app password and learn the account's DID."""
    from parvis.networks.bluesky.connector import BlueskyConnector

    probe = SocialAccount(network="bluesky", server_url=server, handle=handle,
                          credentials={"identifier": handle, "app_password": app_password})
    connector = BlueskyConnector(probe)
    return probe, connector.identity()


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            probe(data["server"], SERVER)  # there, and a PDS, before the app password is sent
            unsaved, identity = verify(data["server"], data["handle"], data["app_password"])
        except NetworkError as exc:
            field = "app_password" if exc.kind == "reconnect" else "server"
            form.add_error(field, exc.message)
        else:
            account = save_account(
                workspace, "bluesky", data["server"], identity, unsaved.credentials,
                request.user,
            )
            messages.success(request, _("Connected %(handle)s.") % {"handle": account.handle})
            return redirect("web:accounts", workspace_id=workspace.pk)
    return render(request, "networks/connect.html", {
        "workspace": workspace, "form": form, "network_label": "Bluesky", "wait_seconds": probe_seconds(),
    })

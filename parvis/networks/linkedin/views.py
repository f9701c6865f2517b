"""Connecting a LinkedIn page or personal profile: LinkedIn's OAuth page, then the
choice among the pages the member administers (or their own profile), then the account.

The OAuth state is bound to the session and checked on return; the tokens wait in the
session (server-side) only between the return and the choice.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.networks.actions import save_account
from parvis.networks.authorise import go_to_authorisation
from parvis.networks.base import NetworkError
from parvis.networks.linkedin import oauth
from parvis.networks.linkedin.client import LinkedInClient, api_url
from parvis.networks.linkedin.connector import identity_of
from parvis.networks.linkedin.version import sunset_warning

SESSION_KEY = "linkedin_oauth"
CHOICE_KEY = "linkedin_choice"


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    missing = oauth.missing_settings()
    if request.method == "POST" and not missing:
        state = secrets.token_urlsafe(24)
        redirect_uri = request.build_absolute_uri(reverse("linkedin:callback"))
        request.session[SESSION_KEY] = {"state": state, "workspace": workspace.pk, "redirect_uri": redirect_uri}
        return go_to_authorisation(request, oauth.authorization_url(redirect_uri, state), "LinkedIn")
    warning = sunset_warning()
    return render(request, "linkedin/connect.html", {
        "workspace": workspace, "missing": missing, "version_warning": warning.render() if warning else ""})


@login_required
def callback(request: AuthedRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(str(pending["state"]), state):
        messages.error(request, _("This LinkedIn login has expired or was not started here. Try again."))
        return redirect("web:home")
    workspace_id = pending["workspace"]
    if "error" in request.GET or "code" not in request.GET:
        messages.error(request, _("LinkedIn did not authorise parvis: %(error)s") % {
            "error": request.GET.get("error_description") or request.GET.get("error") or "?"})
        return redirect("linkedin:connect", workspace_id=workspace_id)
    try:
        tokens = oauth.exchange_code(request.GET["code"], pending["redirect_uri"])
        with LinkedInClient(tokens.access_token) as api:
            choices = choices_for(api)
    except NetworkError as error:
        messages.error(request, _("LinkedIn: %(error)s") % {"error": error.message})
        return redirect("linkedin:connect", workspace_id=workspace_id)
    request.session[CHOICE_KEY] = {
        "workspace": workspace_id, "choices": choices,
        "tokens": {"access_token": tokens.access_token, "expires_at": tokens.expires_at.isoformat(),
                   "refresh_token": tokens.refresh_token,
                   "refresh_expires_at": tokens.refresh_expires_at.isoformat() if tokens.refresh_expires_at else ""},
    }
    return redirect("linkedin:choose", workspace_id=workspace_id)


def choices_for(api: LinkedInClient) -> list[list[str]]:
    """[URN, name] of each page the member administers, then their own profile."""
    me = api.send("GET", f"{api_url()}/v2/userinfo", headers={"Authorization": f"Bearer {api.token}"}).json()
    acls = api.get("organizationAcls", params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"})
    pages: list[list[str]] = []
    for element in acls.get("elements") or []:
        urn = str(element.get("organization") or "")
        if urn.startswith("urn:li:organization:") and urn not in (page[0] for page in pages):
            pages.append([urn, identity_of(api, urn).display_name])
    person = f"urn:li:person:{me['sub']}"
    return [*pages, [person, _("%(name)s (personal profile)") % {"name": me.get("name") or person}]]


@login_required
def choose(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    pending: dict[str, Any] | None = request.session.get(CHOICE_KEY)
    if not pending or pending["workspace"] != workspace.pk:
        messages.error(request, _("This LinkedIn login has expired or was not started here. Try again."))
        return redirect("linkedin:connect", workspace_id=workspace.pk)
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("author", "")
        if chosen in (urn for urn, _name in pending["choices"]):
            try:
                return finish(request, workspace, pending, chosen)
            except NetworkError as failure:
                error = failure.message
        else:
            error = _("Choose the page or profile to connect.")
    return render(request, "linkedin/choose.html", {
        "workspace": workspace, "choices": pending["choices"], "error": error})


def finish(request: AuthedRequest, workspace: Any, pending: dict[str, Any], author: str) -> HttpResponse:
    tokens = pending["tokens"]
    with LinkedInClient(tokens["access_token"]) as api:
        identity = identity_of(api, author)
    credentials = {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    config = {"kind": "organization" if author.startswith("urn:li:organization:") else "person",
              "refresh_expires_at": tokens["refresh_expires_at"]}
    account = save_account(workspace, "linkedin", "https://www.linkedin.com", identity, credentials,
                           request.user, config=config)
    # The access token's end, which the refresh sweep watches (see `parvis.networks.tokens`).
    account.credentials_expire_at = parse_datetime(tokens["expires_at"])
    account.save(update_fields=["credentials_expire_at"])
    request.session.pop(CHOICE_KEY, None)
    messages.success(request, _("Connected %(handle)s.") % {"handle": identity.display_name})
    return redirect("web:accounts", workspace_id=workspace.pk)

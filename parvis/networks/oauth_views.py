"""The web steps an OAuth connect flow shares once the network has sent the person back
(`oauth_flow` keeps the state and the accounts offered): the network's refusal in words,
one account saved at once or several offered, and the page where one is chosen."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.core.texts import render as render_text
from parvis.networks import oauth_flow


def refusal(request: AuthedRequest, default: str = "?") -> str:
    """Why the network sent the person back without a code, in its own words."""
    return (request.GET.get("error_description") or request.GET.get("error_reason")
            or request.GET.get("error") or default)


def offer_or_save(request: AuthedRequest, key: str, server_url: str, workspace_id: int,
                  found: list[oauth_flow.Found]) -> HttpResponse:
    """One account: saved at once. Several: offered on `<key>:choose`."""
    if len(found) > 1:
        oauth_flow.offer(request, key, workspace_id, found)
        return redirect(f"{key}:choose")
    return save(request, key, server_url, workspace_id, found[0])


def choose(request: AuthedRequest, key: str, server_url: str, expired: str, pick: str) -> HttpResponse:
    """The page listing the accounts one login gave access to (`<key>/choose.html`)."""
    choices = oauth_flow.offered(request, key)
    if choices is None:
        messages.error(request, expired)
        return redirect("web:home")
    workspace = workspace_for(request.user, int(choices["workspace"]), Role.MANAGER)
    if request.method == "POST":
        picked = oauth_flow.chosen(request, key, request.POST.get("account", ""))
        if picked is not None:
            return save(request, key, server_url, picked[0], picked[1])
        messages.error(request, pick)
    return render(request, f"{key}/choose.html", {"workspace": workspace, "accounts": choices["accounts"]})


def save(request: AuthedRequest, key: str, server_url: str, workspace_id: int,
         found: oauth_flow.Found) -> HttpResponse:
    account = oauth_flow.save_found(request.user, workspace_id, key, server_url, found)
    messages.success(request, _("Connected %(handle)s.") % {"handle": account.shown_handle})
    for warning in account.checking_connector.after_connect():
        messages.warning(request, render_text(warning))
    return redirect("web:accounts", workspace_id=workspace_id)

"""Connecting an Instagram professional account with the organisation's own Meta app:
Facebook Login (through the account's Facebook Page) or Instagram Login. Which app is
configured is read from the settings; a way whose app is missing says which variables
to set instead of failing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.networks import oauth_flow, oauth_views
from parvis.networks.authorise import go_to_authorisation
from parvis.networks.base import NetworkError
from parvis.networks.instagram.connector import FACEBOOK_LOGIN, INSTAGRAM_LOGIN, SERVER_URL
from parvis.networks.instagram.login import accounts_from_code, app_for, authorize_url, missing_settings

KEY = "instagram"


def _ways() -> list[dict[str, object]]:
    return [{"login": login, "configured": app_for(login) is not None, "settings": missing_settings(login),
             "label": label, "help": help_text} for login, label, help_text in (
        (FACEBOOK_LOGIN, _("Log in with Facebook"),
         _("For an account linked to a Facebook Page you manage. Posts can also be deleted from parvis.")),
        (INSTAGRAM_LOGIN, _("Log in with Instagram"),
         _("For an account without a Facebook Page. Access lasts 60 days and parvis renews it.")),
    )]


def _callback_uri(request: AuthedRequest) -> str:
    return request.build_absolute_uri(reverse("instagram:callback"))


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    if request.method == "POST":
        login = request.POST.get("login", "")
        app = app_for(login) if login in (FACEBOOK_LOGIN, INSTAGRAM_LOGIN) else None
        if app is not None:
            state = oauth_flow.start(request, KEY, workspace.pk, login=login)
            return go_to_authorisation(request, authorize_url(login, app, _callback_uri(request), state), "Instagram")
        messages.error(request, _("Choose a way to log in that is configured."))
    return render(request, "instagram/connect.html", {"workspace": workspace, "ways": _ways()}, status=200)


EXPIRED = gettext_noop("This Instagram login has expired or was not started here. Try again.")  # translated where shown


@login_required
def callback(request: AuthedRequest) -> HttpResponse:
    pending = oauth_flow.returned(request, KEY)
    if pending is None:
        messages.error(request, _(EXPIRED))
        return redirect("web:home")
    workspace_id, login = int(pending["workspace"]), str(pending.get("login"))
    app = app_for(login)
    if "code" not in request.GET or app is None:
        messages.error(request, _("Meta did not authorise parvis: %(error)s") % {
            "error": oauth_views.refusal(request, _("the app is no longer configured"))})
        return redirect("instagram:connect", workspace_id=workspace_id)
    try:
        found = accounts_from_code(login, app, _callback_uri(request), request.GET["code"])
    except NetworkError as exc:
        messages.error(request, exc.message)
        return redirect("instagram:connect", workspace_id=workspace_id)
    return oauth_views.offer_or_save(request, KEY, SERVER_URL, workspace_id, found)


@login_required
def choose(request: AuthedRequest) -> HttpResponse:
    return oauth_views.choose(request, KEY, SERVER_URL, _(EXPIRED), _("Choose one of the accounts."))

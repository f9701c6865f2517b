"""Connecting a Facebook Page with the organisation's own Meta app (Facebook Login): a
long-lived user token, then the Pages it manages, each with its own token, which does not
expire. Several Pages: the person chooses. No app configured: the page says which
variables to set."""

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
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.facebook import hosts
from parvis.networks.facebook.connector import SERVER_URL, identity_from
from parvis.networks.graph import managed_pages, user_token_from_code

KEY = "facebook"
SCOPES = ["pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_manage_engagement",
          "pages_read_user_content", "read_insights", "publish_video", "business_management",
          # Messenger conversations in the inbox, and answers to them (meta.md, 5.5 and 8).
          "pages_messaging", "pages_manage_metadata"]


def _callback_uri(request: AuthedRequest) -> str:
    return request.build_absolute_uri(reverse("facebook:callback"))


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    app = hosts.meta_app()
    if request.method == "POST" and app is not None:
        state = oauth_flow.start(request, KEY, workspace.pk)
        return go_to_authorisation(request, hosts.login_dialog(app, _callback_uri(request), state, SCOPES),
                                   "Facebook")
    return render(request, "facebook/connect.html", {"workspace": workspace, "configured": app is not None,
                                                     "settings": hosts.APP_SETTINGS})


def pages_from_code(code: str, redirect_uri: str) -> list[oauth_flow.Found]:
    app = hosts.meta_app()
    if app is None:
        raise NetworkError(_("This parvis has no Meta app any more."), ErrorKind.PERMANENT)
    user = user_token_from_code(hosts.graph_url(), app, redirect_uri, code.removesuffix("#_"))
    found = [oauth_flow.Found(identity_from(page), {"access_token": page["access_token"]}, None)
             for page in managed_pages(hosts.graph_url(), user.token, "id,name,link,access_token")]
    if not found:
        raise NetworkError(_("You manage no Facebook Page (or did not select any when logging in)."),
                           ErrorKind.PERMANENT)
    return found


EXPIRED = gettext_noop("This Facebook login has expired or was not started here. Try again.")  # translated where shown


@login_required
def callback(request: AuthedRequest) -> HttpResponse:
    pending = oauth_flow.returned(request, KEY)
    if pending is None:
        messages.error(request, _(EXPIRED))
        return redirect("web:home")
    workspace_id = int(pending["workspace"])
    if "code" not in request.GET:
        messages.error(request, _("Meta did not authorise parvis: %(error)s") % {"error": oauth_views.refusal(request)})
        return redirect("facebook:connect", workspace_id=workspace_id)
    try:
        found = pages_from_code(request.GET["code"], _callback_uri(request))
    except NetworkError as exc:
        messages.error(request, exc.message)
        return redirect("facebook:connect", workspace_id=workspace_id)
    return oauth_views.offer_or_save(request, KEY, SERVER_URL, workspace_id, found)


@login_required
def choose(request: AuthedRequest) -> HttpResponse:
    return oauth_views.choose(request, KEY, SERVER_URL, _(EXPIRED), _("Choose one of the Pages."))

"""Connecting a WordPress site with a username and an Application Password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parvis.accounts.models import Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_for
from parvis.core.texts import Text
from parvis.networks.actions import save_account
from parvis.networks.base import ErrorKind, Identity, NetworkError
from parvis.networks.guarded import probe_seconds
from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.client import WordPressError
from parvis.networks.wordpress.connector import WordPressConnector, identity_from
from parvis.networks.wordpress.discovery import discover
from parvis.networks.wordpress.forms import ConnectForm

USERNAME_CODES = frozenset({"invalid_username", "invalid_email"})


@dataclass(frozen=True)
class Verified:
    identity: Identity
    credentials: dict[str, str]
    config: dict[str, Any]


def verify(site_url: str, username: str, app_password: str) -> Verified:
    """Find the site's REST API, then check the credentials and the user's right to
    publish. Raises NetworkError whose `field` names the form field to blame."""
    site = discover(site_url)  # there, and WordPress, before the password is sent
    if site.readable and "application-passwords" not in (site.authentication or {}):
        raise NetworkError(Text.gettext("This site does not offer application passwords: they need WordPress "
                                        "5.6 or later served over HTTPS, and a plugin or the host may switch "
                                        "them off."), ErrorKind.PERMANENT, field="app_password")
    credentials = {"username": username, "app_password": app_password}
    unsaved = SocialAccount(network="wordpress", server_url=site_url, credentials=credentials,
                            config={"api_root": site.api_root})
    connector = WordPressConnector(unsaved)
    try:
        me = connector.me()
    except WordPressError as error:
        if error.status == 401:
            field = "username" if error.code in USERNAME_CODES else "app_password"
            raise NetworkError(Text.gettext("WordPress refused this username and application password "
                                            "(%(code)s).", code=error.code or error.status),
                               ErrorKind.RECONNECT, field=field) from error
        error.field = error.field or "site"
        raise
    except NetworkError as error:  # the guard's refusals: a redirect, a private address, too slow
        error.field = error.field or "site"
        raise
    capabilities = me.get("capabilities") if isinstance(me.get("capabilities"), dict) else {}
    assert isinstance(capabilities, dict)
    if not capabilities.get("publish_posts"):
        raise NetworkError(Text.gettext("%(user)s may not publish posts on this site (roles: %(roles)s): use an "
                                        "Author, Editor or Administrator.", user=str(me.get("username") or username),
                                        roles=", ".join(map(str, me.get("roles") or [])) or "?"),
                           ErrorKind.PERMANENT, field="username")
    config = {
        "api_root": site.api_root, "site_name": site.name, "user_id": me["id"],
        "can_upload": bool(capabilities.get("upload_files")),
        "can_moderate": bool(capabilities.get("moderate_comments")),
    }
    return Verified(identity_from(me, site_url), credentials, config)


@login_required
def connect(request: AuthedRequest, workspace_id: int) -> HttpResponse:
    workspace = workspace_for(request.user, workspace_id, Role.MANAGER)
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            verified = verify(data["site"], data["username"], data["app_password"])
        except NetworkError as exc:
            form.add_error(exc.field if exc.field in form.fields else "site", exc.message)
        else:
            account = save_account(workspace, "wordpress", data["site"], verified.identity,
                                   verified.credentials, request.user, config=verified.config)
            messages.success(request, _("Connected %(handle)s.") % {"handle": account.handle})
            return redirect("web:accounts", workspace_id=workspace.pk)
    return render(request, "networks/connect.html", {
        "workspace": workspace, "form": form, "network_label": "WordPress", "wait_seconds": probe_seconds(),
    })

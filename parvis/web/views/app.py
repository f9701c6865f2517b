"""parvis as an installable app (a PWA): the web app manifest, the service worker and the
page it shows when the network is gone. All three are served at the site's root: a
service worker controls only the paths under its own, and browsers look for the
manifest where the pages name it.

The offline page is the same for everyone and carries nothing of anyone's (no name, no
CSRF token): the service worker keeps it in a cache shared by whoever uses the browser.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

THEME = "#141827"  # the header's colour: the phone's status bar takes it
# What the service worker keeps for when the network is gone: the offline page and what it
# and every page need to look like parvis.
SHELL_STATIC = ("parvis/parvis.css", "parvis/parvis.js", "parvis/favicon.svg", "parvis/icon-192.png")


OFFLINE_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "parvis" / "offline.html"


@functools.cache
def shell_version() -> str:
    """A digest of what the service worker keeps: a change to any of it makes browsers
    drop their copy and fetch the new one."""
    digest = hashlib.sha256(OFFLINE_TEMPLATE.read_bytes())
    for path in SHELL_STATIC:
        found = finders.find(path)
        digest.update(Path(str(found)).read_bytes() if found else path.encode())
    return digest.hexdigest()[:12]


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [{"src": static(f"parvis/{name}"), "sizes": size, "type": "image/png", "purpose": purpose}
             for name, size, purpose in (("icon-192.png", "192x192", "any"), ("icon-512.png", "512x512", "any"),
                                         ("icon-maskable-512.png", "512x512", "maskable"))]
    data = {
        "name": "parvis", "short_name": "parvis", "id": "/", "start_url": "/", "scope": "/",
        "display": "standalone", "background_color": "#f7f8fa", "theme_color": THEME,
        "description": _("Plan, publish, answer and report for every brand you run."),
        "icons": icons,
        "shortcuts": [{"name": _("Inbox"), "url": reverse("web:inbox")},
                      {"name": _("Calendar"), "url": reverse("web:calendar_all")}],
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False})


@require_safe
@cache_control(no_cache=True)  # a new version of parvis must reach browsers at once
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [reverse("web_offline"), *(static(path) for path in SHELL_STATIC)]
    return render(request, "parvis/sw.js", {"version": shell_version(), "shell": shell, "offline": shell[0],
                                            "icon": static("parvis/icon-192.png")},
                  content_type="text/javascript")


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "parvis/offline.html", {"theme": THEME})

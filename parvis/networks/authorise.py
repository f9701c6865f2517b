"""Sending a person on to a network's authorisation page (OAuth) once they have posted
the connect form.

Not with a redirect: browsers hold the redirects of a form's answer to the submitting
page's Content-Security-Policy `form-action`, which names parvis alone (the server is
only known once typed). A page that moves on by itself (a meta refresh, and a link for
anyone whose browser does not follow it) starts a new navigation, outside that rule."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def go_to_authorisation(request: HttpRequest, url: str, network_label: str) -> HttpResponse:
    return render(request, "networks/authorise.html", {
        "url": url, "host": urlsplit(url).netloc, "network_label": network_label})

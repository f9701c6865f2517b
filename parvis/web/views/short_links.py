"""A short link followed: `/l/<code>`, public (no login, no cookie). The answer carries
the target and nothing else: no page, no referrer for the target to read where the
person came from, nothing cached so that every click reaches parvis to be counted."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from parvis.analytics import links


@require_safe
def follow(request: HttpRequest, code: str) -> HttpResponse:
    person = links.is_person(request.method or "", request.headers.get("user-agent", ""),
                             request.headers.get("sec-purpose", "") + request.headers.get("purpose", ""))
    target = links.follow(code, count=person)
    if target is None:
        response: HttpResponse = HttpResponse("Not found\n", status=404, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponseRedirect(target)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

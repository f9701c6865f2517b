"""/networks.css: the networks' colours, from the registry (see `parvis.networks.style`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from parvis.networks import registry
from parvis.networks.style import stylesheet


@require_safe
@cache_control(public=True, max_age=3600)
def network_css(request: HttpRequest) -> HttpResponse:
    return HttpResponse(stylesheet(registry.NETWORKS.values()), content_type="text/css; charset=utf-8")

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, []) if mapping else []


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (for filters and pages)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def web_link(url: object) -> str:
    """A URL that came from a network or a feed (a profile, a live post, an author's
    link), only if it is a web address; "" otherwise. Autoescaping does not stop a
    `javascript:` or `data:` scheme: every such URL put in an href or a src goes through
    here (the inbox's views call it too)."""
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else ""

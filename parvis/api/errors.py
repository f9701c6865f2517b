"""API errors: always JSON, always naming the field, never a 500 for bad input.

Every 400 has one shape, `{"errors": {name: [message, …]}}`, whatever the depth of the
field. DRF's nested errors are flattened here, once:

- a bad item in a list of values (`labels`, `accounts`, `blocking`) is an error on the
  list, numbered: `{"labels": ["Item 2: …"]}`, like the errors the shared checks give
  about such a list (one of these labels does not exist): one input, one name;
- a list of objects gives each object's fields their path: `slots[0].time`,
  `decisions[2].action`; a nested object's, `variants.bluesky`;
- an error about the body as a whole (not an object, unreadable) is on `body`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from parvis.publishing.validation import PostValidationError

BODY = "body"


def flat_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as flat field names (see the module docstring)."""
    out: dict[str, list[str]] = {}

    def add(name: str, messages: list[str]) -> None:
        out.setdefault(name, []).extend(messages)

    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int) and not isinstance(value, dict):  # an item of a list of values
                add(prefix or BODY, [_("Item %(number)d: %(message)s") % {"number": key + 1, "message": message}
                                     for messages in flat_errors(value).values() for message in messages])
                continue
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix or BODY
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flat_errors(value, name).items():
                add(field, messages)
    elif isinstance(errors, list):
        for i, item in enumerate(errors):
            if isinstance(item, dict | list):  # an object of a list of objects; {} when it was valid
                for field, messages in flat_errors(item, f"{prefix}[{i}]").items():
                    add(field, messages)
            else:
                add(prefix or BODY, [str(item)])
    else:
        add(prefix or BODY, [str(errors)])
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PostValidationError):
        return Response({"errors": exc.by_field()}, status=400)
    response = drf_handler(exc, context)
    if response is not None and response.status_code == 400:
        response.data = {"errors": flat_errors(response.data)}
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A URL that matches nothing (an unknown path, an id no row can have) answers like an
    API view's 404 under /api/: JSON `{"detail": …}`, the shape the schema documents."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return page_not_found(request, exception)

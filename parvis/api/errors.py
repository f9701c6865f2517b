"""API errors: always JSON, always naming the field, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from parvis.publishing.validation import PostValidationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PostValidationError):
        return Response({"errors": exc.by_field()}, status=400)
    response = drf_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, dict):
        response.data = {"errors": response.data}
    return response

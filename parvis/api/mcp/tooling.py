"""The boundary between the MCP SDK and parvis for each tool call: the caller (found by
auth.py) as a user, their language, the database connections, and how the API's refusals
become tool errors.

The SDK runs a synchronous tool in a worker thread of its event loop; Django's database
connections belong to a thread, so each call starts by dropping stale ones and ends by
closing this thread's (a worker thread may idle out and never serve Django again). A
refusal the REST API would answer with 400, 403, 404 or 409 becomes an MCP tool error
(`isError`) whose text names the field, one `field: message` line per message, in the
caller's language.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import close_old_connections, connections
from django.http import Http404
from django.utils import translation
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from parvis.accounts.models import User
from parvis.api.errors import flat_errors
from parvis.api.mcp.auth import CallerUnknown, ResolveCaller
from parvis.inbox.errors import InboxError
from parvis.publishing.pause import PauseConflict
from parvis.publishing.validation import PostValidationError


def lines(by_field: dict[str, list[str]]) -> str:
    return "\n".join(f"{field}: {message}" for field, messages in by_field.items() for message in messages)


def refusal(exc: Exception) -> str | None:
    """The text of a tool error for a refusal the REST API answers with a 4xx; None for
    anything else (a bug: the SDK reports it without details)."""
    if isinstance(exc, PostValidationError):
        return lines(exc.by_field())
    if isinstance(exc, PauseConflict | InboxError):
        return f"{exc.field}: {exc.message}"
    if isinstance(exc, Http404 | ObjectDoesNotExist | exceptions.NotFound):
        return str(exceptions.NotFound.default_detail)
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return str(exceptions.PermissionDenied.default_detail)
    if isinstance(exc, exceptions.ValidationError):
        return lines(flat_errors(exc.detail))
    if isinstance(exc, exceptions.APIException):  # Conflict and its kind: {"errors": {field: [...]}}
        detail = exc.detail
        errors: Any = detail.get("errors") if isinstance(detail, dict) else None
        if isinstance(errors, dict):
            return lines({str(k): [str(m) for m in v] for k, v in errors.items()})
        return str(detail)
    if isinstance(exc, CallerUnknown):
        return str(exc)
    return None


def as_json(data: Any) -> Any:
    """The API's JSON (dates in ISO 8601, decimals as strings, lazy texts rendered)."""
    return json.loads(JSONRenderer().render(data))


def run(ctx: Context, resolve: ResolveCaller, operation: Callable[..., Any], *args: Any) -> Any:
    """Call `operation(user, *args)` for the caller of this request; its refusals become
    tool errors."""
    close_old_connections()
    try:
        caller = resolve(ctx)
        user = User.objects.filter(pk=caller.user_id, is_active=True).first()
        if user is None:
            raise CallerUnknown(str(exceptions.AuthenticationFailed.default_detail))
        with translation.override(caller.language or user.language or None):
            try:
                return as_json(operation(user, *args))
            except Exception as exc:
                message = refusal(exc)
                if message is None:
                    raise
                raise ToolError(message) from exc
    except CallerUnknown as exc:
        raise ToolError(str(exc)) from exc
    finally:
        connections.close_all()

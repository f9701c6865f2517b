"""The conversions webhook: `POST /hooks/conversions/<source_id>/`, called by a
client's site (no session, no CSRF token: the body's HMAC signature is the key).

Every answer is JSON: 201 (recorded) or 200 (already known, updated), 400 naming the
bad field, 403 for a missing or wrong signature, 404 for an unknown webhook, 413 over
64 kB; an error of parvis's own is a 503 (the sender may retry), never a 500.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from parvis.analytics import conversions

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def conversion_hook(request: HttpRequest, source_id: int) -> JsonResponse:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > conversions.MAX_BODY:
        return _too_large()
    try:
        body = request.read(conversions.MAX_BODY + 1)
        if len(body) > conversions.MAX_BODY:
            return _too_large()
        conversion, created = conversions.receive(source_id, body,
                                                  request.headers.get(conversions.SIGNATURE_HEADER, ""))
    except conversions.HookError as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=exc.status)
    except Exception:  # noqa: BLE001 - a sender is told to retry, never shown a 500
        log.exception("conversion webhook %s failed", source_id)
        response = JsonResponse({"error": _("parvis could not record this conversion now: try again later.")},
                                status=503)
        response["Retry-After"] = "60"
        return response
    return JsonResponse({"id": conversion.pk, "created": created}, status=201 if created else 200)


def _too_large() -> JsonResponse:
    return JsonResponse({"error": _("The body is larger than %(size)s kB.") % {"size": conversions.MAX_BODY // 1024},
                         "field": "body"}, status=413)

"""A person's notification choices (per topic: in the app, by email, on their phones),
and the browsers where they accepted push notifications."""

from __future__ import annotations

import contextlib
import json
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts import channels, webpush
from parvis.accounts.models import PushSubscription, User
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.tasks import PushNotDelivered, push_task


@login_required
def notification_settings(request: AuthedRequest) -> HttpResponse:
    user = cast(User, request.user)
    if request.method == "POST":
        channels.set_choices(user, {t.key: {c: f"{t.key}.{c}" in request.POST for c in channels.CHANNELS}
                                    for t in channels.TOPICS})
        messages.success(request, _("Your notification choices are saved."))
        return redirect("web:notification_settings")
    chosen = channels.choices_of([user])[user.pk]
    rows = [(t, [(c, chosen[t.key][c]) for c in channels.CHANNELS]) for t in channels.TOPICS]
    return render(request, "parvis/notification_settings.html", {
        "rows": rows, "browsers": PushSubscription.objects.filter(user=user),
        "vapid_key": webpush.public_key()})


@login_required
@require_POST
def push_subscribe(request: AuthedRequest) -> JsonResponse:
    """Called by the page's script with what `PushManager.subscribe()` gave the browser."""
    try:
        data = json.loads(request.body or b"{}")
        endpoint, keys = str(data.get("endpoint", "")), data.get("keys") or {}
        p256dh, auth = str(keys.get("p256dh", "")), str(keys.get("auth", ""))
    except (ValueError, AttributeError):
        return JsonResponse({"errors": {"endpoint": _("Send the subscription as JSON.")}}, status=400)
    try:
        subscription = channels.subscribe(cast(User, request.user), endpoint, p256dh, auth,
                                          channels.device_name(request.headers.get("User-Agent", "")))
    except channels.SubscriptionError as exc:
        return JsonResponse({"errors": {exc.field: exc.message}}, status=400)
    return JsonResponse({"id": subscription.pk, "device": subscription.device}, status=201)


@login_required
@require_POST
def push_remove(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    deleted, _rows = PushSubscription.objects.filter(user=request.user, pk=subscription_id).delete()
    if deleted:
        messages.success(request, _("This browser will no longer get push notifications."))
    return redirect("web:notification_settings")


@login_required
@require_POST
def push_test(request: AuthedRequest) -> HttpResponse:
    """Send a test to each of the person's browsers, now; each outcome is shown on the page."""
    browsers = list(PushSubscription.objects.filter(user=request.user).values_list("pk", flat=True))
    message = {"title": _("Test from parvis"), "body": _("Push notifications reach this device."),
               "url": reverse("web:notification_settings"), "tag": "test"}
    for pk in browsers:
        with contextlib.suppress(PushNotDelivered):  # its answer is recorded on the browser's row
            push_task.call_local(pk, message, "normal")
    if browsers:
        messages.success(request, _("Test sent: each device's answer is shown below."))
    else:
        messages.error(request, _("No device gets push notifications yet: turn them on on this device first."))
    return redirect("web:notification_settings")

"""How many password-reset emails parvis sends: a mailbox gets at most
`PARVIS_RESET_EMAILS_PER_HOUR` an hour, and one address may ask at most
`PARVIS_RESET_REQUESTS_PER_HOUR` times an hour, whatever emails it names.

Without these, anyone could fill a person's mailbox with reset emails, or make parvis
send thousands of them to addresses of their choosing. The page's answer for a capped
mailbox is the same as for any other ("if an account uses this email…"): it must say
nothing about which emails have accounts. An address past its own cap is told to wait:
that says nothing about any account.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from parvis.accounts.models import PasswordResetRequest

WINDOW = timedelta(hours=1)


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def address_wait(address: str | None) -> int:
    """Seconds before this address may ask again (0: it may now)."""
    if not address:
        return 0
    since = timezone.now() - WINDOW
    asked = PasswordResetRequest.objects.filter(address=address, created_at__gt=since)
    if asked.count() < settings.PARVIS_RESET_REQUESTS_PER_HOUR:
        return 0
    oldest = asked.order_by("created_at").values_list("created_at", flat=True)[0]
    return max(1, math.ceil((oldest + WINDOW - timezone.now()).total_seconds()))


def may_email(email: str, address: str | None) -> bool:
    """Record a request for `email` from `address`; whether its email may be sent."""
    now = timezone.now()
    digest = _email_hash(email)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(created_at__lt=now - WINDOW).delete()
        sent = PasswordResetRequest.objects.filter(email_hash=digest, created_at__gt=now - WINDOW).count()
        PasswordResetRequest.objects.create(email_hash=digest, address=address or "", created_at=now)
    return sent < settings.PARVIS_RESET_EMAILS_PER_HOUR

"""Credentials that expire: refreshed ahead of time, or their owners warned in time.

Instagram and Threads long-lived tokens last 60 days and are refreshed by a call;
LinkedIn's access tokens last 60 days and come back from a refresh token; some expire
with no refresh at all. Each account stores when its credentials stop working
(`credentials_expire_at`). A sweep, run with the others by every dispatcher, finds the
accounts whose expiry comes within their network's `refresh_ahead` and queues one
refresh each; a refresh the network refuses marks the account "reconnect needed" and
tells its owners. Whatever cannot be refreshed (or keeps failing) is announced to the
owners `warn_before` the expiry, once per expiry date.

New credentials are saved through one function, `save_credentials`, encrypted like
every credential (`SocialAccount.credentials`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.actions import notify, owners_of
from parvis.core.texts import Text
from parvis.networks import registry
from parvis.networks.base import Credentials, ErrorKind, NetworkError
from parvis.networks.models import AccountStatus, SocialAccount

log = logging.getLogger(__name__)

# A refresh that failed (or whose worker died) is tried again after this long.
RETRY_AFTER = timedelta(hours=1)
PER_PASS = 50


def save_credentials(account: SocialAccount, credentials: Credentials) -> None:
    """The one place new credentials are written: merged into the encrypted ones, with
    their new expiry; a warning about the old expiry no longer applies."""
    account.credentials = {**account.credentials, **credentials.values}
    account.credentials_expire_at = credentials.expires_at
    account.credentials_refreshed_at = timezone.now()
    account.save(update_fields=["credentials", "credentials_expire_at", "credentials_refreshed_at"])


def _horizon(now: datetime) -> datetime:
    """How far ahead any network looks (each account is then held to its own network)."""
    ahead = [max(info.refresh_ahead or timedelta(0), info.warn_before) for info in registry.NETWORKS.values()]
    return now + max(ahead, default=timedelta(0))


def _due(account: SocialAccount, now: datetime) -> bool:
    info = account.network_info
    expires = account.credentials_expire_at
    return bool(info.refresh_ahead and expires and expires - now <= info.refresh_ahead)


def claim_refreshes(now: datetime) -> list[int]:
    """Accounts to refresh now, each claimed by moving `credentials_refreshed_at` (a
    compare-and-set: two dispatchers never refresh the same account twice)."""
    tried_before = now - RETRY_AFTER
    candidates = SocialAccount.objects.filter(
        Q(credentials_refreshed_at__isnull=True) | Q(credentials_refreshed_at__lt=tried_before),
        status=AccountStatus.ACTIVE, credentials_expire_at__lte=_horizon(now),
    ).order_by("credentials_expire_at")[:PER_PASS]
    claimed = []
    for account in candidates:
        if not _due(account, now):
            continue
        taken = SocialAccount.objects.filter(
            pk=account.pk, credentials_refreshed_at=account.credentials_refreshed_at,
        ).update(credentials_refreshed_at=now)
        if taken:
            claimed.append(account.pk)
    return claimed


def refresh(account_id: int) -> str:
    """Refresh one account's credentials. Returns the outcome (for logs and tests)."""
    account = SocialAccount.objects.select_related("workspace").filter(
        pk=account_id, status=AccountStatus.ACTIVE).first()
    if account is None:
        return "skipped"
    try:
        credentials = registry.connector_for(account).refresh_credentials()
    except NetworkError as error:
        if error.kind is not ErrorKind.RECONNECT:
            log.warning("account %s: credentials refresh failed, tried again later: %s", account.pk, error)
            return "retry"
        with transaction.atomic():
            if account.mark_reconnect_needed(error.reason):
                tell_reconnect(account, error.reason)
        return "reconnect"
    save_credentials(account, credentials)
    log.info("account %s: credentials refreshed, now valid until %s", account.pk, credentials.expires_at)
    return "refreshed"


def tell_reconnect(account: SocialAccount, reason: str | Text) -> None:
    workspace = account.workspace
    notify(owners_of(workspace), workspace, "account_reconnect",
           Text.gettext("%(account)s must be reconnected", account=str(account)),
           Text.gettext("%(account)s refused to renew parvis's access: %(reason)s Reconnect it so that "
                        "its scheduled posts can be published.", account=str(account), reason=reason),
           reverse("web:accounts", args=[workspace.pk]))


def warn_expiring(now: datetime) -> int:
    """Tell the owners, once per expiry date, of credentials about to stop working that
    nothing has renewed: the network gives no refresh, or the refreshes keep failing."""
    soon = SocialAccount.objects.filter(
        status=AccountStatus.ACTIVE, credentials_expire_at__lte=_horizon(now),
    ).exclude(expiry_warned_for=F("credentials_expire_at")).select_related("workspace")[:PER_PASS]
    warned = 0
    for account in soon:
        expires = account.credentials_expire_at
        if expires is None or expires - now > account.network_info.warn_before:
            continue
        taken = SocialAccount.objects.filter(pk=account.pk, credentials_expire_at=expires).exclude(
            expiry_warned_for=expires).update(expiry_warned_for=expires)
        if not taken:
            continue
        workspace = account.workspace
        when = expires.date().isoformat()  # unambiguous in every reader's language
        notify(owners_of(workspace), workspace, "account_expiring",
               Text.gettext("%(account)s must be reconnected before %(when)s", account=str(account), when=when),
               Text.gettext("parvis's access to %(account)s ends on %(when)s and cannot be renewed "
                            "automatically. Reconnect the account before then, or its posts will not go out.",
                            account=str(account), when=when),
               reverse("web:accounts", args=[workspace.pk]))
        warned += 1
    return warned


def refresh_expiring_credentials(now: datetime) -> int:
    """The sweep: queue the refreshes that are due, then warn about what is left."""
    from parvis.networks.tasks import refresh_credentials_task

    claimed = claim_refreshes(now)
    for account_id in claimed:
        refresh_credentials_task(account_id)
    return len(claimed) + warn_expiring(now)

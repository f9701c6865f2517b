"""Background jobs of the networks app (queued by its sweep, `tokens.refresh_expiring_credentials`)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def refresh_credentials_task(account_id: int) -> str:
    from parvis.networks.tokens import refresh

    return refresh(account_id)

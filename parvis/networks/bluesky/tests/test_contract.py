"""The shared connector contract (`parvis.networks.tests.contract`), against the real PDS
(which injects no faults: those tests are skipped here and covered by the Bluesky
connector's own tests with a scripted server)."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.tests.contract import ConnectorContract, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(bluesky_account: tuple[Any, dict[str, Any]], pds_server: Any) -> Subject:
    account, _created = bluesky_account

    def expire() -> None:
        # The saved session string carries live tokens whatever its handle says: drop it,
        # and the app password the PDS no longer knows.
        account.credentials = {**account.credentials, "session": "", "app_password": "abcd-efgh-ijkl-mnop"}
        account.save(update_fields=["credentials"])

    return Subject(account=account, posts=lambda: [p["uri"] for p in pds_server.list_posts(account.remote_id)],
                   expire=expire)


class TestBlueskyContract(ConnectorContract):
    pass

"""The shared connector contract (`parvis.networks.tests.contract`), against mastodon-mock."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.tests.contract import ConnectorContract, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(mastodon_account: tuple[Any, dict[str, Any]], mastodon_server: Any) -> Subject:
    account, local = mastodon_account
    return Subject(
        account=account,
        posts=lambda: [str(s["id"]) for s in mastodon_server.statuses_of(local)],
        lose_publish=lambda: mastodon_server.accept_then_drop(),
        refuse_publish=lambda status: mastodon_server.fail_next(status),
    )


class TestMastodonContract(ConnectorContract):
    pass

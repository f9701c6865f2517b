"""The shared connector contract (`parvis.networks.tests.contract`), against the real
WordPress on loopback. It is a real server: it cannot be told to lose an answer or to
refuse one request, so those two tests are skipped (test_connector.py loses an answer by
wrapping the client instead)."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.models import SocialAccount
from parvis.networks.tests.contract import ConnectorContract, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def articles_of(wordpress_server: Any, user_id: str) -> list[str]:
    """The ids of the user's newest articles in any state but the trash (100 are plenty:
    a test compares what changed around the one it publishes)."""
    found = wordpress_server.rest_json("GET", "/wp/v2/posts", params={
        "author": user_id, "status": "any", "per_page": 100, "orderby": "id", "order": "desc", "context": "edit"})
    return [str(article["id"]) for article in found]


@pytest.fixture
def subject(wp_account: SocialAccount, wordpress_server: Any) -> Subject:
    return Subject(account=wp_account, posts=lambda: articles_of(wordpress_server, wp_account.remote_id),
                   options={"title": "Contrat"})


class TestWordPressContract(ConnectorContract):
    pass

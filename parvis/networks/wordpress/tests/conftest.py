"""An account on the session's real WordPress (parvis/testing/wordpress_server.py),
connected the way the connect form does it."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.connector import WordPressConnector
from parvis.networks.wordpress.views import verify


@pytest.fixture
def wp_account(people: dict[str, Any], wordpress_server: Any) -> SocialAccount:
    verified = verify(wordpress_server.url, wordpress_server.username, wordpress_server.app_password)
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="wordpress", server_url=wordpress_server.url,
        remote_id=verified.identity.remote_id, handle=verified.identity.handle,
        credentials=verified.credentials, config=verified.config,
    )


@pytest.fixture
def connector(wp_account: SocialAccount) -> WordPressConnector:
    return WordPressConnector(wp_account)

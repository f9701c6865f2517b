"""An account on the session's real WordPress (parvis/testing/wordpress_server.py),
connected the way the connect form does it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from parvis.networks.base import PublishRequest
from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.connector import WordPressConnector
from parvis.networks.wordpress.views import verify


@dataclass(frozen=True)
class ArticleRequest(PublishRequest):
    """A PublishRequest with its per-network options (the contract is gaining the field)."""

    options: Mapping[str, Any] = field(default_factory=dict)


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

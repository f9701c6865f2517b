"""The shared connector contract (`parvis.networks.tests.contract`) for a Facebook Page,
against the loopback fake of Meta's Graph API."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.facebook.connector import SERVER_URL
from parvis.networks.models import SocialAccount
from parvis.networks.tests.contract import ConnectorContract, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def subject(people: dict[str, Any], meta: Any, page: Any) -> Subject:
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="facebook", server_url=SERVER_URL, remote_id=page.id,
        handle=page.name, credentials={"access_token": page.token})
    return Subject(
        account=account,
        posts=lambda: [p.id for p in meta.posts.values() if p.page_id == page.id and p.published],
        lose_publish=lambda: meta.lose_next(path="*/feed"),
        refuse_publish=lambda status: meta.fail_next(status, path="*/feed"),
    )


class TestFacebookContract(ConnectorContract):
    pass

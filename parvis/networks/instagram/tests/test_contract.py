"""The shared connector contract (`parvis.networks.tests.contract`) for Instagram, against
the loopback fake of Meta's Graph API, with an account connected through its Page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parvis.networks.base import MediaFile
from parvis.networks.instagram.connector import SERVER_URL
from parvis.networks.models import SocialAccount
from parvis.networks.tests.contract import ConnectorContract, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def subject(people: dict[str, Any], meta: Any, files: Any, ig: Any) -> Subject:
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="instagram", server_url=SERVER_URL, remote_id=ig.id,
        handle=f"@{ig.username}", credentials={"access_token": meta.pages[ig.page_id].token, "login": "facebook",
                                               "page_id": ig.page_id})
    return Subject(
        account=account,
        posts=lambda: [m.id for m in meta.media.values() if m.owner == ig.id and m.product_type != "CAROUSEL_ITEM"],
        lose_publish=lambda: meta.lose_next(path="*/media_publish"),
        refuse_publish=lambda status: meta.fail_next(status, path="*/media_publish"),
        media=[MediaFile(path=Path("a.jpg"), mime_type="image/jpeg", url=files.url("/a.jpg"), width=80, height=80)],
    )


class TestInstagramContract(ConnectorContract):
    pass

"""The shared connector contract (parvis/networks/tests/contract.py), for a LinkedIn page
on the loopback fake."""

from __future__ import annotations

from typing import Any

import pytest

from parvis.networks.linkedin.tests.conftest import connect_as
from parvis.networks.tests.contract import ConnectorContract, Subject
from parvis.testing.linkedin_base import Member, Organization
from parvis.testing.linkedin_server import LocalLinkedIn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def subject(people: dict[str, Any], linkedin: LocalLinkedIn, alice: Member, shop: Organization) -> Subject:
    return Subject(
        account=connect_as(people, linkedin, alice, shop.urn),
        posts=lambda: [post.urn for post in linkedin.live_posts(shop.urn)],
        lose_publish=lambda: linkedin.lose_next(path="/rest/posts"),
        refuse_publish=lambda status: linkedin.fail_next(status, path="/rest/posts"),
    )


class TestLinkedInContract(ConnectorContract):
    pass
